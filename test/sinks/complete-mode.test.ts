/**
 * outputMode "complete", as Spark has it: the whole aggregated result, every batch, from the
 * aggregation's state (the memory table, or the Delta table with an overwrite commit per batch);
 * a query without an aggregation is refused. "update" is refused by the Delta sink.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import { readStream } from "../../lib/api/read-stream";
import { duck as sharedDuck } from "../../lib/duck";
import { DeltaTable } from "../../lib/delta/table";
import { MemoryStream } from "../../lib/sources/memory-source";
import { expectCode, tmpDir } from "../helpers/tmp";

test("complete into memory: the table holds the whole aggregated result, carried across batches", async (t) => {
  const dir = tmpDir(t);
  const mem = new MemoryStream(["k", "v"]);
  const q = await readStream
    .memory(mem)
    .groupBy("k")
    .agg("sum(v) AS total")
    .writeStream({ format: "memory" }, { queryName: "complete_mem", checkpointLocation: path.join(dir, "ck"), outputMode: "complete" });
  mem.addData({ k: "a", v: 1 }, { k: "a", v: 2 }, { k: "b", v: 5 });
  await q.processAllAvailable();
  mem.addData({ k: "a", v: 10 });
  await q.processAllAvailable();
  await q.stop();
  const d = await sharedDuck();
  assert.deepEqual(await d.json("SELECT k, total::INT AS total FROM complete_mem ORDER BY k"), [{ k: "a", total: 13 }, { k: "b", total: 5 }], "every group, with batch 0's rows counted");
});

test("complete into Delta: each batch is an overwrite commit of the whole result", async (t) => {
  const dir = tmpDir(t);
  const table = path.join(dir, "table");
  const mem = new MemoryStream(["id"]);
  const q = await readStream.memory(mem).groupBy("id % 2 AS parity").count().writeStream({ format: "delta", path: table }, { queryName: "complete_delta", checkpointLocation: path.join(dir, "ck"), outputMode: "complete" });
  mem.addData({ id: 1 }, { id: 2 });
  await q.processAllAvailable();
  mem.addData({ id: 3 });
  await q.processAllAvailable();
  await q.stop();
  assert.deepEqual((await DeltaTable.forPath(table).toRows<{ parity: number; count: bigint }>()).map((r) => [Number(r.parity), Number(r.count)]).sort(), [[0, 1], [1, 2]]);
  const history = DeltaTable.forPath(table).history().reverse();
  assert.deepEqual(history.map((h) => h.operationParameters.outputMode), ["Complete", "Complete"]);
});

test("complete without an aggregation, update into Delta and an unknown outputMode are refused", async (t) => {
  const dir = tmpDir(t);
  const mem = new MemoryStream(["id"]);
  await expectCode(() => readStream.memory(mem).writeStream({ format: "memory" }, { queryName: "c0", checkpointLocation: path.join(dir, "ck0"), outputMode: "complete" }), "INVALID_OPTION");
  await expectCode(() => readStream.memory(mem).writeStream({ format: "delta", path: path.join(dir, "t") }, { queryName: "upd", checkpointLocation: path.join(dir, "ck1"), outputMode: "update" }), "INVALID_OPTION");
  await expectCode(() => readStream.memory(mem).writeStream({ format: "memory" }, { queryName: "bogus", checkpointLocation: path.join(dir, "ck2"), outputMode: "bogus" as never }), "INVALID_OPTION");
});
