/**
 * medallion: the pipeline (bronze → silver → gold, Delta tables, all three layers) over 10 daily
 * files of 100k events with the simulator's faults, against DuckDB doing the same transformations in
 * plain SQL over the same files (read every column as text, check the contract, quarantine,
 * deduplicate newest-wins, aggregate per day and type, write Parquet) in the same run; then an
 * eleventh day: the pipeline's incremental run against its first run, and against the plain SQL
 * recomputing everything over eleven files. Both sides must give the same gold rows.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Duck, sqlString } from "../lib/duck";
import { DeltaTable } from "../lib/delta/table";
import { writeDailyFiles } from "../lib/sim/daily";
import { run } from "../lib/pipeline/medallion/index";
import { EXPECTATIONS, PRICE_SQL, TIMESTAMP_SQL, DATE_SQL } from "../lib/pipeline/medallion/expectations";
import { goldSql } from "../lib/pipeline/medallion/gold";
import { time } from "./util";

const DAYS = 10;
const ROWS = 100_000;
const FAULTS = { duplicateRatio: 0.02, lateRatio: 0.01, malformedRatio: 0.001, badValueRatio: 0.005 };

/** The same transformations in plain SQL, one pass over the files: what DuckDB alone does. */
async function plainSql(duck: Duck, files: string[], out: string): Promise<void> {
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(out, { recursive: true });
  const list = `[${files.map(sqlString).join(", ")}]`;
  const rules = EXPECTATIONS.map((e) => `CASE WHEN NOT (${e.constraint}) THEN ${sqlString(e.name)} END`).join(", ");
  await duck.run(`CREATE OR REPLACE TEMP TABLE bronze AS SELECT *, now() AS _ingested_at FROM read_csv(${list}, header = true, all_varchar = true, filename = '_source_file', ignore_errors = true,
    columns = {'event_id': 'VARCHAR', 'user_id': 'VARCHAR', 'event_type': 'VARCHAR', 'product_id': 'VARCHAR', 'price': 'VARCHAR', 'event_timestamp': 'VARCHAR'})`);
  await duck.run(`COPY bronze TO ${sqlString(path.join(out, "bronze.parquet"))} (FORMAT parquet)`);
  await duck.run(`CREATE OR REPLACE TEMP TABLE checked AS SELECT *, list_filter([${rules}], x -> x IS NOT NULL) AS failed_rules FROM bronze`);
  await duck.run(`COPY (SELECT * FROM checked WHERE len(failed_rules) > 0) TO ${sqlString(path.join(out, "quarantine.parquet"))} (FORMAT parquet)`);
  await duck.run(`CREATE OR REPLACE TEMP TABLE silver AS SELECT event_id, user_id, event_type, product_id, ${PRICE_SQL} AS price, ${TIMESTAMP_SQL} AS event_timestamp, ${DATE_SQL} AS event_date, _source_file
    FROM checked WHERE len(failed_rules) = 0 QUALIFY row_number() OVER (PARTITION BY event_id ORDER BY ${TIMESTAMP_SQL} DESC, _source_file DESC) = 1`);
  await duck.run(`COPY silver TO ${sqlString(path.join(out, "silver.parquet"))} (FORMAT parquet)`);
  await duck.run(`COPY (${goldSql("SELECT * FROM silver")}) TO ${sqlString(path.join(out, "gold"))} (FORMAT parquet, PARTITION_BY (event_date))`);
}

async function sameGold(duck: Duck, goldTable: string, sqlOut: string): Promise<boolean> {
  const scan = await DeltaTable.forPath(goldTable, duck).scan();
  try {
    const cols = "event_date, event_type, events, users, revenue";
    const a = `SELECT ${cols} FROM (${scan.sql})`;
    const b = `SELECT ${cols} FROM read_parquet(${sqlString(path.join(sqlOut, "gold", "**", "*.parquet"))}, hive_partitioning = true, hive_types = {'event_date': DATE})`;
    return Number(await duck.value(`SELECT count(*) FROM ((${a} EXCEPT ALL ${b}) UNION ALL (${b} EXCEPT ALL ${a}))`)) === 0;
  } finally {
    await scan.close();
  }
}

