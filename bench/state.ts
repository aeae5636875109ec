/**
 * state: a stateful streaming aggregation against DuckDB computing the same table in one GROUP BY,
 * in the same run. 1M events over 100k keys in 10 Parquet files (2 minutes of event time each)
 * are streamed one file per batch (availableNow) through withWatermark(10 minutes) → 1-minute
 * tumbling counts per key (append) → Delta; the one-shot side counts the same files in one GROUP
 * BY, keeping the windows the stream's final watermark has closed. Each side runs in its own child
 * process, so the peak RSS printed is that side's alone; the same with 10k keys shows whether
 * memory follows the state's size (rows in DuckDB, spilled past its limit) as a JavaScript map's would.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { Duck, sqlString } from "../lib/duck";
import { readStream } from "../lib/api/read-stream";
import { window } from "../lib/stream/window";
import type { StreamingQueryProgress } from "../lib/stream/progress";
import { atLeast, figure, type BenchResult, type Metric } from "./util";

const FILES = 10;
const EVENTS_PER_FILE = 100_000;
/** Each file moves event time on by 2 minutes; its events spread over 5 minutes from 3 minutes back, so consecutive batches share windows. */
const FILE_SPAN_MS = 2 * 60_000;
const SPREAD_MS = 5 * 60_000;
const BACK_MS = 3 * 60_000;
const DELAY_MS = 10 * 60_000;
const START = Date.UTC(2026, 0, 1);
const SCHEMA = "key STRING, event_time TIMESTAMP, value DOUBLE";

/** What a side reports from its child process. */
interface SideResult {
  ms: number;
  /** Peak resident set of the child, bytes. */
  maxRssBytes: number;
  rows: number;
  batches?: { batchId: number; input: number; totalMs: number; addBatchMs: number; commitMs: number; updatesMs: number; removalsMs: number; stateCommitMs: number; stateRows: number }[];
}

/**
 * File i: 100k events with keys spread by a hash over `keys`, times shuffled within
 * [i·2 min − 3 min, i·2 min + 2 min) — windows shared with the batches before, never late (the
 * watermark trails the newest event by 10 minutes).
 */
async function writeFiles(duck: Duck, dir: string, keys: number): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  for (let i = 0; i < FILES; i++) {
    await duck.run(
      `COPY (SELECT 'k' || lpad((hash(range + ${i * EVENTS_PER_FILE}) % ${keys})::VARCHAR, 6, '0') AS key,
        make_timestamp(greatest(${START}, ${START + i * FILE_SPAN_MS - BACK_MS} + ((range * 7919) % ${EVENTS_PER_FILE}) * ${SPREAD_MS / EVENTS_PER_FILE})::BIGINT * 1000) AS event_time,
        (range % 1000) / 10.0 AS value
        FROM range(${EVENTS_PER_FILE})) TO ${sqlString(path.join(dir, `events-${String(i).padStart(2, "0")}.parquet`))} (FORMAT parquet)`,
    );
    const t = new Date(START + i * 1000);
    fs.utimesSync(path.join(dir, `events-${String(i).padStart(2, "0")}.parquet`), t, t);
  }
}

/** The stream's final watermark: the last event time minus the delay. Windows ending at or before it were emitted. */
const FINAL_WATERMARK_MS = START + (FILES - 1) * FILE_SPAN_MS - BACK_MS + (EVENTS_PER_FILE - 1) * (SPREAD_MS / EVENTS_PER_FILE) - DELAY_MS;

/** Child: the streaming query, one file per batch, into a Delta table. */
async function streamSide(dir: string): Promise<SideResult> {
  const duck = await Duck.open();
  const started = performance.now();
  const progress: StreamingQueryProgress[] = [];
  const q = await readStream
    .files(path.join(dir, "landing"), { format: "parquet", schema: SCHEMA, maxFilesPerTrigger: 1 })
    .withWatermark("event_time", "10 minutes")
    .groupBy(window("event_time", "1 minute"), "key")
    .count()
    .writeStream({ format: "delta", path: path.join(dir, "stream-table") }, { checkpointLocation: path.join(dir, "ck"), queryName: "bench_state", trigger: "availableNow", outputMode: "append", duck, listeners: [{ onQueryProgress: (e) => progress.push(e.progress) }] });
  await q.awaitTermination();
  const ms = performance.now() - started;
  const rows = progress.reduce((s, p) => s + p.sink.numOutputRows, 0);
  duck.close();
  return {
    ms,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    rows,
    batches: progress.map((p) => {
      const op = p.stateOperators[0]!;
      return {
        batchId: p.batchId,
        input: p.numInputRows,
        totalMs: p.durationMs.triggerExecution ?? 0,
        addBatchMs: p.durationMs.addBatch ?? 0,
        commitMs: p.durationMs.commitOffsets ?? 0,
        updatesMs: op.allUpdatesTimeMs,
        removalsMs: op.allRemovalsTimeMs,
        stateCommitMs: op.commitTimeMs,
        stateRows: op.numRowsTotal,
      };
    }),
  };
}

