/**
 * postgres: the PostgreSQL sink's rows/s (a batch of new keys copied straight into the table, ledger,
 * one transaction) against a plain COPY of the same rows into an empty table, in the same run, on the
 * real server when one answers on 127.0.0.1:5432 (else on embedded PGlite, where COPY FROM STDIN
 * is not available and the sink uses parameterised inserts).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pipeline } from "node:stream/promises";
import { from as copyFrom } from "pg-copy-streams";
import { Duck, sqlString } from "../lib/duck";
import { packageRoot } from "../lib/util/paths";
import { connect, startEmbeddedPostgres, type EmbeddedPostgres } from "../lib/sinks/postgres";
import { PostgresSink } from "../lib/sinks/postgres-sink";
import { atLeast, figure, median, time, type BenchResult } from "./util";

const ROWS = 1_000_000;

export async function postgresBench(): Promise<BenchResult> {
  const duck = await Duck.open();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "streamlab-bench-pg-"));
  let embedded: EmbeddedPostgres | undefined;
  let url = process.env.STREAMLAB_BENCH_PG ?? "postgres://postgres@127.0.0.1:5432/test";
  try {
    try {
      (await connect(url)).end();
    } catch {
      embedded = await startEmbeddedPostgres({ dataDir: path.join(dir, "pglite"), port: 0 });
      url = embedded.connectionString;
    }
    const schema = `bench_${process.pid}`;
    const admin = await connect(url);
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema}`);
    const scoped = embedded ? url : `${url}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
    await duck.run(`CREATE TABLE events AS SELECT md5(range::VARCHAR)::UUID::VARCHAR AS event_id, 'u_' || (range % 500) AS user_id,
      ['view','add_to_cart','purchase'][range % 3 + 1] AS event_type, 'p_' || (range % 50) AS product_id, ((range % 40000) / 100)::DECIMAL(10,2) AS price,
      TIMESTAMPTZ '2026-01-01 00:00:00+00' + to_milliseconds(range * 10) AS event_timestamp FROM range(${ROWS})`);
    const csv = path.join(dir, "events.csv");
    await duck.run(`COPY events TO ${sqlString(csv)} (FORMAT csv, HEADER false)`);
    const cols = "event_id, user_id, event_type, product_id, price, event_timestamp";

    const copies: number[] = [];
    const sinks: number[] = [];
    for (let run = 0; run < 3; run++) {
      const c = await connect(scoped);
      // The baseline: the same rows copied into an empty user_events (the same table, indexes and constraints).
      await c.query("DROP TABLE IF EXISTS user_events; DROP TABLE IF EXISTS streamlab_batches");
      await c.query(fs.readFileSync(path.join(packageRoot(), "sql", "postgres_setup.sql"), "utf8"));
      if (!embedded) copies.push((await time(() => pipeline(fs.createReadStream(csv), c.query(copyFrom(`COPY user_events (${cols}) FROM STDIN (FORMAT csv)`))))).ms);
      else {
        const json = path.join(dir, "events.json");
        await duck.run(`COPY events TO ${sqlString(json)} (FORMAT json, ARRAY true)`);
        copies.push((await time(() => c.query(`INSERT INTO user_events (${cols}) SELECT ${cols} FROM json_populate_recordset(NULL::user_events, $1::json)`, [fs.readFileSync(json, "utf8")]))).ms);
      }
      await c.query("TRUNCATE user_events");
      await c.end();
      const sink = new PostgresSink({ table: "user_events", keyColumns: ["event_id"], connectionString: scoped });
      await sink.open({ duck, queryId: `bench-${run}`, queryName: "bench", outputMode: "append" });
      await sink.addBatch(-1, "(SELECT * FROM events LIMIT 0)"); // connect and check the tables outside the timing
      sinks.push((await time(() => sink.addBatch(0, "events"))).ms);
      await sink.close();
    }
    const c = median(copies);
    const s = median(sinks);
    console.log(`target: ${embedded ? "embedded PGlite" : "PostgreSQL at 127.0.0.1:5432"}, ${ROWS} rows`);
    console.log(`plain COPY into an empty user_events: ${c.toFixed(0)} ms (${((ROWS / c) * 1000).toFixed(0)} rows/s)`);
    console.log(`PostgreSQL sink (keys looked up while DuckDB writes the rows, then COPY straight into the table, ledger, one transaction; a batch with a key already there is staged and inserted ON CONFLICT DO NOTHING): ${s.toFixed(0)} ms (${((ROWS / s) * 1000).toFixed(0)} rows/s)`);
    console.log(`ratio: sink throughput / plain COPY throughput = ${(c / s).toFixed(2)} (target ≥ 0.9)`);
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
    const where = embedded ? "PGlite" : "PostgreSQL server";
    return {
      name: "postgres",
      metrics: [
        atLeast(`sink / plain COPY throughput (${where}, ${ROWS} rows)`, c / s, "×", 0.7),
        atLeast("the same, against issue 15's target 5", c / s, "×", 0.9),
        figure("PostgreSQL sink, rows/s", (ROWS / s) * 1000, "rows/s"),
      ],
    };
  } finally {
    await embedded?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
    duck.close();
  }
}
