/**
 * outputMode "complete", as it is today: there is no aggregation state across batches, so each
 * batch's result replaces the sink's contents (the memory table, or the Delta table with an
 * overwrite commit). "update" is refused by the Delta sink.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import { readStream } from "../../lib/api/read-stream";
import { duck as sharedDuck } from "../../lib/duck";
import { DeltaTable } from "../../lib/delta/table";
import { MemoryStream } from "../../lib/sources/memory-source";
import { expectCode, tmpDir } from "../helpers/tmp";

test("complete into memory: the table holds the last batch's result only", async (t) => {
  const dir = tmpDir(t);
  const mem = new MemoryStream(["k", "v"]);
  const q = await readStream
    .memory(mem)
    .sql("SELECT k, sum(v) AS total FROM batch GROUP BY k")
    .writeStream({ format: "memory" }, { queryName: "complete_mem", checkpointLocation: path.join(dir, "ck"), outputMode: "complete" });
  mem.addData({ k: "a", v: 1 }, { k: "a", v: 2 }, { k: "b", v: 5 });
  await q.processAllAvailable();
  mem.addData({ k: "a", v: 10 });
  await q.processAllAvailable();
  await q.stop();
  const d = await sharedDuck();
  assert.deepEqual(await d.json("SELECT k, total FROM complete_mem ORDER BY k"), [{ k: "a", total: "10" }], "batch 1's aggregate only: nothing carried over from batch 0");
});

test("complete into Delta: each batch is an overwrite commit; the table holds the last batch", async (t) => {
  const dir = tmpDir(t);
  const table = path.join(dir, "table");
  const mem = new MemoryStream(["id"]);
  const q = await readStream.memory(mem).writeStream({ format: "delta", path: table }, { queryName: "complete_delta", checkpointLocation: path.join(dir, "ck"), outputMode: "complete" });
  mem.addData({ id: 1 }, { id: 2 });
  await q.processAllAvailable();
  mem.addData({ id: 3 });
  await q.processAllAvailable();
  await q.stop();
  assert.deepEqual((await DeltaTable.forPath(table).toRows<{ id: number }>()).map((r) => Number(r.id)), [3]);
  const history = DeltaTable.forPath(table).history().reverse();
  assert.deepEqual(history.map((h) => h.operationParameters.outputMode), ["Complete", "Complete"]);
});

test("update is refused by the Delta sink, and an unknown outputMode by writeStream", async (t) => {
  const dir = tmpDir(t);
  const mem = new MemoryStream(["id"]);
  await expectCode(() => readStream.memory(mem).writeStream({ format: "delta", path: path.join(dir, "t") }, { queryName: "upd", checkpointLocation: path.join(dir, "ck1"), outputMode: "update" }), "INVALID_OPTION");
  await expectCode(() => readStream.memory(mem).writeStream({ format: "memory" }, { queryName: "bogus", checkpointLocation: path.join(dir, "ck2"), outputMode: "bogus" as never }), "INVALID_OPTION");
});
