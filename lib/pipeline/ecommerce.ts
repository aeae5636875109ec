/**
 * The end-to-end main job (`npm start`): the e-commerce simulator writes CSV files into
 * data/raw/events; query `events_bronze` streams them (Auto Loader style, malformed lines
 * quarantined) into the Delta table data/delta/events_bronze, kept as the feed came; query
 * `user_events` streams bronze (a Delta source) into PostgreSQL, deduplicated on event_id —
 * exactly once end to end, continuing from the checkpoints on every run. One job per folder; if
 * either query fails, the job stops the other and fails with its error.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { DeltaTable } from "../delta/table";
import { dataPath } from "../util/paths";
import { EVENTS_SCHEMA, FileSimulator } from "../sim/index";
import { closeClient, connect, describeConnection, startEmbeddedPostgres, type EmbeddedPostgres } from "../sinks/postgres";
import { readStream, type StreamFrame, type WriteStreamOptions } from "../api/read-stream";
import { describeCheckpoint } from "../api/inspect";
import type { StreamingQuery } from "../stream/micro-batch";
import { ProgressTotals } from "../stream/progress-totals";
import { acquireLock } from "../util/process-lock";
import { quantile } from "../util/stats";


export interface MainJobOptions {
  /** How long the simulator runs (ms); undefined with `forever`. Default 60 s. */
  durationMs?: number;
  forever?: boolean;
  /** Files per second written by the simulator. Default 2. */
  filesPerSecond?: number;
  rowsPerFile?: number;
  /** Where output lines go. Default console.log. */
  print?: (line: string) => void;
  /** Resolves to stop early (Ctrl-C). */
  stopSignal?: Promise<void>;
  /** The bronze query's cloudFiles.maxFilesPerTrigger. Default: the file source's (1000). */
  maxFilesPerTrigger?: number;
}

/**
 * What one run did (counted over every batch of the run by a ProgressTotals listener, never from the
 * bounded recentProgress) and what the tables hold at its end (counted in the tables themselves).
 * On a fresh folder the two agree; after earlier runs the tables hold more.
 */
export interface MainJobSummary {
  eventsGenerated: number;
  malformedGenerated: number;
  /** Batches this run: events_bronze, user_events. */
  bronzeBatches: number;
  postgresBatches: number;
  /** Rows this run's batches wrote into bronze. */
  ingested: number;
  /** Malformed lines this run's batches quarantined. */
  quarantined: number;
  duplicatesSkipped: number;
  insertedIntoPostgres: number;
  /** Rows in events_bronze at the end (its latest snapshot). */
  bronzeRows: number;
  /** Lines in the quarantine folder at the end. */
  quarantineLines: number;
  deltaVersions: number;
  /** Rows in user_events at the end. */
  postgresRows: number;
  /** File landed → rows committed in bronze, over every file of this run. */
  latencyP50Ms: number;
  latencyP95Ms: number;
  latencyFiles: number;
  connection: string;
}

/** The columns of PostgreSQL user_events that a stream of events fills (sql/postgres_setup.sql). */
export const USER_EVENTS_COLUMNS = ["event_id", "user_id", "event_type", "product_id", "price", "event_timestamp"] as const;

/**
 * The main job's PostgreSQL side, shared with `streamlab ingest --sink postgres`: events with an id,
 * their user_events columns, into user_events deduplicated on event_id — one transaction and a
 * ledger row per batch, so exactly once across restarts.
 */
export function writeUserEvents(frame: StreamFrame, connectionString: string, options: WriteStreamOptions & { signal?: AbortSignal }): Promise<StreamingQuery> {
  const { signal, ...streamOptions } = options;
  return frame
    .where("event_id IS NOT NULL")
    .select(...USER_EVENTS_COLUMNS)
    .writeStream({ format: "postgres", options: { table: "user_events", keyColumns: ["event_id"], connectionString, signal } }, streamOptions);
}

export const paths = () => ({
  raw: dataPath("raw", "events"),
  bronze: dataPath("delta", "events_bronze"),
  quarantine: dataPath("error", "events_bronze"),
  bronzeCheckpoint: dataPath("checkpoints", "events_bronze"),
  postgresCheckpoint: dataPath("checkpoints", "user_events"),
});

