/** foreachBatch: a function called with each micro-batch as a DuckDB table and its batch id. */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { readStream } from "../../lib/api/read-stream";
import { MemoryStream } from "../../lib/sources/memory-source";
import type { BatchFrame } from "../../lib/sinks/foreach-batch-sink";
import { expectCode, tmpDir } from "../helpers/tmp";

test("the function gets each batch (rows, count, SQL, batch id, query id); a returned number is the output count", async (t) => {
  const dir = tmpDir(t);
  const mem = new MemoryStream(["x"]);
  const seen: { batchId: number; queryId: string; rows: unknown[]; count: number; viaSql: number }[] = [];
  const q = await readStream
    .memory(mem)
    .withColumn("y", "x * 10")
    .writeStream(
      {
        foreachBatch: async (b: BatchFrame, batchId) => {
          const viaSql = Number(await b.duck.value(`SELECT sum(y) FROM (${b.sql})`));
          seen.push({ batchId, queryId: b.queryId, rows: await b.rows(), count: await b.count(), viaSql });
          return batchId === 1 ? 42 : undefined;
        },
        options: { label: "collector" },
      },
      { queryName: "fe_q", checkpointLocation: path.join(dir, "ck") },
    );
  mem.addData({ x: 1 }, { x: 2 });
  await q.processAllAvailable();
  mem.addData({ x: 3 });
  await q.processAllAvailable();
  await q.stop();
  assert.deepEqual(seen.map((s) => [s.batchId, s.count, s.viaSql]), [[0, 2, 30], [1, 1, 30]]);
  assert.deepEqual(seen[0]!.rows, [{ x: 1, y: 10 }, { x: 2, y: 20 }]);
  assert.ok(seen.every((s) => s.queryId === q.id));
  assert.deepEqual(q.recentProgress.map((p) => p.sink.numOutputRows), [2, 42]);
  assert.equal(q.recentProgress[0]!.sink.description, "ForeachBatchSink[collector]");
});

test("a throwing function fails the query without committing the batch; the restart calls it again with the same batch", async (t) => {
  const dir = tmpDir(t);
  const ck = path.join(dir, "ck");
  const mem = new MemoryStream(["x"]);
  mem.addData({ x: 1 }, { x: 2 });
  const failing = await readStream.memory(mem).writeStream(
    {
      foreachBatch: () => {
        throw new Error("the API is down");
      },
    },
    { queryName: "fe_fail", checkpointLocation: ck, trigger: "availableNow" },
  );
  const e = await expectCode(() => failing.awaitTermination(), "STREAM_QUERY_FAILED");
  assert.match(e.message, /the API is down/);
  assert.equal(fs.existsSync(path.join(ck, "commits", "0")), false);
  const calls: [number, number][] = [];
  const retry = await readStream.memory(mem).writeStream({ foreachBatch: async (b, id) => void calls.push([id, await b.count()]) }, { queryName: "fe_fail", checkpointLocation: ck, trigger: "availableNow" });
  await retry.awaitTermination();
  assert.deepEqual(calls, [[0, 2]], "batch 0 again, with the same two rows");
});
