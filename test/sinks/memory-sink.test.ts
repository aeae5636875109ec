/** The memory sink: a DuckDB table named after the query, visible to the notebook's DuckDB. */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import { readStream } from "../../lib/api/read-stream";
import { duck as sharedDuck, Duck, rowsSql } from "../../lib/duck";
import { MemoryStream } from "../../lib/sources/memory-source";
import { MemorySink } from "../../lib/sinks/memory-sink";
import { expectCode, tmpDir } from "../helpers/tmp";

test("append: each batch adds its rows to the table named by queryName, which the shared DuckDB sees", async (t) => {
  const dir = tmpDir(t);
  const mem = new MemoryStream(["id", "name"]);
  const q = await readStream.memory(mem).writeStream({ format: "memory" }, { queryName: "mem_append", checkpointLocation: path.join(dir, "ck") });
  mem.addData({ id: 1, name: "a" }, { id: 2, name: "b" });
  await q.processAllAvailable();
  mem.addData({ id: 3, name: "c" });
  await q.processAllAvailable();
  await q.stop();
  const d = await sharedDuck();
  assert.deepEqual(await d.json("SELECT id, name FROM mem_append ORDER BY id"), [{ id: 1, name: "a" }, { id: 2, name: "b" }, { id: 3, name: "c" }]);
  assert.deepEqual(q.recentProgress.map((p) => p.sink.numOutputRows), [2, 1]);
  assert.equal(q.recentProgress[0]!.sink.description, "MemorySink[queryName]");
});

test("append: columns the stream gains are added to the table; older rows get NULL", async (t) => {
  const dir = tmpDir(t);
  const mem = new MemoryStream();
  const q = await readStream.memory(mem).writeStream({ format: "memory", options: { tableName: "mem_evolve" } }, { queryName: "mem_evolve_q", checkpointLocation: path.join(dir, "ck") });
  mem.addData({ id: 1 });
  await q.processAllAvailable();
  mem.addData({ id: 2, extra: "x" });
  await q.processAllAvailable();
  await q.stop();
  const d = await sharedDuck();
  assert.deepEqual(await d.json("SELECT id, extra FROM mem_evolve ORDER BY id"), [{ id: 1, extra: null }, { id: 2, extra: "x" }]);
});

test("a batch id it already wrote (a replay in this process) is skipped", async (t) => {
  const duck = await Duck.open();
  t.after(() => duck.close());
  const sink = new MemorySink("mem_direct");
  await sink.open({ duck, queryId: "q", queryName: "q", outputMode: "append" });
  await duck.run(`CREATE TEMP TABLE b0 AS ${rowsSql([{ v: 1 }, { v: 2 }])}`);
  await duck.run(`CREATE TEMP TABLE b1 AS ${rowsSql([{ v: 3 }])}`);
  assert.deepEqual(await sink.addBatch(0, "b0"), { numOutputRows: 2 });
  assert.deepEqual(await sink.addBatch(1, "b1"), { numOutputRows: 1 });
  assert.deepEqual(await sink.addBatch(1, "b1"), { numOutputRows: 0, skipped: true });
  assert.equal(Number(await duck.value("SELECT count(*) FROM mem_direct")), 3);
});

test("without queryName or tableName the memory sink has no table name: INVALID_OPTION", async (t) => {
  const dir = tmpDir(t);
  await expectCode(() => readStream.memory(new MemoryStream(["x"])).writeStream({ format: "memory" }, { checkpointLocation: path.join(dir, "ck") }), "INVALID_OPTION");
});
