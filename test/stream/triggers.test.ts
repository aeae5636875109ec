import { test } from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import { readStream } from "../../lib/api/read-stream";
import { MemoryStream } from "../../lib/sources/memory-source";
import { DeltaTable } from "../../lib/delta/table";
import type { StreamingQueryProgress } from "../../lib/stream/progress";
import { tmpDir } from "../helpers/tmp";
import { EVENT_SCHEMA, landFiles, sleep } from "../helpers/stream";

test("default trigger: a batch as soon as data is available, all of it; idle otherwise", async (t) => {
  const dir = tmpDir(t);
  const mem = new MemoryStream(["id", "name"]);
  const q = await readStream.memory(mem).writeStream({ format: "memory" }, { queryName: "t_default", checkpointLocation: path.join(dir, "ck") });
  mem.addData({ id: 1, name: "a" }, { id: 2, name: "b" });
  await q.processAllAvailable();
  mem.addData([{ id: 3, name: "c" }]);
  await q.processAllAvailable();
  await q.processAllAvailable();
  await q.stop();
  assert.deepEqual(q.recentProgress.map((p) => p.numInputRows), [2, 1], "one batch per arrival, none when idle");
  assert.deepEqual(q.recentProgress.map((p) => p.batchId), [0, 1]);
  assert.equal(q.status.message, "Stopped");
});

test("processingTime: batches start on the interval; an overrunning batch is followed at once", async (t) => {
  const dir = tmpDir(t);
  const mem = new MemoryStream(["id"]);
  let slow = true;
  const q = await readStream.memory(mem).writeStream(
    {
      foreachBatch: async (_b, id) => {
        if (slow && id === 1) await sleep(700);
      },
    },
    { queryName: "t_pt", checkpointLocation: path.join(dir, "ck"), trigger: { processingTime: "300ms" } },
  );
  const feeder = setInterval(() => mem.addData({ id: mem.size }), 20);
  while (q.recentProgress.length < 5) await sleep(20);
  clearInterval(feeder);
  slow = false;
  await q.stop();
  const starts = q.recentProgress.map((p) => Date.parse(p.timestamp));
  const gaps = starts.slice(1).map((s, i) => s - starts[i]!);
  // Batch 1 ran ~700 ms: batch 2 starts right after it (not on the next 300 ms tick, at 900 ms).
  assert.ok(gaps[1]! >= 690 && gaps[1]! < 880, `gap after the slow batch: ${gaps[1]}`);
  // Other batches start on the interval: never sooner, and not a whole extra interval later.
  for (const g of [gaps[0]!, ...gaps.slice(2)]) assert.ok(g >= 290 && g < 590, `regular gap ${g} ms`);
});

test("availableNow: everything there at start, in rate-limited batches, then the query stops by itself", async (t) => {
  const dir = tmpDir(t);
  const landing = path.join(dir, "landing");
  const sim = landFiles(landing, 10, 5);
  let added = false;
  const q = await readStream.files(landing, { format: "csv", schema: EVENT_SCHEMA, maxFilesPerTrigger: 3 }).writeStream(
    {
      foreachBatch: () => {
        // Files landing after the start are left for the next run.
        if (!added) sim.writeFiles(4);
        added = true;
      },
    },
    { queryName: "t_an", checkpointLocation: path.join(dir, "ck"), trigger: "availableNow" },
  );
  assert.equal(await q.awaitTermination(10_000), true);
  assert.deepEqual(q.recentProgress.map((p) => p.numInputRows), [15, 15, 15, 5]);
  const again = await readStream.files(landing, { format: "csv", schema: EVENT_SCHEMA, maxFilesPerTrigger: 3 }).writeStream({ foreachBatch: () => {} }, { queryName: "t_an", checkpointLocation: path.join(dir, "ck"), trigger: "availableNow" });
  await again.awaitTermination();
  assert.deepEqual(again.recentProgress.map((p) => [p.batchId, p.numInputRows]), [[4, 15], [5, 5]], "the next run continues with the files that came later");
});

test("once: one batch with everything available, rate limits ignored", async (t) => {
  const dir = tmpDir(t);
  const landing = path.join(dir, "landing");
  landFiles(landing, 7, 4);
  const table = path.join(dir, "out");
  const q = await readStream.files(landing, { format: "csv", schema: EVENT_SCHEMA, maxFilesPerTrigger: 2 }).writeStream({ format: "delta", path: table }, { checkpointLocation: path.join(dir, "ck"), queryName: "t_once", trigger: "once" });
  await q.awaitTermination();
  assert.deepEqual(q.recentProgress.map((p) => p.numInputRows), [28]);
  assert.equal(await (await DeltaTable.forPath(table).scan()).count(), 28);
});

test("listeners see started, progress, idle and terminated, in order; progress has Spark's fields", async (t) => {
  const dir = tmpDir(t);
  const mem = new MemoryStream(["x"]);
  const events: string[] = [];
  let progress: StreamingQueryProgress | undefined;
  const frame = readStream.memory(mem).withColumn("y", "x * 2");
  const q = await frame.writeStream({ format: "memory" }, { queryName: "t_listen", checkpointLocation: path.join(dir, "ck") });
  q.addListener({
    onQueryProgress: (e) => {
      events.push("progress");
      progress = e.progress;
    },
    onQueryIdle: () => events.push("idle"),
    onQueryTerminated: (e) => events.push(`terminated:${e.exception}`),
  });
  mem.addData({ x: 1 }, { x: 2 });
  await q.processAllAvailable();
  await sleep(50);
  await q.stop();
  assert.deepEqual(events.filter((e, i) => events.indexOf(e) === i), ["progress", "idle", "terminated:null"]);
  const p = progress!;
  for (const k of ["id", "runId", "name", "timestamp", "batchId", "numInputRows", "inputRowsPerSecond", "processedRowsPerSecond", "durationMs", "sources", "sink"]) assert.ok(k in p, k);
  for (const k of ["latestOffset", "getBatch", "addBatch", "walCommit", "commitOffsets", "triggerExecution"]) assert.equal(typeof p.durationMs[k as keyof typeof p.durationMs], "number", k);
  assert.equal(p.sources[0]!.description, `MemoryStream[${mem.name}]`);
  assert.equal(p.sources[0]!.endOffset, 2);
  assert.equal(p.sink.numOutputRows, 2);
  assert.equal(p.name, "t_listen");
});
