/**
 * The PostgreSQL sink: each micro-batch in one database transaction — the batch's rows bulk-loaded
 * with COPY into a temporary staging table, `INSERT … SELECT … ON CONFLICT (key) DO NOTHING` (in
 * update mode `DO UPDATE`: an upsert of the groups an aggregation changed) into
 * the target, and a ledger row (query_id, batch_id, rows_inserted, rows_skipped, committed_at). A
 * batch whose ledger row exists is skipped, so a replay after a crash is exactly-once. When the
 * server is unreachable the batch is retried with exponential backoff (the query's status says
 * "Waiting for PostgreSQL at … (attempt 3/24, next in 4 s)"), and the checkpoint commits only after
 * PostgreSQL has.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pipeline } from "node:stream/promises";
import type pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { sqlString } from "../duck";
import { StreamlabError, isStreamlabError, messageOf } from "../errors";
import { packageRoot } from "../util/paths";
import { CONNECT_DEFAULTS, closeClient, connect, describeConnection, quoteName, redact, seconds } from "./postgres";
import type { Sink, SinkContext, SinkResult } from "../stream/sink";

export interface PostgresSinkOptions {
  /** The target table, e.g. "user_events" or "public.user_events". */
  table: string;
  /** The conflict key: rows whose key already exists are skipped (ON CONFLICT DO NOTHING). */
  keyColumns?: string[];
  /** Connection string; default DATABASE_URL, else the PG* variables. */
  connectionString?: string;
  /**
   * SQL run when the target table is missing; it must create the target. Default: the bundled
   * sql/postgres_setup.sql when the target is named user_events (run in the target's schema), else
   * none — a missing target is refused.
   */
  setupSqlFile?: string;
  /** The ledger table, created when missing. Default streamlab_batches, in the target's schema. */
  ledgerTable?: string;
  /**
   * How long to keep retrying an unreachable server before failing the query (ms): the waits between
   * attempts add up to at most this. Default 10 minutes. 0 fails at the first error.
   */
  retryForMs?: number;
  /** The wait after the first failed attempt (ms), doubled after each further one. Default 1 s. */
  retryInitialDelayMs?: number;
  /** The longest wait between two attempts (ms). Default 30 s. */
  retryMaxDelayMs?: number;
  /**
   * Aborting it ends a wait between attempts at once (the main job aborts it on Ctrl-C): the batch
   * fails, unwritten, and runs again when the query restarts. An attempt in flight runs to its end
   * (bounded by the timeouts).
   */
  signal?: AbortSignal;
  /** How long connecting may take (ms); 0 waits forever. Default 10 s. */
  connectTimeoutMs?: number;
  /**
   * How long one statement may take (ms); 0 waits forever. Default 60 s. The server cancels a
   * slower statement (statement_timeout: the query fails, retrying would not help); a server that
   * does not answer at all is given up a second later by the client and retried as unreachable.
   */
  queryTimeoutMs?: number;
}

/** The defaults of the sink's timing options, written once. */
export const POSTGRES_SINK_DEFAULTS = { retryForMs: 10 * 60_000, retryInitialDelayMs: 1000, retryMaxDelayMs: 30_000, ...CONNECT_DEFAULTS };
type Timing = typeof POSTGRES_SINK_DEFAULTS;
/** The least each may be: waits of 0 ms would make an endless stream of attempts. */
const TIMING_MIN: Timing = { retryForMs: 0, retryInitialDelayMs: 1, retryMaxDelayMs: 1, connectTimeoutMs: 0, queryTimeoutMs: 0 };

/** The wait after failed attempt `n` (1-based): the initial delay doubled each time, capped. */
function backoff(n: number, initialMs: number, maxMs: number): number {
  return Math.min(maxMs, initialMs * 2 ** (n - 1));
}

/** How many attempts `budgetMs` allows: the first, and one after each wait that still fits. */
function attemptsWithin(budgetMs: number, initialMs: number, maxMs: number): number {
  let n = 1;
  for (let waited = 0; waited + backoff(n, initialMs, maxMs) <= budgetMs; n++) waited += backoff(n, initialMs, maxMs);
  return n;
}

/** Sleeps `ms`; false when `signal` aborted first. */
function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** The client waits this much longer than statement_timeout, so a live server cancels a slow statement (and says so) before the client takes it for a dead one. */
const READ_TIMEOUT_GRACE_MS = 1000;

