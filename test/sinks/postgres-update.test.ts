/**
 * outputMode "update" into PostgreSQL: each batch upserts the groups a streaming aggregation
 * changed, on keyColumns, in the batch's transaction — so the table always holds the current
 * result, and a replayed batch changes nothing (its ledger row is there).
 */
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import pg from "pg";
import { readStream } from "../../lib/api/read-stream";
import { MemoryStream } from "../../lib/sources/memory-source";
import { window } from "../../lib/stream/window";
import { expectCode, tmpDir } from "../helpers/tmp";
import { embedded, realPgAvailable, realPgSchema, REAL_PG_URL } from "../helpers/postgres";

async function server(t: TestContext, real: boolean): Promise<string | undefined> {
  if (!real) {
    const e = await embedded();
    t.after(() => e.stop());
    return e.connectionString;
  }
  if (!(await realPgAvailable())) {
    if (process.env.CI) throw new Error(`no PostgreSQL server at ${REAL_PG_URL}`);
    t.skip("no PostgreSQL server");
    return undefined;
  }
  const s = await realPgSchema();
  t.after(() => s.drop());
  return s.url;
}

for (const real of [false, true]) {
  test(`${real ? "PostgreSQL" : "PGlite"}: update mode upserts each batch's changed windows on keyColumns`, async (t) => {
    const url = await server(t, real);
    if (!url) return;
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    t.after(() => c.end());
    await c.query("CREATE TABLE station_counts (window_start TIMESTAMPTZ, station_id TEXT, readings BIGINT, max_temp DOUBLE PRECISION, PRIMARY KEY (window_start, station_id))");
    const mem = new MemoryStream(["station_id", "temp", "event_time"]);
    const at = (s: string, m: number, temp: number) => ({ station_id: s, temp, event_time: new Date(Date.UTC(2025, 0, 1, 12, m)) });
    const q = await readStream
      .memory(mem)
      .withWatermark("event_time", "5 minutes")
      .groupBy(window("event_time", "10 minutes"), "station_id")
      .agg("count(*) AS readings", "max(temp) AS max_temp")
      .select('"window"."start" AS window_start', "station_id", "readings", "max_temp")
      .writeStream({ format: "postgres", options: { table: "station_counts", keyColumns: ["window_start", "station_id"], connectionString: url } }, { checkpointLocation: path.join(tmpDir(t), "ck"), outputMode: "update" });
    t.after(() => q.stop());
    const rows = async () => (await c.query("SELECT extract(minute FROM window_start)::int AS m, station_id, readings::int AS n, max_temp FROM station_counts ORDER BY 1, 2")).rows.map((r) => `${r.m} ${r.station_id} ${r.n} ${r.max_temp}`);
    mem.addData([at("a", 1, 10), at("a", 2, 12), at("b", 3, 7)]);
    await q.processAllAvailable();
    assert.deepEqual(await rows(), ["0 a 2 12", "0 b 1 7"]);
    mem.addData([at("a", 4, 15), at("a", 11, 9)]);
    await q.processAllAvailable();
    assert.deepEqual(await rows(), ["0 a 3 15", "0 b 1 7", "10 a 1 9"], "a@[12:00,12:10) updated in place, a@[12:10,12:20) inserted");
    assert.equal(q.lastProgress!.sink.metrics.rowsInserted !== undefined, true);
  });
}

test("update into PostgreSQL needs keyColumns; complete is refused", async (t) => {
  const dir = tmpDir(t);
  const mem = new MemoryStream(["k"]);
  const frame = readStream.memory(mem).groupBy("k").count();
  await expectCode(() => frame.writeStream({ format: "postgres", options: { table: "t", connectionString: "postgres://nobody@127.0.0.1:1/x" } }, { checkpointLocation: path.join(dir, "a"), outputMode: "update" }), "INVALID_OPTION");
  await expectCode(() => frame.writeStream({ format: "postgres", options: { table: "t", keyColumns: ["k"], connectionString: "postgres://nobody@127.0.0.1:1/x" } }, { checkpointLocation: path.join(dir, "b"), outputMode: "complete" }), "INVALID_OPTION");
});
