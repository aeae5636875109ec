/**
 * Where the medallion pipeline keeps its tables under one base folder, and their schemas: the
 * names the layers, the CLI, the notebook and the tests share.
 */
import * as path from "node:path";

export const LAYERS = ["bronze", "silver", "gold"] as const;
export type Layer = (typeof LAYERS)[number];

/** The event columns as the daily files carry them. */
export const EVENT_COLUMNS = ["event_id", "user_id", "event_type", "product_id", "price", "event_timestamp"] as const;

/** Bronze keeps every data column as the original string (no transformation), plus where and when it came in. */
export const BRONZE_DATA_SCHEMA = EVENT_COLUMNS.map((c) => `${c} STRING`).join(", ");
export const BRONZE_SCHEMA = `${BRONZE_DATA_SCHEMA}, _source_file STRING, _ingested_at TIMESTAMP, _batch_id BIGINT`;

/** Silver: the events typed, one row per event_id, with their lineage. */
export const SILVER_SCHEMA =
  "event_id STRING NOT NULL, user_id STRING NOT NULL, event_type STRING NOT NULL, product_id STRING, price DECIMAL(10,2) NOT NULL, event_timestamp TIMESTAMP NOT NULL, event_date DATE NOT NULL, " +
  "_source_file STRING, _bronze_version BIGINT, _processed_at TIMESTAMP, _run_id STRING";

/** Silver's quarantine: bronze's strings as they were, the rules they failed, and where they came from. */
export const QUARANTINE_SCHEMA = `${BRONZE_DATA_SCHEMA}, failed_rules ARRAY<STRING>, _source_file STRING, _bronze_version BIGINT, _run_id STRING, _quarantined_at TIMESTAMP`;

/** Gold: events, distinct users and revenue per day and event type. */
export const GOLD_SCHEMA = "event_date DATE, event_type STRING, events BIGINT, users BIGINT, revenue DECIMAL(18,2)";

/** The run log, one row per layer per run; field names after DLT's flow_progress events. */
export const RUNS_SCHEMA =
  "run_id STRING NOT NULL, flow_name STRING NOT NULL, status STRING NOT NULL, started_at TIMESTAMP, ended_at TIMESTAMP, " +
  "source_range STRING, target_version BIGINT, num_input_rows BIGINT, num_output_rows BIGINT, num_upserted_rows BIGINT, num_deleted_rows BIGINT, " +
  "dropped_records BIGINT, expectations STRING, error STRING";

export interface MedallionPaths {
  base: string;
  bronze: string;
  bronzeCheckpoint: string;
  /** Malformed lines bronze could not read (the file source's badRecordsPath). */
  bronzeQuarantine: string;
  silver: string;
  quarantine: string;
  gold: string;
  runs: string;
}

export function medallionPaths(base: string): MedallionPaths {
  const b = path.resolve(base);
  return {
    base: b,
    bronze: path.join(b, "bronze", "events"),
    bronzeCheckpoint: path.join(b, "_checkpoints", "bronze"),
    bronzeQuarantine: path.join(b, "quarantine", "bronze"),
    silver: path.join(b, "silver", "events"),
    quarantine: path.join(b, "quarantine", "events"),
    gold: path.join(b, "gold", "daily_events"),
    runs: path.join(b, "_pipeline", "runs"),
  };
}

/**
 * The txn application ids: silver records the last bronze version it processed under
 * `medallion.silver/<bronze table id>`, gold the last silver version under `medallion.gold/<silver
 * table id>` — a layer rebuilt from scratch (a new table id) is read from its start.
 */
export const silverAppId = (bronzeTableId: string) => `medallion.silver/${bronzeTableId}`;
export const quarantineAppId = (bronzeTableId: string) => `medallion.quarantine/${bronzeTableId}`;
export const goldAppId = (silverTableId: string) => `medallion.gold/${silverTableId}`;
