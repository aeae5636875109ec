/**
 * latency: a file renamed into a watched folder, until
 *  - its rows are committed in a Delta table (a files → Delta query, notifications on), and
 *  - its rows are in PostgreSQL user_events through the main job's path (`npm start`): landing →
 *    bronze Delta (query events_bronze: CSV, the feed's schema, quarantine, notifications on) →
 *    user_events (query user_events: a Delta source, writeUserEvents — the job's own function),
 *    on the job's default database (embedded PGlite, as when DATABASE_URL is unset), and on the
 *    PostgreSQL server at 127.0.0.1:5432 when one answers.
 * Files are renamed one at a time into an empty folder while the queries run; a file counts as
 * arrived when the progress event of the batch that committed its rows fires (for PostgreSQL: the
 * sink's batch, one transaction, committed before its progress event).
 */
import { EVENTS_SCHEMA } from "../lib/sim/schemas";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Duck, sqlString } from "../lib/duck";
import { DeltaTable } from "../lib/delta/table";
import { readStream } from "../lib/api/read-stream";
import { describeCheckpoint } from "../lib/api/inspect";
import { writeUserEvents } from "../lib/pipeline/ecommerce";
import { closeClient, connect, startEmbeddedPostgres, type EmbeddedPostgres } from "../lib/sinks/postgres";
import { below, eventsSql, figure, quantile, type BenchChart, type BenchResult, type Metric } from "./util";

const ROWS_PER_FILE = 200;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function stage(duck: Duck, dir: string, n: number, seed: number): Promise<string[]> {
  fs.mkdirSync(dir, { recursive: true });
  const names: string[] = [];
  for (let i = 0; i < n; i++) {
    const name = `f-${String(i).padStart(4, "0")}.csv`;
    await duck.run(`COPY (${eventsSql(ROWS_PER_FILE, seed + i)}) TO ${sqlString(path.join(dir, name))} (FORMAT csv, HEADER true)`);
    names.push(name);
  }
  return names;
}

const stats = (xs: number[]) => ({ p50: quantile(xs, 0.5), p99: quantile(xs, 0.99), n: xs.length });

/** Rename → rows committed in Delta, one file at a time, notifications on. */
async function deltaLatency(duck: Duck, dir: string): Promise<number[]> {
  const live = path.join(dir, "live");
  const staging = path.join(dir, "staging-delta");
  fs.mkdirSync(live, { recursive: true });
  const names = await stage(duck, staging, 200, 100);
  const renamedAt = new Map<string, number>();
  const latencies: number[] = [];
  const ck = path.join(dir, "ck-live");
  const q = await readStream.files(live, { format: "csv", schema: EVENTS_SCHEMA, useNotifications: true }).writeStream({ format: "delta", path: path.join(dir, "live-table") }, { checkpointLocation: ck, queryName: "bench_latency", pollIntervalMs: 1000 });
  q.addListener({
    onQueryProgress: ({ progress }) => {
      const committed = performance.now();
      const batch = describeCheckpoint(ck).find((b) => b.batchId === progress.batchId);
      for (const f of batch?.sources[0]?.files ?? []) {
        const t = renamedAt.get(path.basename(f.path));
        if (t !== undefined) latencies.push(committed - t);
      }
    },
  });
  await sleep(500); // the watcher is ready
  for (const name of names) {
    renamedAt.set(name, performance.now());
    fs.renameSync(path.join(staging, name), path.join(live, name));
    await sleep(100);
  }
  await q.processAllAvailable();
  await q.stop();
  return latencies;
}

interface JobLatency {
  bronze: number[];
  postgres: number[];
  /** user_events batches with rows: their triggerExecution (ms). */
  sinkBatchMs: number[];
}

/** Rename → rows in user_events through the main job's two queries. */
async function mainJobLatency(duck: Duck, dir: string, connectionString: string): Promise<JobLatency> {
  const raw = path.join(dir, "raw");
  const staging = path.join(dir, "staging-job");
  const bronzePath = path.join(dir, "events_bronze");
  fs.mkdirSync(raw, { recursive: true });
  const names = await stage(duck, staging, 40, 1000);
  // As runMainJob: bronze exists before the query that reads it starts.
  await DeltaTable.create(bronzePath, EVENTS_SCHEMA, { ifNotExists: true });
  const renamedAt: number[] = [];
  const bronze: number[] = [];
  const postgres: number[] = [];
  const sinkBatchMs: number[] = [];
  // Files arrive one at a time and in order: the n-th file's rows are in once n files' rows are.
  const counter = (out: number[]) => {
    let rows = 0;
    return (n: number) => {
      const now = performance.now();
      rows += n;
      while (out.length < renamedAt.length && rows >= (out.length + 1) * ROWS_PER_FILE) out.push(now - renamedAt[out.length]!);
    };
  };
  const bronzeRows = counter(bronze);
  const postgresRows = counter(postgres);
  const b = await readStream
    .files(raw, { format: "csv", schema: EVENTS_SCHEMA, badRecordsPath: path.join(dir, "quarantine"), useNotifications: true })
    .writeStream({ format: "delta", path: bronzePath }, { queryName: "events_bronze", checkpointLocation: path.join(dir, "ck-bronze"), duck, listeners: [{ onQueryProgress: ({ progress }) => bronzeRows(progress.sink.numOutputRows) }] });
  const p = await writeUserEvents(readStream.delta(bronzePath), connectionString, { queryName: "user_events", checkpointLocation: path.join(dir, "ck-postgres"), listeners: [
      {
        onQueryProgress: ({ progress }) => {
          postgresRows(progress.sink.numOutputRows);
          if (progress.numInputRows > 0) sinkBatchMs.push(progress.durationMs.triggerExecution);
        },
      },
    ],
  });
  try {
    await sleep(1000); // both queries started, the watcher ready, the sink connected
    for (const name of names) {
      renamedAt.push(performance.now());
      fs.renameSync(path.join(staging, name), path.join(raw, name));
      await sleep(250);
    }
    await b.processAllAvailable();
    await p.processAllAvailable();
  } finally {
    await b.stop();
    await p.stop();
  }
  const c = await connect(connectionString);
  try {
    const n = Number((await c.query("SELECT count(*) AS n FROM user_events")).rows[0].n);
    if (n !== names.length * ROWS_PER_FILE) throw new Error(`user_events holds ${n} rows, expected ${names.length * ROWS_PER_FILE}`);
  } finally {
    await closeClient(c);
  }
  return { bronze, postgres, sinkBatchMs };
}

