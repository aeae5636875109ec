/**
 * delta-write, on the same generated events in one run:
 *  - throughput of appending 1M rows to a Delta table against DuckDB's own COPY … TO parquet of the same rows;
 *  - median latency of a 1-row append commit;
 *  - a MERGE of 100k rows (half updates, half inserts) into the 1M-row table.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Duck, sqlString } from "../lib/duck";
import { DeltaTable } from "../lib/delta/table";
import { atLeast, below, figure, median, quantile, time, type BenchResult } from "./util";

const ROWS = 1_000_000;

export async function deltaWrite(): Promise<BenchResult> {
  const duck = await Duck.open();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "streamlab-bench-write-"));
  try {
    await duck.run(`CREATE TABLE events AS SELECT
        md5(range::VARCHAR)::UUID::VARCHAR AS event_id,
        'u_' || lpad((range % 500)::VARCHAR, 5, '0') AS user_id,
        ['view', 'view', 'view', 'add_to_cart', 'purchase'][range % 5 + 1] AS event_type,
        'p_' || lpad((range % 50)::VARCHAR, 4, '0') AS product_id,
        ((range % 40000) / 100)::DECIMAL(10,2) AS price,
        TIMESTAMPTZ '2026-01-01 00:00:00+00' + to_milliseconds(range * 10) AS event_timestamp
      FROM range(${ROWS})`);

    const copies: number[] = [];
    const appends: number[] = [];
    for (let i = 0; i < 3; i++) {
      const file = path.join(dir, `copy-${i}.parquet`);
      copies.push((await time(() => duck.run(`COPY events TO ${sqlString(file)} (FORMAT parquet, COMPRESSION snappy)`))).ms);
      const table = DeltaTable.forPath(path.join(dir, `delta-${i}`), duck);
      appends.push((await time(() => table.write("SELECT * FROM events"))).ms);
    }
    const c = median(copies);
    const a = median(appends);
    console.log(`append ${ROWS} rows: Delta ${a.toFixed(0)} ms (${((ROWS / a) * 1000).toFixed(0)} rows/s); DuckDB COPY TO parquet ${c.toFixed(0)} ms (${((ROWS / c) * 1000).toFixed(0)} rows/s)`);
    console.log(`ratio: Delta append throughput / DuckDB COPY throughput = ${(c / a).toFixed(2)} (target ≥ 0.6)`);

    const small = DeltaTable.forPath(path.join(dir, "small"), duck);
    await small.write("SELECT * FROM events LIMIT 1");
    const lat: number[] = [];
    for (let i = 0; i < 60; i++) lat.push((await time(() => small.write(`SELECT * FROM events LIMIT 1 OFFSET ${i + 1}`))).ms);
    console.log(`1-row append commit: median ${median(lat).toFixed(1)} ms, p95 ${quantile(lat, 0.95).toFixed(1)} ms over ${lat.length} commits (target median < 30 ms; includes a checkpoint every 10 commits)`);

    const target = DeltaTable.forPath(path.join(dir, "delta-0"), duck);
    const source = `SELECT * REPLACE (CASE WHEN range < 50000 THEN e.event_id ELSE md5(('new' || range)::VARCHAR)::UUID::VARCHAR END AS event_id, e.price + 1 AS price)
      FROM (SELECT *, row_number() OVER () - 1 AS range FROM events LIMIT 100000) e`;
    const m = await time(() =>
      target.merge({ source: `SELECT * EXCLUDE (range) FROM (${source})`, on: "t.event_id = s.event_id", clauses: [{ when: "matched", then: "update", set: "*" }, { when: "notMatched", then: "insert", values: "*" }] }),
    );
    console.log(`MERGE of 100k rows into ${ROWS}: ${m.ms.toFixed(0)} ms (${m.value.numTargetRowsUpdated} updated, ${m.value.numTargetRowsInserted} inserted, ${m.value.numTargetFilesRemoved} files rewritten)`);
    return {
      name: "delta-write",
      metrics: [
        atLeast(`Delta append / DuckDB COPY throughput (${ROWS} rows)`, c / a, "×", 0.6),
        below("1-row append commit, median", median(lat), "ms", 30),
        figure("1-row append commit, p95", quantile(lat, 0.95), "ms"),
        figure("MERGE of 100k rows into 1M", m.ms, "ms"),
      ],
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    duck.close();
  }
}