/**
 * Child: the same files through the same engine without state — read one file per batch, keep no
 * row (where false), commit — the cost a stateful query pays before its operator does anything.
 */
async function floorSide(dir: string): Promise<SideResult> {
  const duck = await Duck.open();
  const started = performance.now();
  const q = await readStream
    .files(path.join(dir, "landing"), { format: "parquet", schema: SCHEMA, maxFilesPerTrigger: 1 })
    .where("false")
    .writeStream({ format: "delta", path: path.join(dir, "floor-table") }, { checkpointLocation: path.join(dir, "ck-floor"), queryName: "bench_floor", trigger: "availableNow", duck });
  await q.awaitTermination();
  const ms = performance.now() - started;
  duck.close();
  return { ms, maxRssBytes: process.resourceUsage().maxRSS * 1024, rows: 0 };
}

/** Child: the same table in one GROUP BY over all the files, written as Parquet. */
async function groupBySide(dir: string): Promise<SideResult> {
  const duck = await Duck.open();
  const started = performance.now();
  const out = path.join(dir, "groupby.parquet");
  await duck.run(
    `COPY (SELECT {'start': w, 'end': w + INTERVAL 1 minute} AS "window", key, count(*) AS count
      FROM (SELECT time_bucket(INTERVAL 1 minute, event_time) AS w, key FROM read_parquet(${sqlString(path.join(dir, "landing", "*.parquet"))}))
      WHERE epoch_ms(w + INTERVAL 1 minute) <= ${FINAL_WATERMARK_MS} GROUP BY w, key) TO ${sqlString(out)} (FORMAT parquet)`,
  );
  const ms = performance.now() - started;
  const rows = Number(await duck.value(`SELECT count(*) FROM read_parquet(${sqlString(out)})`));
  duck.close();
  return { ms, maxRssBytes: process.resourceUsage().maxRSS * 1024, rows };
}

/**
 * Child: a JavaScript Map holding `n` groups as an in-process state would — "<window start>|<key>"
 * → count — for the memory the same state takes on the JavaScript heap.
 */
async function jsMapSide(n: number, keys: number): Promise<SideResult> {
  const started = performance.now();
  const state = new Map<string, number>();
  for (let i = 0; i < n; i++) state.set(`${START + Math.floor(i / keys) * 60_000}|k${String(i % keys).padStart(6, "0")}`, i);
  return { ms: performance.now() - started, maxRssBytes: process.resourceUsage().maxRSS * 1024, rows: state.size };
}

type Side = "stream" | "groupby" | "floor" | "jsmap";