export async function medallionBench(): Promise<void> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "streamlab-bench-medallion-"));
  const duck = await Duck.open();
  try {
    const raw = path.join(root, "raw");
    const gen = await time(async () => writeDailyFiles({ dir: raw, start: "2025-01-01", days: DAYS, rows: ROWS, ...FAULTS }));
    const files = gen.value.map((f) => f.path);
    const mb = files.reduce((s, f) => s + fs.statSync(f).size, 0) / 1024 / 1024;
    console.log(`${DAYS} daily files × ${ROWS} lines (${mb.toFixed(0)} MB; duplicates ${FAULTS.duplicateRatio}, late ${FAULTS.lateRatio}, malformed ${FAULTS.malformedRatio}, bad values ${FAULTS.badValueRatio}), written in ${gen.ms.toFixed(0)} ms`);

    const sql = await time(() => plainSql(duck, files, path.join(root, "sql")));
    const first = await time(() => run({ raw, base: path.join(root, "base"), duck }));
    const same = await sameGold(duck, first.value.paths.gold, path.join(root, "sql"));
    const events = DAYS * ROWS;
    console.log(`\nfirst run, ${events} lines, all three layers:`);
    for (const l of first.value.layers) console.log(`  ${l.layer.padEnd(6)} ${String(l.endedAt.getTime() - l.startedAt.getTime()).padStart(6)} ms  read ${l.numInputRows}, written ${l.numOutputRows}, quarantined ${l.droppedRecords}`);
    console.log(`  pipeline (Delta tables, txn, contract, MERGE, replaceWhere, run log): ${first.ms.toFixed(0)} ms (${((events / first.ms) * 1000).toFixed(0)} lines/s)`);
    console.log(`  DuckDB plain SQL (same transformations, Parquet out):               ${sql.ms.toFixed(0)} ms (${((events / sql.ms) * 1000).toFixed(0)} lines/s)`);
    console.log(`  ratio: pipeline throughput / plain SQL throughput = ${(sql.ms / first.ms).toFixed(2)}; same gold rows: ${same}`);
    if (!same) throw new Error("the pipeline's gold differs from the plain SQL's");

    const [day11] = writeDailyFiles({ dir: raw, start: "2025-01-01", days: DAYS + 1, rows: ROWS, ...FAULTS, skipExisting: true }).filter((f) => f.written);
    const incr = await time(() => run({ raw, base: path.join(root, "base"), duck }));
    const sql11 = await time(() => plainSql(duck, [...files, day11!.path], path.join(root, "sql")));
    const same11 = await sameGold(duck, incr.value.paths.gold, path.join(root, "sql"));
    console.log(`\nincremental run: day ${DAYS + 1} added (${ROWS} lines):`);
    for (const l of incr.value.layers) console.log(`  ${l.layer.padEnd(6)} ${String(l.endedAt.getTime() - l.startedAt.getTime()).padStart(6)} ms  read ${l.numInputRows}, written ${l.numOutputRows}, merged ${l.numUpsertedRows}, version ${l.targetVersion}`);
    console.log(`  pipeline, incremental: ${incr.ms.toFixed(0)} ms = ${((incr.ms / first.ms) * 100).toFixed(0)}% of the first run (${(first.ms / incr.ms).toFixed(1)}× faster; the new day is ${((1 / (DAYS + 1)) * 100).toFixed(0)}% of the data)`);
    console.log(`  DuckDB plain SQL recomputing all ${DAYS + 1} files: ${sql11.ms.toFixed(0)} ms → incremental pipeline / full plain SQL = ${(incr.ms / sql11.ms).toFixed(2)} of its time; same gold rows: ${same11}`);
    if (!same11) throw new Error("after the incremental run, the pipeline's gold differs from the plain SQL's");
    const again = await time(() => run({ raw, base: path.join(root, "base"), duck }));
    console.log(`  a rerun with nothing new: ${again.ms.toFixed(0)} ms, versions: ${again.value.layers.map((l) => `${l.layer} ${l.targetVersion ?? "no change"}`).join(", ")}`);
  } finally {
    duck.close();
    fs.rmSync(root, { recursive: true, force: true });
  }
}