/** Milliseconds from each file's arrival (modification time) to the end of the batch that read it, for the batches of this run. */
function fileLatencies(committedAt: ReadonlyMap<number, number>, checkpoint: string): number[] {
  const out: number[] = [];
  // The checkpoint keeps every batch's files (offsets and source logs are never purged), so this covers the whole run.
  for (const b of describeCheckpoint(checkpoint)) {
    const committed = committedAt.get(b.batchId);
    if (committed === undefined) continue; // a batch of an earlier run
    for (const f of b.sources[0]?.files ?? []) out.push(Math.max(0, committed - f.modificationTime));
  }
  return out;
}

/** The bad records in a badRecordsPath folder: one JSON line each, in batch-NNNNNN.json files. */
export function quarantinedLines(dir: string): number {
  if (!fs.existsSync(dir)) return 0;
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".json") && !f.startsWith("."))
    .reduce((n, f) => n + fs.readFileSync(path.join(dir, f), "utf8").split("\n").filter((l) => l.trim() !== "").length, 0);
}

export async function runMainJob(o: MainJobOptions = {}): Promise<MainJobSummary> {
  const print = o.print ?? ((l: string) => console.log(l));
  const p = paths();
  // One main job per folder, whatever the database: two would write the same checkpoints and
  // simulator files (and, embedded, the same PGlite folder). Taken first, so a second job is
  // refused before it touches anything; a killed job's lock is taken over.
  const lock = acquireLock(path.dirname(p.bronzeCheckpoint), {
    purpose: "streamlab run (the main job)",
    what: "The main job's checkpoint folder",
    name: ".main-job.lock", // beside the queries' own checkpoint folders (and their locks), not in one
    code: "PATH_IN_USE",
    hint: "Another `npm start` (streamlab run) is working in this folder: wait for it, or stop it with Ctrl-C in its terminal. To run a second job at the same time, give it its own folder with STREAMLAB_ROOT.",
  });
  let embedded: EmbeddedPostgres | undefined;
  const queries: StreamingQuery[] = [];
  let sim: FileSimulator | undefined;
  let watch: NodeJS.Timeout | undefined;
  // Aborted on Ctrl-C: ends the PostgreSQL sink's wait for an unreachable server at once (that batch
  // runs again next time); a write in flight finishes.
  const abort = new AbortController();
  try {
    let connectionString = process.env.DATABASE_URL || undefined;
    if (!connectionString) {
      embedded = await startEmbeddedPostgres();
      connectionString = embedded.connectionString;
      print(`PostgreSQL: embedded PGlite (data in ${embedded.dataDir}); connect with: psql ${connectionString}`);
    } else print(`PostgreSQL: ${describeConnection(connectionString)}`);

    // Bronze exists before the query that reads it starts (an empty table with the feed's schema).
    await DeltaTable.create(p.bronze, EVENTS_SCHEMA, { ifNotExists: true });
    sim = new FileSimulator({
      dir: p.raw,
      filesPerSecond: o.filesPerSecond ?? 2,
      rowsPerFile: o.rowsPerFile ?? 50,
      duration: o.forever ? undefined : o.durationMs ?? 60_000,
      seed: Date.now() % 2_147_483_647, // a new seed each run: new event ids
      malformedRatio: 0.01,
      duplicateRatio: 0.03,
      lateRatio: 0.05,
      lateLag: "20s",
    });
    // The summary's figures: every batch of this run, however many (recentProgress keeps 100);
    // registered before each query starts, so not even a first batch is missed.
    const bronzeTotals = new ProgressTotals();
    const postgresTotals = new ProgressTotals();
    const bronze = await readStream
      .files(p.raw, { format: "csv", schema: EVENTS_SCHEMA, badRecordsPath: p.quarantine, useNotifications: true, ...(o.maxFilesPerTrigger ? { maxFilesPerTrigger: o.maxFilesPerTrigger } : {}) })
      .writeStream({ format: "delta", path: p.bronze }, { queryName: "events_bronze", checkpointLocation: p.bronzeCheckpoint, listeners: [bronzeTotals] });
    queries.push(bronze); // at once: if the next query cannot start, this one is still stopped below
    const toPostgres = await writeUserEvents(readStream.delta(p.bronze), connectionString, { queryName: "user_events", checkpointLocation: p.postgresCheckpoint, listeners: [postgresTotals], signal: abort.signal });
    queries.push(toPostgres);
    const started = Date.now();
    const tty = Boolean(process.stdout.isTTY) && !o.print;
    const say = (line: string) => (tty ? process.stdout.write(`\r\x1b[2K${line}\n`) : print(line));
    for (const q of queries) {
      q.addListener({
        onQueryProgress: ({ progress: pr }) => {
          const m = pr.sink.metrics;
          const extra = q === bronze ? `, ${pr.sources[0]!.metrics.numMalformedRecords ?? 0} quarantined` : `, ${m.rowsSkipped ?? 0} duplicates skipped`;
          const line = `[${pr.name}] batch ${pr.batchId}: ${pr.numInputRows} rows, ${pr.processedRowsPerSecond.toFixed(0)} rows/s, latency ${pr.durationMs.triggerExecution} ms${extra}`;
          if (tty) process.stdout.write(`\r\x1b[2K${line}\n[${((Date.now() - started) / 1000).toFixed(0)}s] files ${sim!.stats.files} · rows generated ${sim!.stats.rows}`);
          else print(line);
        },
      });
    }
    // While the sink retries, its status says so: print each change, and when it is answered again.
    const lastStatus = new Map<StreamingQuery, string>();
    watch = setInterval(() => {
      for (const q of queries) {
        const now = q.status.message;
        const before = lastStatus.get(q) ?? "";
        lastStatus.set(q, now);
        if (now === before) continue;
        if (now.startsWith("Waiting for PostgreSQL")) say(`[${q.name}] ${now}`);
        else if (before.startsWith("Waiting for PostgreSQL") && q.isActive) say(`[${q.name}] PostgreSQL answers again`);
      }
    }, 200);
    const never = new Promise<never>(() => {});
    const stopped = (o.stopSignal ?? never).then(() => {
      abort.abort();
      return "stopped" as const;
    });
    // A query that fails ends the job: the other must not go on (bronze ingesting) with nobody told.
    const failed = new Promise<"failed">((resolve) => {
      for (const q of queries) q.awaitTermination().catch(() => resolve("failed"));
    });
    sim.start();
    let ended = await Promise.race([sim.done.then(() => "done" as const), stopped, failed]);
    await sim.stop();
    if (ended === "done") {
      // Let the pipeline catch up with what the simulator wrote, then stop after committed batches.
      const caughtUp = (async () => {
        await bronze.processAllAvailable();
        await toPostgres.processAllAvailable();
        return "done" as const;
      })().catch(() => "failed" as const);
      ended = await Promise.race([caughtUp, stopped, failed]);
    }
    // Each query stops after its current batch: the one still running stops cleanly.
    await Promise.all(queries.map((q) => q.stop()));
    clearInterval(watch);
    if (tty) process.stdout.write("\n");
    const broken = queries.find((q) => q.exception);
    if (broken) {
      const others = queries.filter((q) => q !== broken && !q.exception).map((q) => q.name);
      if (ended !== "stopped") say(`[${broken.name}] failed${others.length ? `: stopped ${others.join(", ")} after its current batch` : ""}.`);
      throw broken.exception;
    }

    const c = await connect(connectionString);
    let postgresRows = 0;
    try {
      postgresRows = Number((await c.query("SELECT count(*) AS n FROM user_events")).rows[0].n);
    } finally {
      await closeClient(c);
    }
    const lat = fileLatencies(bronzeTotals.committedAt, p.bronzeCheckpoint);
    const bronzeTable = DeltaTable.forPath(p.bronze);
    return {
      eventsGenerated: sim.stats.rows,
      malformedGenerated: sim.stats.malformed,
      bronzeBatches: bronzeTotals.batches,
      postgresBatches: postgresTotals.batches,
      ingested: bronzeTotals.outputRows,
      quarantined: bronzeTotals.source("numMalformedRecords"),
      duplicatesSkipped: postgresTotals.sink("rowsSkipped"),
      insertedIntoPostgres: postgresTotals.sink("rowsInserted"),
      bronzeRows: await bronzeTable.count(),
      quarantineLines: quarantinedLines(p.quarantine),
      deltaVersions: (await bronzeTable.snapshot()).version + 1,
      postgresRows,
      latencyP50Ms: quantile(lat, 0.5),
      latencyP95Ms: quantile(lat, 0.95),
      latencyFiles: lat.length,
      connection: describeConnection(connectionString),
    };
  } finally {
    clearInterval(watch);
    await sim?.stop();
    await Promise.all(queries.map((q) => q.stop().catch(() => {})));
    try {
      await embedded?.stop();
    } finally {
      lock.release();
    }
  }
}