function runSide(side: Side, ...args: string[]): SideResult {
  const r = spawnSync(process.execPath, [__filename, side, ...args], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`the ${side} side failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").at(-1)!) as SideResult;
}

/** Runs a side `RUNS` times from scratch and keeps the run of median time (the machine may be shared). */
const RUNS = 3;
function medianRun(side: Side, dir: string): SideResult {
  const runs: SideResult[] = [];
  for (let i = 0; i < RUNS; i++) {
    fs.rmSync(path.join(dir, side === "floor" ? "ck-floor" : "ck"), { recursive: true, force: true });
    fs.rmSync(path.join(dir, side === "floor" ? "floor-table" : "stream-table"), { recursive: true, force: true });
    runs.push(runSide(side, dir));
  }
  return runs.sort((a, b) => a.ms - b.ms)[Math.floor(RUNS / 2)]!;
}

/** The stream's Delta table and the GROUP BY's Parquet hold the same (window, key, count) rows. */
async function sameResult(duck: Duck, dir: string): Promise<{ equal: boolean; rows: number }> {
  const files = (await duck.all<{ f: string }>(`SELECT file AS f FROM glob(${sqlString(path.join(dir, "stream-table", "*.parquet"))})`)).map((r) => r.f);
  const stream = `SELECT "window", key, count FROM read_parquet([${files.map(sqlString).join(", ")}])`;
  const once = `SELECT "window", key, count FROM read_parquet(${sqlString(path.join(dir, "groupby.parquet"))})`;
  const diff = Number(await duck.value(`SELECT count(*) FROM ((${stream} EXCEPT ALL ${once}) UNION ALL (${once} EXCEPT ALL ${stream}))`));
  return { equal: diff === 0, rows: Number(await duck.value(`SELECT count(*) FROM (${stream})`)) };
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

export async function stateBench(): Promise<BenchResult> {
  const duck = await Duck.open();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "streamlab-bench-state-"));
  try {
    const total = FILES * EVENTS_PER_FILE;
    const metrics: Metric[] = [];
    const memory: { keys: number; stream: number; once: number; jsMap: number; stateRows: number }[] = [];
    for (const keys of [100_000, 10_000]) {
      const dir = path.join(root, `keys-${keys}`);
      await writeFiles(duck, path.join(dir, "landing"), keys);
      const once = medianRun("groupby", dir);
      const stream = medianRun("stream", dir);
      const floor = medianRun("floor", dir);
      const check = await sameResult(duck, dir);
      if (!check.equal || check.rows !== once.rows) throw new Error(`the stream's table (${check.rows} rows) differs from the GROUP BY's (${once.rows} rows)`);
      const stateRows = Math.max(...(stream.batches ?? []).map((b) => b.stateRows));
      const jsMap = runSide("jsmap", String(stateRows), String(keys));
      console.log(`\n${total} events, ${keys} keys, ${FILES} batches of 1 file; 1-minute windows, 10-minute watermark, append → Delta (median of ${RUNS} runs)`);
      console.log(`  stream:   ${stream.ms.toFixed(0)} ms (${((total / stream.ms) * 1000).toFixed(0)} events/s), peak RSS ${mb(stream.maxRssBytes)}, ${stream.rows} rows emitted, state up to ${stateRows} rows`);
      console.log(`  GROUP BY: ${once.ms.toFixed(0)} ms (${((total / once.ms) * 1000).toFixed(0)} events/s), peak RSS ${mb(once.maxRssBytes)}, ${once.rows} rows`);
      console.log(`  the stream's final table equals the GROUP BY's: ${check.equal}`);
      console.log(`  ratio: stream throughput / GROUP BY throughput = ${(once.ms / stream.ms).toFixed(2)} (target ≥ 0.5)`);
      console.log(`  the same batches without state (file source, engine, empty Delta commits): ${floor.ms.toFixed(0)} ms — the ratio can be at most ${(once.ms / floor.ms).toFixed(2)}; the state costs ${(stream.ms - floor.ms).toFixed(0)} ms`);
      console.log(`  a JavaScript Map of the same ${stateRows} groups: peak RSS ${mb(jsMap.maxRssBytes)}`);
      console.log("  per batch (ms): batch input total addBatch commit | state: updates removals commit rows");
      for (const b of stream.batches ?? []) {
        console.log(`    ${String(b.batchId).padStart(2)} ${String(b.input).padStart(6)} ${String(b.totalMs).padStart(5)} ${String(b.addBatchMs).padStart(5)} ${String(b.commitMs).padStart(5)} | ${String(b.updatesMs).padStart(5)} ${String(b.removalsMs).padStart(5)} ${String(b.stateCommitMs).padStart(5)} ${String(b.stateRows).padStart(7)}`);
      }
      metrics.push(atLeast(`stream / GROUP BY throughput, ${keys} keys`, once.ms / stream.ms, "×", 0.5), figure(`stream peak RSS, ${keys} keys`, stream.maxRssBytes / 1024 / 1024, "MB"), figure(`GROUP BY peak RSS, ${keys} keys`, once.maxRssBytes / 1024 / 1024, "MB"));
      memory.push({ keys, stream: stream.maxRssBytes, once: once.maxRssBytes, jsMap: jsMap.maxRssBytes, stateRows });
    }
    const [big, small] = memory as [(typeof memory)[0], (typeof memory)[0]];
    const perRow = (a: number, b: number) => `${((a - b) / (big.stateRows - small.stateRows)).toFixed(0)} bytes per extra state row`;
    console.log(`\npeak RSS, ${small.keys} → ${big.keys} keys (state ${small.stateRows} → ${big.stateRows} rows):`);
    console.log(`  stream ${mb(small.stream)} → ${mb(big.stream)} (${perRow(big.stream, small.stream)}); GROUP BY ${mb(small.once)} → ${mb(big.once)}; JavaScript Map ${mb(small.jsMap)} → ${mb(big.jsMap)} (${perRow(big.jsMap, small.jsMap)})`);
    return { name: "state", metrics };
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
    duck.close();
  }
}

if (require.main === module) {
  const [side, ...args] = process.argv.slice(2);
  const run = side === "stream" ? streamSide(args[0]!) : side === "floor" ? floorSide(args[0]!) : side === "jsmap" ? jsMapSide(Number(args[0]), Number(args[1])) : groupBySide(args[0]!);
  run
    .then((r) => console.log(JSON.stringify(r)))
    .catch((e) => {
      console.error(e);
      process.exit(1);
    });
}