export async function latencyBench(): Promise<BenchResult> {
  const duck = await Duck.open();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "streamlab-bench-latency-"));
  const metrics: Metric[] = [];
  const points: { target: string; ms: number }[] = [];
  let embedded: EmbeddedPostgres | undefined;
  try {
    const d = await deltaLatency(duck, path.join(dir, "delta"));
    const ds = stats(d);
    console.log(`rename → rows committed in Delta, ${ds.n} files of ${ROWS_PER_FILE} rows, notifications on: p50 ${ds.p50.toFixed(0)} ms, p99 ${ds.p99.toFixed(0)} ms (targets p50 < 20 ms, p99 < 50 ms)`);
    metrics.push(below("rename → committed in Delta, p50", ds.p50, "ms", 20), below("rename → committed in Delta, p99", ds.p99, "ms", 50));
    points.push(...d.map((ms) => ({ target: "Delta commit", ms })));

    // The main job's default database: embedded PGlite (DATABASE_URL unset); then the server, if one answers.
    const targets: { label: string; url: string; schema?: string }[] = [];
    embedded = await startEmbeddedPostgres({ dataDir: path.join(dir, "pglite"), port: 0 });
    targets.push({ label: "embedded PGlite (the job's default)", url: embedded.connectionString });
    const server = process.env.STREAMLAB_BENCH_PG ?? "postgres://postgres@127.0.0.1:5432/test";
    try {
      await closeClient(await connect(server, { connectTimeoutMs: 2000 }));
      targets.push({ label: "PostgreSQL at 127.0.0.1:5432", url: server, schema: `bench_latency_${process.pid}` });
    } catch {
      console.log("(no PostgreSQL server answers at 127.0.0.1:5432: embedded PGlite only)");
    }
    for (const [i, t] of targets.entries()) {
      let url = t.url;
      if (t.schema) {
        const admin = await connect(t.url);
        await admin.query(`DROP SCHEMA IF EXISTS ${t.schema} CASCADE; CREATE SCHEMA ${t.schema}`);
        await closeClient(admin);
        url = `${t.url}?options=${encodeURIComponent(`-c search_path=${t.schema}`)}`;
      }
      try {
        const j = await mainJobLatency(duck, path.join(dir, `job-${i}`), url);
        const bs = stats(j.bronze);
        const ps = stats(j.postgres);
        console.log(`main job's path, ${t.label}, ${ps.n} files of ${ROWS_PER_FILE} rows:`);
        console.log(`  rename → in bronze Delta: p50 ${bs.p50.toFixed(0)} ms, p99 ${bs.p99.toFixed(0)} ms`);
        console.log(`  rename → in PostgreSQL user_events: p50 ${ps.p50.toFixed(0)} ms, p99 ${ps.p99.toFixed(0)} ms (target p50 < 100 ms)`);
        console.log(`  of which: a user_events batch takes ${quantile(j.sinkBatchMs, 0.5).toFixed(0)} ms (median of ${j.sinkBatchMs.length}); bronze's commit wakes the user_events query at once (same process), so the rest is the batches queueing behind each other`);
        const short = t.schema ? "PostgreSQL server" : "PGlite";
        metrics.push(figure(`main job, rename → bronze Delta, p50 (${short})`, bs.p50, "ms"), below(`main job, rename → user_events, p50 (${short})`, ps.p50, "ms", 100), figure(`main job, rename → user_events, p99 (${short})`, ps.p99, "ms"), figure(`main job, a user_events batch, median (${short})`, quantile(j.sinkBatchMs, 0.5), "ms"));
        points.push(...j.postgres.map((ms) => ({ target: `user_events, ${short}`, ms })));
      } finally {
        if (t.schema) {
          const admin = await connect(t.url);
          await admin.query(`DROP SCHEMA IF EXISTS ${t.schema} CASCADE`);
          await closeClient(admin);
        }
      }
    }
  } finally {
    await embedded?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
    duck.close();
  }
  const chart: BenchChart = {
    file: "perf-latency.svg",
    title: "Rename → committed latency per file",
    spec: {
      title: "Latency per file: rename → in Delta / in PostgreSQL (main job's path)",
      layer: [
        {
          data: { values: points },
          mark: { type: "tick", thickness: 2 },
          encoding: {
            y: { field: "target", type: "nominal", title: null },
            x: { field: "ms", type: "quantitative", title: "ms from rename (dashed: the targets, Delta p50 20 and p99 50 ms, PostgreSQL p50 100 ms)" },
            color: { field: "target", type: "nominal", legend: null },
          },
        },
        { data: { values: [{ ms: 20 }, { ms: 50 }, { ms: 100 }] }, mark: { type: "rule", strokeDash: [4, 3] }, encoding: { x: { field: "ms", type: "quantitative" } } },
      ],
      height: { step: 40 },
    },
  };
  return { name: "latency", metrics, charts: [chart] };
}
