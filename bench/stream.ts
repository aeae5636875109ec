/**
 * stream: CSV-to-Delta throughput of a query with the default trigger, against DuckDB reading the
 * same files into the same column types and writing Parquet directly, in the same run; then backlogs of 2M and 5M rows, each
 * side in a process of its own so that its peak RSS is its own. (Rename → commit latency: bench/latency.ts.)
 */
import { EVENTS_SCHEMA } from "../lib/sim/schemas";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { Duck, sqlString } from "../lib/duck";
import { DeltaTable } from "../lib/delta/table";
import { readStream } from "../lib/api/read-stream";
import { atLeast, atMost, EVENTS_CSV_COLUMNS, eventsSql, figure, median, time, type BenchResult } from "./util";

const FILES = 20;
const ROWS_PER_FILE = 50_000;
/** Runs of each side, alternating; the medians are compared (the machine may be shared). */
const RUNS = 5;
const SCHEMA = EVENTS_SCHEMA;

export async function streamBench(): Promise<BenchResult> {
  const duck = await Duck.open();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "streamlab-bench-stream-"));
  try {
    const landing = path.join(dir, "landing");
    fs.mkdirSync(landing);
    for (let i = 0; i < FILES; i++) await duck.run(`COPY (${eventsSql(ROWS_PER_FILE, i, 10_000_000)}) TO ${sqlString(path.join(landing, `events-${String(i).padStart(4, "0")}.csv`))} (FORMAT csv, HEADER true)`);
    const total = FILES * ROWS_PER_FILE;

    const direct: number[] = [];
    const streamed: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      direct.push((await time(() => duck.run(`COPY (SELECT * FROM read_csv(${sqlString(path.join(landing, "*.csv"))}, header = true, columns = ${EVENTS_CSV_COLUMNS}, auto_detect = false)) TO ${sqlString(path.join(dir, `direct-${run}.parquet`))} (FORMAT parquet, COMPRESSION snappy)`))).ms);
      const table = path.join(dir, `delta-${run}`);
      streamed.push(
        (
          await time(async () => {
            const q = await readStream.files(landing, { format: "csv", schema: SCHEMA }).writeStream({ format: "delta", path: table }, { checkpointLocation: path.join(dir, `ck-${run}`), queryName: `bench-${run}`, duck });
            await q.processAllAvailable();
            await q.stop();
          })
        ).ms,
      );
      const n = await (await DeltaTable.forPath(table, duck).scan()).count();
      if (n !== total) throw new Error(`the streamed table has ${n} rows, expected ${total}`);
    }
    const d = median(direct);
    const s = median(streamed);
    console.log(`CSV → Delta streaming query (default trigger): ${s.toFixed(0)} ms for ${total} rows (${((total / s) * 1000).toFixed(0)} rows/s)`);
    console.log(`DuckDB read_csv → Parquet directly: ${d.toFixed(0)} ms (${((total / d) * 1000).toFixed(0)} rows/s)`);
    console.log(`ratio: streaming throughput / direct throughput = ${(d / s).toFixed(2)} (target ≥ 0.6; issue 15: ≥ 0.9)`);

    const metrics = [
      atLeast("streaming throughput / DuckDB read_csv → Parquet throughput", d / s, "×", 0.6),
      atLeast("the same, against issue 15's target 1", d / s, "×", 0.9),
      figure("streaming query, rows/s", (total / s) * 1000, "rows/s"),
      figure("DuckDB directly, rows/s", (total / d) * 1000, "rows/s"),
    ];

    // Backlogs: all files there at start, one availableNow run; each side a fresh process.
    for (const files of [40, 100]) {
      const big = path.join(dir, `landing-${files}`);
      fs.mkdirSync(big);
      for (let i = 0; i < files; i++) await duck.run(`COPY (${eventsSql(ROWS_PER_FILE, 1000 + i, 10_000_000)}) TO ${sqlString(path.join(big, `events-${String(i).padStart(4, "0")}.csv`))} (FORMAT csv, HEADER true)`);
      const rows = files * ROWS_PER_FILE;
      const once = runSide("direct", big, path.join(dir, `direct-${files}.parquet`));
      const ours = runSide("stream", big, path.join(dir, `delta-${files}`));
      if (ours.rows !== rows) throw new Error(`the streamed table has ${ours.rows} rows, expected ${rows}`);
      const mb = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MB`;
      console.log(`${rows} rows in ${files} files, one availableNow run: stream ${ours.ms.toFixed(0)} ms, peak RSS ${mb(ours.rss)}; DuckDB ${once.ms.toFixed(0)} ms, peak RSS ${mb(once.rss)}; throughput ratio ${(once.ms / ours.ms).toFixed(2)} (target ≥ 0.9), RSS ratio ${(ours.rss / once.rss).toFixed(2)} (target ≤ 1.5)`);
      fs.rmSync(big, { recursive: true, force: true });
      metrics.push(
        atLeast(`${rows / 1e6}M rows: streaming throughput / DuckDB's`, once.ms / ours.ms, "×", 0.9),
        atMost(`${rows / 1e6}M rows: streaming peak RSS / DuckDB's`, ours.rss / once.rss, "×", 1.5),
      );
    }
    return { name: "stream", metrics };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    duck.close();
  }
}

/** One side of a backlog run in a child process: its time (from the start of the work) and peak RSS. */
function runSide(side: "direct" | "stream", landing: string, out: string): { ms: number; rss: number; rows: number } {
  const r = spawnSync(process.execPath, [__filename, side, landing, out], { encoding: "utf8", maxBuffer: 16 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`the ${side} side failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").at(-1)!) as { ms: number; rss: number; rows: number };
}

async function childSide(side: string, landing: string, out: string): Promise<{ ms: number; rss: number; rows: number }> {
  const duck = await Duck.open();
  const started = performance.now();
  if (side === "direct") {
    await duck.run(`COPY (SELECT * FROM read_csv(${sqlString(path.join(landing, "*.csv"))}, header = true, columns = ${EVENTS_CSV_COLUMNS}, auto_detect = false)) TO ${sqlString(out)} (FORMAT parquet, COMPRESSION snappy)`);
  } else {
    const q = await readStream.files(landing, { format: "csv", schema: SCHEMA }).writeStream({ format: "delta", path: out }, { checkpointLocation: `${out}-ck`, queryName: "bench-backlog", trigger: "availableNow", duck });
    await q.awaitTermination();
  }
  const ms = performance.now() - started;
  const rows = side === "direct" ? Number(await duck.value(`SELECT count(*) FROM read_parquet(${sqlString(out)})`)) : await (await DeltaTable.forPath(out, duck).scan()).count();
  duck.close();
  return { ms, rss: process.resourceUsage().maxRSS * 1024, rows };
}

if (require.main === module) {
  const [side, landing, out] = process.argv.slice(2);
  childSide(side!, landing!, out!)
    .then((r) => console.log(JSON.stringify(r)))
    .catch((e) => {
      console.error(e);
      process.exit(1);
    });
}