/**
 * Errors worth retrying: the server is unreachable, restarting, dropped the connection or stopped
 * answering — also when wrapped (connect() wraps its errors in a StreamlabError with the cause).
 */
function isTransient(e: unknown): boolean {
  const code = (e as { code?: string }).code ?? "";
  if (["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "ENOTFOUND", "EAI_AGAIN", "57P01", "57P02", "57P03", "08000", "08003", "08006", "08001", "08004"].includes(code)) return true;
  if (/Connection terminated|connection.*(closed|ended)|not queryable|Client has encountered a connection error|Query read timeout|timeout expired/i.test(messageOf(e))) return true;
  const cause = (e as { cause?: unknown }).cause;
  return cause !== undefined && cause !== e && isTransient(cause);
}

export class PostgresSink implements Sink {
  private ctx!: SinkContext;
  private client?: pg.Client;
  /** The target and ledger as quoted identifiers: names are used exactly as written (case-sensitive). */
  private readonly target: string;
  private readonly ledger: string;
  /** The target's schema as written, when qualified. */
  private readonly schema?: string;
  private readonly keys: string[];
  private columns?: Set<string>;
  /** PGlite's socket server does not speak the COPY FROM STDIN sub-protocol: it gets parameterised inserts instead. */
  private copySupported = true;
  private readonly connectionString?: string;
  /** The timing options with their defaults. */
  private readonly timing: Timing = { ...POSTGRES_SINK_DEFAULTS };

  constructor(readonly options: PostgresSinkOptions) {
    this.target = quoteName(options.table, "table name");
    this.schema = options.table.includes(".") ? options.table.split(".")[0] : undefined;
    this.ledger = quoteName(options.ledgerTable ?? (this.schema ? `${this.schema}.streamlab_batches` : "streamlab_batches"), "table name");
    this.keys = (options.keyColumns ?? []).map((k) => quoteName(k, "column name"));
    for (const name of Object.keys(TIMING_MIN) as (keyof Timing)[]) {
      const v = options[name];
      if (v === undefined) continue;
      if (typeof v !== "number" || !Number.isFinite(v) || v < TIMING_MIN[name]) {
        throw new StreamlabError("INVALID_OPTION", `The PostgreSQL sink's ${name} must be a number of milliseconds, at least ${TIMING_MIN[name]}; got ${JSON.stringify(v)}.`);
      }
      this.timing[name] = v;
    }
    this.connectionString = options.connectionString ?? process.env.DATABASE_URL ?? undefined;
  }

  get description(): string {
    return `PostgresSink[${describeConnection(this.connectionString)} ${this.options.table}]`;
  }

  get identity(): string {
    return `postgres:${this.options.table}`;
  }

  async open(ctx: SinkContext): Promise<void> {
    if (ctx.outputMode === "complete") {
      throw new StreamlabError("INVALID_OPTION", 'The PostgreSQL sink supports outputMode "append" and "update", not "complete".', { hint: "Use update: each batch upserts the groups it changed on keyColumns, and the table holds the whole result." });
    }
    if (ctx.outputMode === "update" && this.keys.length === 0) {
      throw new StreamlabError("INVALID_OPTION", 'outputMode "update" into PostgreSQL upserts on keyColumns: name them (e.g. the grouping keys and the window start).', { hint: 'keyColumns: ["window_start", "station_id"], with a UNIQUE constraint or primary key on them in the target table.' });
    }
    this.ctx = ctx;
  }

  private async client_(): Promise<pg.Client> {
    if (this.client) return this.client;
    const { connectTimeoutMs, queryTimeoutMs } = this.timing;
    const c = await connect(this.connectionString, { connectTimeoutMs, queryTimeoutMs: queryTimeoutMs > 0 ? queryTimeoutMs + READ_TIMEOUT_GRACE_MS : 0 });
    try {
      this.copySupported = !/PGlite/i.test((await c.query("SELECT version() AS v")).rows[0].v as string);
      await this.ensureTables(c);
    } catch (e) {
      await closeClient(c); // not kept yet: nobody else would close it, and its socket keeps the process alive
      throw e;
    }
    this.client = c;
    return c;
  }

  /** Drops the connection (after a failure, and on close): the next attempt connects afresh. */
  private async dropClient(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    if (c) await closeClient(c);
  }

  /**
   * Makes sure the target and the ledger exist, and reads the target's columns. Only the configured
   * target is ever created: the bundled setup SQL defines user_events, so it runs (in the target's
   * schema) for a target of that name only; any other missing target needs `setupSqlFile`.
   */
  private async ensureTables(c: pg.Client): Promise<void> {
    // to_regclass resolves a quoted name exactly as the statements below will (case, schema, search_path).
    const exists = async (t: string) => (await c.query("SELECT to_regclass($1) IS NOT NULL AS ok", [t])).rows[0].ok as boolean;
    const where = describeConnection(this.connectionString);
    if (!(await exists(this.target))) {
      const name = this.options.table.split(".").at(-1);
      const file = this.options.setupSqlFile ?? (name === "user_events" ? path.join(packageRoot(), "sql", "postgres_setup.sql") : undefined);
      if (!file) {
        throw new StreamlabError("POSTGRES_ERROR", `The table ${this.target} does not exist in ${where}.`, {
          hint: `Create it first (names are used exactly as written: quoted, case-sensitive), or pass setupSqlFile with its CREATE TABLE; the bundled sql/postgres_setup.sql only defines user_events.`,
        });
      }
      let sql: string;
      try {
        sql = fs.readFileSync(file, "utf8");
      } catch (e) {
        throw new StreamlabError("INVALID_OPTION", `Cannot read setupSqlFile ${file}: ${messageOf(e)}.`, { hint: "Pass the path of a readable .sql file that creates the target table." });
      }
      await c.query("BEGIN");
      try {
        // The bundled SQL names its tables without a schema: it creates them in the target's.
        if (this.schema && !this.options.setupSqlFile) await c.query(`SET LOCAL search_path TO ${quoteName(this.schema, "schema name")}`);
        await c.query(sql);
        await c.query("COMMIT");
      } catch (e) {
        await c.query("ROLLBACK").catch(() => {});
        throw new StreamlabError("POSTGRES_ERROR", `Creating ${this.target} with ${file} failed in ${where}: ${redact(messageOf(e))}.`, { hint: "Check that the schema exists and the user may create tables in it, or create the table yourself.", cause: e });
      }
      if (!(await exists(this.target))) {
        throw new StreamlabError("POSTGRES_ERROR", `The table ${this.target} does not exist in ${where}, and ${file} did not create it.`, { hint: "Make setupSqlFile create the configured table (names are used exactly as written: quoted, case-sensitive)." });
      }
    }
    // Checked first: CREATE TABLE IF NOT EXISTS needs the CREATE privilege even when the table exists.
    if (!(await exists(this.ledger))) {
      await c.query(`CREATE TABLE IF NOT EXISTS ${this.ledger} (query_id TEXT NOT NULL, batch_id BIGINT NOT NULL, target_table TEXT NOT NULL, rows_inserted BIGINT NOT NULL, rows_skipped BIGINT NOT NULL, committed_at TIMESTAMPTZ NOT NULL DEFAULT now(), PRIMARY KEY (query_id, batch_id))`);
    }
    const cols = await c.query("SELECT attname FROM pg_attribute WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped", [this.target]);
    this.columns = new Set(cols.rows.map((r) => r.attname as string));
  }

  async addBatch(batchId: number, table: string): Promise<SinkResult> {
    const started = Date.now();
    const o = this.timing;
    const maxAttempts = attemptsWithin(o.retryForMs, o.retryInitialDelayMs, o.retryMaxDelayMs);
    // The batch as CSV, written by DuckDB: rows never pass through JavaScript.
    const csv = path.join(os.tmpdir(), `streamlab-pg-${process.pid}-${batchId}-${Date.now()}.csv`);
    const batchCols = (await this.ctx.duck.describe(`SELECT * FROM ${table}`)).map((c) => c.name);
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          const c = await this.client_();
          const missing = batchCols.filter((col) => !this.columns!.has(col));
          if (missing.length) {
            throw new StreamlabError("POSTGRES_ERROR", `The batch has column${missing.length > 1 ? "s" : ""} ${missing.join(", ")} that ${this.options.table} lacks.`, { hint: "Select only the table's columns before the sink, or add them to the table." });
          }
          const cols = batchCols.map((col) => quoteName(col, "column name"));
          // A retry after a lost COMMIT is safe: the ledger row tells whether it landed.
          const result = await this.writeBatch(c, batchId, table, csv, cols);
          if (attempt > 1) this.ctx.reportStatus?.("Processing new data");
          return result;
        } catch (e) {
          if (!isTransient(e)) throw this.failure(e, batchId);
          await this.dropClient();
          const where = describeConnection(this.connectionString);
          const last = this.failure(e, batchId);
          // A timeout stays a timeout; anything else transient means the server could not be reached.
          const code = last.code === "POSTGRES_TIMEOUT" ? "POSTGRES_TIMEOUT" : "POSTGRES_UNAVAILABLE";
          if (attempt >= maxAttempts) {
            throw new StreamlabError(code, `Gave up on PostgreSQL at ${where} after ${attempt} attempt${attempt > 1 ? "s" : ""} over ${seconds(Date.now() - started)} (retryForMs ${seconds(o.retryForMs)}), writing batch ${batchId} to ${this.options.table}: ${this.reasonOf(e)}`, {
              hint: "Start the server or correct the connection settings, then restart the query: it resumes with this batch from its checkpoint. Raise retryForMs to wait longer.",
              cause: e,
              details: { attempts: attempt },
            });
          }
          const wait = backoff(attempt, o.retryInitialDelayMs, o.retryMaxDelayMs);
          this.ctx.reportStatus?.(`Waiting for PostgreSQL at ${where} (attempt ${attempt}/${maxAttempts}, next in ${seconds(wait)}): ${this.reasonOf(e)}`);
          if (!(await sleep(wait, this.options.signal))) {
            throw new StreamlabError(code, `Stopped while waiting for PostgreSQL at ${where} (attempt ${attempt}/${maxAttempts}) to write batch ${batchId} to ${this.options.table}: ${this.reasonOf(e)}`, {
              hint: "The batch was not written; it runs again when the query restarts from its checkpoint.",
              cause: e,
              details: { attempts: attempt, stopped: true },
            });
          }
        }
      }
    } finally {
      fs.rmSync(csv, { force: true });
    }
  }

  /** Why an attempt failed, in a few words for the status line and the final error: not our wrapping of it. */
  private reasonOf(e: unknown): string {
    if (/Query read timeout/i.test(messageOf(e))) return `no answer to a statement within ${seconds(this.timing.queryTimeoutMs)} (queryTimeoutMs)`;
    if (isStreamlabError(e, "POSTGRES_TIMEOUT")) return `no answer to the connection within ${seconds(this.timing.connectTimeoutMs)} (connectTimeoutMs)`;
    if (isStreamlabError(e, "POSTGRES_ERROR") && e.cause !== undefined) return this.reasonOf(e.cause);
    if (isStreamlabError(e) && e.hint && e.message.endsWith(e.hint)) return e.message.slice(0, -e.hint.length).trimEnd();
    return redact(messageOf(e));
  }

  /** What went wrong, as the error the query fails with: a timeout says which setting bounds it. */
  private failure(e: unknown, batchId: number): StreamlabError {
    if (isStreamlabError(e)) return e;
    const where = describeConnection(this.connectionString);
    const limit = seconds(this.timing.queryTimeoutMs);
    if (/Query read timeout/i.test(messageOf(e))) {
      return new StreamlabError("POSTGRES_TIMEOUT", `PostgreSQL at ${where} did not answer a statement within ${limit} (queryTimeoutMs) while writing batch ${batchId} to ${this.options.table}.`, {
        hint: "Check that the server is up and reachable (a stopped VM or a dropped network leaves connections open and silent); the batch runs again when the query restarts.",
        cause: e,
      });
    }
    if ((e as { code?: string }).code === "57014" && /statement timeout/i.test(messageOf(e))) {
      return new StreamlabError("POSTGRES_TIMEOUT", `Writing batch ${batchId} to ${this.options.table} in ${where}: a statement ran longer than ${limit} (queryTimeoutMs) and the server cancelled it.`, {
        hint: "Raise queryTimeoutMs, or make batches smaller (e.g. maxFilesPerTrigger on the source); a lock held by another session also makes statements wait.",
        cause: e,
      });
    }
    return new StreamlabError("POSTGRES_ERROR", `Writing batch ${batchId} to ${this.options.table} failed: ${redact(messageOf(e))}`, { cause: e });
  }

  /** Loads the batch into the staging table: COPY from a CSV DuckDB wrote, or JSON parameters in chunks. */
  private async stage(c: pg.Client, table: string, csv: string, cols: string[]): Promise<void> {
    if (this.copySupported) {
      if (!fs.existsSync(csv)) await this.ctx.duck.run(`COPY (SELECT * FROM ${table}) TO ${sqlString(csv)} (FORMAT csv, HEADER false)`);
      await pipeline(fs.createReadStream(csv), c.query(copyFrom(`COPY streamlab_staging (${cols.join(", ")}) FROM STDIN (FORMAT csv)`)));
      return;
    }
    const total = Number(await this.ctx.duck.value(`SELECT count(*) FROM ${table}`));
    const chunk = 5000;
    for (let offset = 0; offset < total; offset += chunk) {
      const file = `${csv}.${offset}.json`;
      try {
        await this.ctx.duck.run(`COPY (SELECT * FROM ${table} ORDER BY ALL LIMIT ${chunk} OFFSET ${offset}) TO ${sqlString(file)} (FORMAT json, ARRAY true)`);
        await c.query(`INSERT INTO streamlab_staging (${cols.join(", ")}) SELECT ${cols.join(", ")} FROM json_populate_recordset(NULL::streamlab_staging, $1::json)`, [fs.readFileSync(file, "utf8")]);
      } finally {
        fs.rmSync(file, { force: true });
      }
    }
  }

  /**
   * Append mode's common case, at the speed of a plain COPY: when none of the batch's keys is in
   * the table yet, its rows (each key's first row; the batch's own repeats are skipped as ON
   * CONFLICT DO NOTHING would) are copied straight into the table — no staging table, no
   * per-row conflict check. The keys are looked up first (copied into a temporary table and joined
   * with the table's unique index); when one is there, or another writer inserts one meanwhile
   * (a unique violation, undone by the savepoint), undefined: the staged ON CONFLICT path runs.
   */
  private async copyDirect(c: pg.Client, table: string, csv: string, cols: string[]): Promise<{ inserted: number; skipped: number } | undefined> {
    if (!this.copySupported || this.ctx.outputMode !== "append" || this.keys.length === 0) return undefined;
    const duck = this.ctx.duck;
    const keyList = this.keys.join(", ");
    const firstOfKey = `${csv}.first`;
    const keysCsv = `${csv}.keys`;
    try {
      // rowid: the batch's own order, so the first row of a repeated key wins, as with DO NOTHING
      // (a batch given as a query has none: the staged path keeps its order).
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(table)) return undefined;
      // COPY answers with the number of rows it wrote: the batch's distinct keys, in the same pass.
      const distinct = Number(await duck.value<bigint>(`COPY (SELECT DISTINCT ${keyList} FROM ${table}) TO ${sqlString(keysCsv)} (FORMAT csv, HEADER false)`));
      const total = Number(await duck.value<bigint>(`SELECT count(*) FROM ${table}`));
      const rows = total === distinct ? `SELECT * FROM ${table}` : `SELECT * EXCLUDE (__sl_n) FROM (SELECT *, row_number() OVER (PARTITION BY ${keyList} ORDER BY rowid) AS __sl_n FROM ${table}) WHERE __sl_n = 1`;
      // The server looks the keys up while DuckDB writes the rows.
      const lookup = (async () => {
        await c.query(`CREATE TEMP TABLE streamlab_keys ON COMMIT DROP AS SELECT ${keyList} FROM ${this.target} WITH NO DATA`);
        await pipeline(fs.createReadStream(keysCsv), c.query(copyFrom(`COPY streamlab_keys (${keyList}) FROM STDIN (FORMAT csv)`)));
        // A count, not LIMIT 1: the common answer is "none", which only a whole-join plan finds fast
        // (LIMIT 1 makes the planner probe the index once per key, even when the table is empty).
        return Number((await c.query(`SELECT count(*) AS n FROM streamlab_keys k JOIN ${this.target} t USING (${keyList})`)).rows[0].n);
      })();
      const [present] = await Promise.all([lookup, duck.run(`COPY (${rows}) TO ${sqlString(firstOfKey)} (FORMAT csv, HEADER false)`)]);
      if (present > 0) return undefined;
      await c.query("SAVEPOINT streamlab_direct");
      try {
        const copy = c.query(copyFrom(`COPY ${this.target} (${cols.join(", ")}) FROM STDIN (FORMAT csv)`));
        await pipeline(fs.createReadStream(firstOfKey), copy);
        const inserted = Number(copy.rowCount ?? 0);
        await c.query("RELEASE SAVEPOINT streamlab_direct");
        return { inserted, skipped: total - inserted };
      } catch (e) {
        // Another writer inserted one of the keys since the lookup: the staged path skips it.
        if ((e as { code?: string }).code !== "23505") throw e;
        await c.query("ROLLBACK TO SAVEPOINT streamlab_direct");
        return undefined;
      }
    } finally {
      fs.rmSync(firstOfKey, { force: true });
      fs.rmSync(keysCsv, { force: true });
    }
  }

  /** The general path: the batch staged in a temporary table, then inserted ON CONFLICT (skip, or upsert in update mode). */
  private async insertStaged(c: pg.Client, table: string, csv: string, cols: string[]): Promise<{ inserted: number; skipped: number }> {
    await c.query(`CREATE TEMP TABLE streamlab_staging ON COMMIT DROP AS SELECT ${cols.join(", ")} FROM ${this.target} WITH NO DATA`);
    await this.stage(c, table, csv, cols);
    const staged = Number((await c.query("SELECT count(*) AS n FROM streamlab_staging")).rows[0].n);
    const update = this.ctx.outputMode === "update";
    const values = cols.filter((col) => !this.keys.includes(col));
    // append: DO NOTHING also skips duplicates inside the batch itself (the first row of a key wins).
    // update: the batch's row of a key replaces the table's (an upsert on keyColumns); one row per key.
    const conflict = !this.keys.length ? "" : update && values.length ? ` ON CONFLICT (${this.keys.join(", ")}) DO UPDATE SET ${values.map((v) => `${v} = EXCLUDED.${v}`).join(", ")}` : ` ON CONFLICT (${this.keys.join(", ")}) DO NOTHING`;
    const from = update ? `(SELECT DISTINCT ON (${this.keys.join(", ")}) * FROM streamlab_staging) s` : "streamlab_staging";
    const inserted = (await c.query(`INSERT INTO ${this.target} (${cols.join(", ")}) SELECT ${cols.join(", ")} FROM ${from}${conflict}`)).rowCount ?? 0;
    return { inserted, skipped: staged - inserted };
  }

  private async writeBatch(c: pg.Client, batchId: number, table: string, csv: string, cols: string[]): Promise<SinkResult> {
    const queryId = this.ctx.queryId;
    await c.query("BEGIN");
    try {
      // Per transaction (SET LOCAL), not a start-up parameter: poolers such as PgBouncer refuse unknown start-up parameters.
      if (this.timing.queryTimeoutMs > 0) await c.query(`SET LOCAL statement_timeout = ${Math.round(this.timing.queryTimeoutMs)}`);
      const done = await c.query(`SELECT rows_inserted, rows_skipped FROM ${this.ledger} WHERE query_id = $1 AND batch_id = $2`, [queryId, batchId]);
      if (done.rowCount) {
        await c.query("ROLLBACK");
        return { numOutputRows: 0, skipped: true, metrics: { rowsInserted: "0", rowsSkipped: "0", batchAlreadyCommitted: "true" } };
      }
      const { inserted, skipped } = (await this.copyDirect(c, table, csv, cols)) ?? (await this.insertStaged(c, table, csv, cols));
      await c.query(`INSERT INTO ${this.ledger} (query_id, batch_id, target_table, rows_inserted, rows_skipped) VALUES ($1, $2, $3, $4, $5)`, [queryId, batchId, this.options.table, inserted, skipped]);
      await c.query("COMMIT");
      return { numOutputRows: inserted, metrics: { rowsInserted: String(inserted), rowsSkipped: String(skipped) } };
    } catch (e) {
      await c.query("ROLLBACK").catch(() => {});
      throw e;
    }
  }

  async close(): Promise<void> {
    await this.dropClient();
  }
}
