/**
 * stream, on the same files in one run:
 *  - CSV-to-Delta throughput of a query with the default trigger, against DuckDB reading the same
 *    files and writing Parquet directly;
 *  - latency from a file's rename into the landing folder to its rows being readable in the Delta
 *    table (commit done), with notifications on.
 */
import { EVENTS_SCHEMA } from "../lib/sim/schemas";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Duck, sqlString } from "../lib/duck";
import { DeltaTable } from "../lib/delta/table";
import { readStream } from "../lib/api/read-stream";
import { describeCheckpoint } from "../lib/api/inspect";
import { median, quantile, time } from "./util";

const FILES = 20;
const ROWS_PER_FILE = 50_000;
const SCHEMA = EVENTS_SCHEMA;
const COLUMNS = "{'event_id': 'VARCHAR', 'user_id': 'VARCHAR', 'event_type': 'VARCHAR', 'product_id': 'VARCHAR', 'price': 'DECIMAL(10,2)', 'event_timestamp': 'TIMESTAMP'}";

function eventsSql(n: number, seed: number): string {
  return `SELECT md5((range + ${seed * 10_000_000})::VARCHAR)::UUID::VARCHAR AS event_id, 'u_' || lpad((range % 500)::VARCHAR, 5, '0') AS user_id,
    ['view','view','view','add_to_cart','purchase'][range % 5 + 1] AS event_type, 'p_' || lpad((range % 50)::VARCHAR, 4, '0') AS product_id,
    ((range % 40000) / 100)::DECIMAL(10,2) AS price, TIMESTAMP '2026-01-01 00:00:00' + to_milliseconds(range * 10) AS event_timestamp FROM range(${n})`;
}

export async function streamBench(): Promise<void> {
  const duck = await Duck.open();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "streamlab-bench-stream-"));
  try {
    const landing = path.join(dir, "landing");
    fs.mkdirSync(landing);
    for (let i = 0; i < FILES; i++) await duck.run(`COPY (${eventsSql(ROWS_PER_FILE, i)}) TO ${sqlString(path.join(landing, `events-${String(i).padStart(4, "0")}.csv`))} (FORMAT csv, HEADER true)`);
    const total = FILES * ROWS_PER_FILE;

    const direct: number[] = [];
    const streamed: number[] = [];
    for (let run = 0; run < 3; run++) {
      direct.push((await time(() => duck.run(`COPY (SELECT * FROM read_csv(${sqlString(path.join(landing, "*.csv"))}, header = true, columns = ${COLUMNS}, auto_detect = false)) TO ${sqlString(path.join(dir, `direct-${run}.parquet`))} (FORMAT parquet, COMPRESSION snappy)`))).ms);
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
    console.log(`ratio: streaming throughput / direct throughput = ${(d / s).toFixed(2)} (target ≥ 0.6)`);

    // Latency: files renamed into an empty landing folder one by one while the query listens.
    const live = path.join(dir, "live");
    const staging = path.join(dir, "staging");
    fs.mkdirSync(live);
    fs.mkdirSync(staging);
    const N = 60;
    for (let i = 0; i < N; i++) await duck.run(`COPY (${eventsSql(200, 100 + i)}) TO ${sqlString(path.join(staging, `f-${String(i).padStart(4, "0")}.csv`))} (FORMAT csv, HEADER true)`);
    const renamedAt = new Map<string, number>();
    const latencies: number[] = [];
    const ck = path.join(dir, "ck-live");
    const q = await readStream.files(live, { format: "csv", schema: SCHEMA, useNotifications: true }).writeStream({ format: "delta", path: path.join(dir, "live-table") }, { checkpointLocation: ck, queryName: "bench-latency", pollIntervalMs: 1000 });
    q.addListener({
      onQueryProgress: ({ progress }) => {
        const committed = Date.now();
        const batch = describeCheckpoint(ck).find((b) => b.batchId === progress.batchId);
        for (const f of batch?.sources[0]?.files ?? []) {
          const t = renamedAt.get(path.basename(f.path));
          if (t !== undefined) latencies.push(committed - t);
        }
      },
    });
    await new Promise((r) => setTimeout(r, 500)); // the watcher is ready
    for (let i = 0; i < N; i++) {
      const name = `f-${String(i).padStart(4, "0")}.csv`;
      renamedAt.set(name, Date.now());
      fs.renameSync(path.join(staging, name), path.join(live, name));
      await new Promise((r) => setTimeout(r, 100));
    }
    await q.processAllAvailable();
    await q.stop();
    console.log(`latency from rename to rows readable in Delta, ${latencies.length} files, notifications on: p50 ${quantile(latencies, 0.5).toFixed(0)} ms, p99 ${quantile(latencies, 0.99).toFixed(0)} ms (targets p50 < 250 ms, p99 < 1000 ms)`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    duck.close();
  }
}
