-- Streamlab: the PostgreSQL side of the main job. Idempotent: safe to run any number of times.
-- Applied automatically by the PostgreSQL sink when its target is named user_events and is missing
-- (in the target's schema: the names below are deliberately unqualified).

-- Cleaned e-commerce events, one row per event_id (the streaming sink skips duplicates).
CREATE TABLE IF NOT EXISTS user_events (
    id              BIGSERIAL PRIMARY KEY,
    event_id        TEXT NOT NULL UNIQUE,
    user_id         TEXT NOT NULL,
    event_type      TEXT NOT NULL CHECK (event_type IN ('view', 'add_to_cart', 'purchase')),
    product_id      TEXT NOT NULL,
    price           NUMERIC(10, 2),
    event_timestamp TIMESTAMPTZ NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Time-range, per-user and per-type queries.
CREATE INDEX IF NOT EXISTS user_events_event_timestamp_idx ON user_events (event_timestamp);
CREATE INDEX IF NOT EXISTS user_events_user_id_idx ON user_events (user_id, event_timestamp);
CREATE INDEX IF NOT EXISTS user_events_event_type_idx ON user_events (event_type, event_timestamp);

-- The ledger of committed micro-batches: a batch whose row exists is never applied again.
CREATE TABLE IF NOT EXISTS streamlab_batches (
    query_id      TEXT NOT NULL,
    batch_id      BIGINT NOT NULL,
    target_table  TEXT NOT NULL,
    rows_inserted BIGINT NOT NULL,
    rows_skipped  BIGINT NOT NULL,
    committed_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (query_id, batch_id)
);
