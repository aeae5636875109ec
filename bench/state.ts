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

const FILES = 10;
const EVENTS_PER_FILE = 100_000;
/** Event time covered by one file: the stream's state holds ~12 one-minute windows (10 of delay + 2 of batch). */
const FILE_SPAN_MS = 2 * 60_000;
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

/** File i: 100k events with keys spread by a hash over `keys`, times shuffled within [i·2 min, (i+1)·2 min) — never late. */
async function writeFiles(duck: Duck, dir: string, keys: number): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  for (let i = 0; i < FILES; i++) {
    await duck.run(
      `COPY (SELECT 'k' || lpad((hash(range + ${i * EVENTS_PER_FILE}) % ${keys})::VARCHAR, 6, '0') AS key,
        make_timestamp((${START + i * FILE_SPAN_MS} + ((range * 7919) % ${EVENTS_PER_FILE}) * ${FILE_SPAN_MS / EVENTS_PER_FILE})::BIGINT * 1000) AS event_time,
        (range % 1000) / 10.0 AS value
        FROM range(${EVENTS_PER_FILE})) TO ${sqlString(path.join(dir, `events-${String(i).padStart(2, "0")}.parquet`))} (FORMAT parquet)`,
    );
    const t = new Date(START + i * 1000);
    fs.utimesSync(path.join(dir, `events-${String(i).padStart(2, "0")}.parquet`), t, t);
  }
}

/** The stream's final watermark: the last event time minus the delay. Windows ending at or before it were emitted. */
const FINAL_WATERMARK_MS = START + FILES * FILE_SPAN_MS - FILE_SPAN_MS / EVENTS_PER_FILE - DELAY_MS;

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

function runSide(side: "stream" | "groupby", dir: string): SideResult {
  const r = spawnSync(process.execPath, [__filename, side, dir], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`the ${side} side failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").at(-1)!) as SideResult;
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

export async function stateBench(): Promise<void> {
  const duck = await Duck.open();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "streamlab-bench-state-"));
  try {
    const total = FILES * EVENTS_PER_FILE;
    const rss: string[] = [];
    for (const keys of [100_000, 10_000]) {
      const dir = path.join(root, `keys-${keys}`);
      await writeFiles(duck, path.join(dir, "landing"), keys);
      const once = runSide("groupby", dir);
      const stream = runSide("stream", dir);
      const check = await sameResult(duck, dir);
      if (!check.equal || check.rows !== once.rows) throw new Error(`the stream's table (${check.rows} rows) differs from the GROUP BY's (${once.rows} rows)`);
      console.log(`\n${total} events, ${keys} keys, ${FILES} batches of 1 file; 1-minute windows, 10-minute watermark, append → Delta`);
      console.log(`  stream:   ${stream.ms.toFixed(0)} ms (${((total / stream.ms) * 1000).toFixed(0)} events/s), peak RSS ${mb(stream.maxRssBytes)}, ${stream.rows} rows emitted`);
      console.log(`  GROUP BY: ${once.ms.toFixed(0)} ms (${((total / once.ms) * 1000).toFixed(0)} events/s), peak RSS ${mb(once.maxRssBytes)}, ${once.rows} rows`);
      console.log(`  the stream's final table equals the GROUP BY's: ${check.equal}`);
      console.log(`  ratio: stream throughput / GROUP BY throughput = ${(once.ms / stream.ms).toFixed(2)} (target ≥ 0.5)`);
      console.log("  per batch (ms): batch input total addBatch commit | state: updates removals commit rows");
      for (const b of stream.batches ?? []) {
        console.log(`    ${String(b.batchId).padStart(2)} ${String(b.input).padStart(6)} ${String(b.totalMs).padStart(5)} ${String(b.addBatchMs).padStart(5)} ${String(b.commitMs).padStart(5)} | ${String(b.updatesMs).padStart(5)} ${String(b.removalsMs).padStart(5)} ${String(b.stateCommitMs).padStart(5)} ${String(b.stateRows).padStart(7)}`);
      }
      rss.push(`${keys} keys: stream ${mb(stream.maxRssBytes)} (state up to ${Math.max(...(stream.batches ?? []).map((b) => b.stateRows))} rows), GROUP BY ${mb(once.maxRssBytes)}`);
    }
    console.log(`\npeak RSS by keys — ${rss.join("; ")}`);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
    duck.close();
  }
}

if (require.main === module) {
  const [side, dir] = process.argv.slice(2);
  (side === "stream" ? streamSide(dir!) : groupBySide(dir!))
    .then((r) => console.log(JSON.stringify(r)))
    .catch((e) => {
      console.error(e);
      process.exit(1);
    });
}
