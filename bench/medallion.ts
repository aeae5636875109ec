/**
 * medallion: the pipeline (bronze → silver → gold, Delta tables, all three layers) over 10 daily
 * files of 100k events with the simulator's faults, against DuckDB doing the same transformations in
 * plain SQL over the same files (read every column as text, check the contract, quarantine,
 * deduplicate newest-wins, aggregate per day and type, write Parquet) in the same run; then an
 * eleventh day: the pipeline's incremental run against its first run, and against the plain SQL
 * recomputing everything over eleven files. Both sides must give the same gold rows. Each figure is
 * the median of three rounds, each with its own landing folder and tables.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Duck, sqlString } from "../lib/duck";
import { DeltaTable } from "../lib/delta/table";
import { writeDailyFiles } from "../lib/sim/daily";
import { run, type LayerResult } from "../lib/pipeline/medallion/index";
import { EXPECTATIONS, PRICE_SQL, TIMESTAMP_SQL, DATE_SQL } from "../lib/pipeline/medallion/expectations";
import { goldSql } from "../lib/pipeline/medallion/gold";
import { figure, time, type BenchResult } from "./util";

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

/** Rounds of each measurement; the median is reported (the machine may be shared). */
const ROUNDS = 3;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function medallionBench(): Promise<BenchResult> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "streamlab-bench-medallion-"));
  const duck = await Duck.open();
  try {
    const files = path.join(root, "files");
    const gen = await time(async () => writeDailyFiles({ dir: files, start: "2025-01-01", days: DAYS + 1, rows: ROWS, ...FAULTS }));
    const ten = gen.value.slice(0, DAYS);
    const day11 = gen.value[DAYS]!;
    const mb = ten.reduce((s, f) => s + fs.statSync(f.path).size, 0) / 1024 / 1024;
    console.log(`${DAYS} daily files × ${ROWS} lines (${mb.toFixed(0)} MB; duplicates ${FAULTS.duplicateRatio}, late ${FAULTS.lateRatio}, malformed ${FAULTS.malformedRatio}, bad values ${FAULTS.badValueRatio}), written in ${gen.ms.toFixed(0)} ms; median of ${ROUNDS} rounds`);

    const rounds: { first: number; sql: number; incr: number; sql11: number; layers: string[]; incrLayers: string[] }[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      // Each round: its own landing folder (the ten files, then the eleventh) and its own tables.
      const raw = path.join(root, `raw-${i}`);
      fs.mkdirSync(raw);
      for (const f of ten) fs.cpSync(f.path, path.join(raw, f.name), { preserveTimestamps: true });
      const base = path.join(root, `base-${i}`);
      const sql = await time(() => plainSql(duck, ten.map((f) => path.join(raw, f.name)), path.join(root, "sql")));
      const first = await time(() => run({ raw, base, duck }));
      if (!(await sameGold(duck, first.value.paths.gold, path.join(root, "sql")))) throw new Error("the pipeline's gold differs from the plain SQL's");
      fs.cpSync(day11.path, path.join(raw, day11.name), { preserveTimestamps: true });
      const incr = await time(() => run({ raw, base, duck }));
      const sql11 = await time(() => plainSql(duck, [...ten, day11].map((f) => path.join(raw, f.name)), path.join(root, "sql")));
      if (!(await sameGold(duck, incr.value.paths.gold, path.join(root, "sql")))) throw new Error("after the incremental run, the pipeline's gold differs from the plain SQL's");
      const describe = (l: LayerResult) => `${l.layer.padEnd(6)} ${String(l.endedAt.getTime() - l.startedAt.getTime()).padStart(6)} ms  read ${l.numInputRows}, written ${l.numOutputRows}, merged ${l.numUpsertedRows}, quarantined ${l.droppedRecords}, version ${l.targetVersion}`;
      rounds.push({ first: first.ms, sql: sql.ms, incr: incr.ms, sql11: sql11.ms, layers: first.value.layers.map(describe), incrLayers: incr.value.layers.map(describe) });
      if (i === ROUNDS - 1) {
        const again = await time(() => run({ raw, base, duck }));
        console.log(`a rerun with nothing new: ${again.ms.toFixed(0)} ms, ${again.value.layers.map((l) => `${l.layer} ${l.targetVersion ?? "no change"}`).join(", ")}`);
      }
    }
    const events = DAYS * ROWS;
    const m = { first: median(rounds.map((r) => r.first)), sql: median(rounds.map((r) => r.sql)), incr: median(rounds.map((r) => r.incr)), sql11: median(rounds.map((r) => r.sql11)) };
    const mid = rounds.find((r) => r.first === m.first)!;
    console.log(`\nfirst run, ${events} lines, all three layers (the median round's layers):`);
    for (const l of mid.layers) console.log(`  ${l}`);
    console.log(`  pipeline (Delta tables, txn, contract, MERGE, replaceWhere, run log): ${m.first.toFixed(0)} ms (${((events / m.first) * 1000).toFixed(0)} lines/s)`);
    console.log(`  DuckDB plain SQL (same transformations, Parquet out):               ${m.sql.toFixed(0)} ms (${((events / m.sql) * 1000).toFixed(0)} lines/s)`);
    console.log(`  ratio: pipeline throughput / plain SQL throughput = ${(m.sql / m.first).toFixed(2)}; same gold rows: true`);
    console.log(`\nincremental run: day ${DAYS + 1} added (${ROWS} lines):`);
    for (const l of mid.incrLayers) console.log(`  ${l}`);
    console.log(`  pipeline, incremental: ${m.incr.toFixed(0)} ms = ${((m.incr / m.first) * 100).toFixed(0)}% of the first run (${(m.first / m.incr).toFixed(1)}× faster; the new day is ${((1 / (DAYS + 1)) * 100).toFixed(0)}% of the data)`);
    console.log(`  DuckDB plain SQL recomputing all ${DAYS + 1} files: ${m.sql11.toFixed(0)} ms → the incremental run takes ${(m.incr / m.sql11).toFixed(2)} of its time; same gold rows: true`);
    return {
      name: "medallion",
      metrics: [
        figure("pipeline / plain SQL throughput, first run", m.sql / m.first, "×"),
        figure("incremental run / first run (time)", m.incr / m.first, "×"),
        figure("incremental run / plain SQL recomputing all (time)", m.incr / m.sql11, "×"),
        figure("pipeline, first run", m.first, "ms"),
      ],
    };
  } finally {
    duck.close();
    fs.rmSync(root, { recursive: true, force: true });
  }
}
