import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { readStream } from "../../lib/api/read-stream";
import { MemoryStream } from "../../lib/sources/memory-source";
import { ManualClock } from "../../lib/stream/clock";
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
  // A manual clock: time moves only when the test (or a batch) moves it, so start times are exact.
  const t0 = Date.parse("2026-01-01T00:00:00Z");
  const clock = new ManualClock(t0);
  mem.addData({ id: 0 });
  const q = await readStream.memory(mem).writeStream(
    {
      foreachBatch: (_b, id) => {
        mem.addData({ id: id + 1 }); // data for the next batch arrives during this one
        if (id === 1) clock.advance(700); // batch 1 runs for 700 ms: longer than the interval
      },
    },
    { queryName: "t_pt", checkpointLocation: path.join(dir, "ck"), trigger: { processingTime: "300ms" }, clock },
  );
  t.after(() => q.stop());
  // The query sleeps until each tick (300 after batch 0; none after the overrunning batch 1; 1300
  // after batch 2; 1600 after batch 3); the test moves time to it.
  for (const tick of [300, 1300, 1600]) {
    const until = await clock.nextWakeUp();
    assert.equal(until - t0, tick, "the query sleeps until the next tick");
    clock.advance(until - clock.now());
  }
  assert.equal((await clock.nextWakeUp()) - t0, 1900, "batch 4 ran; the query waits for the next tick");
  await q.stop();
  const starts = q.recentProgress.map((p) => Date.parse(p.timestamp) - t0);
  // On the interval (0, 300); batch 2 right after the slow batch 1 ends (1000, not the 1200 tick); then on the interval from there.
  assert.deepEqual(starts, [0, 300, 1000, 1300, 1600]);
  assert.equal(q.recentProgress[1]!.durationMs.addBatch, 700);
  assert.equal(q.recentProgress[1]!.durationMs.triggerExecution, 700);
  assert.deepEqual(q.recentProgress.map((p) => p.numInputRows), [1, 1, 1, 1, 1]);
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
  let started: { id: string; runId: string; name: string } | undefined;
  const frame = readStream.memory(mem).withColumn("y", "x * 2");
  const q = await frame.writeStream(
    { format: "memory" },
    {
      queryName: "t_listen",
      checkpointLocation: path.join(dir, "ck"),
      // Registered before the query starts (Spark posts onQueryStarted before start() returns).
      listeners: [
        {
          onQueryStarted: (e) => {
            events.push("started");
            started = e;
          },
          onQueryProgress: (e) => {
            events.push("progress");
            progress = e.progress;
          },
          onQueryIdle: () => events.push("idle"),
          onQueryTerminated: (e) => events.push(`terminated:${e.exception}`),
        },
      ],
    },
  );
  assert.equal(events[0], "started", "onQueryStarted came before writeStream returned");
  assert.deepEqual([started?.id, started?.runId, started?.name], [q.id, q.runId, "t_listen"]);
  mem.addData({ x: 1 }, { x: 2 });
  await q.processAllAvailable();
  await sleep(50);
  await q.stop();
  assert.deepEqual(events.filter((e) => e !== "idle"), ["started", "progress", "terminated:null"]);
  assert.ok(events.indexOf("idle", events.indexOf("progress")) > 0, `idle after the batch: ${events.join(", ")}`);
  const p = progress!;
  for (const k of ["id", "runId", "name", "timestamp", "batchId", "numInputRows", "inputRowsPerSecond", "processedRowsPerSecond", "durationMs", "sources", "sink"]) assert.ok(k in p, k);
  for (const k of ["latestOffset", "getBatch", "queryPlanning", "addBatch", "walCommit", "commitOffsets", "triggerExecution"]) assert.equal(typeof p.durationMs[k as keyof typeof p.durationMs], "number", k);
  assert.equal(p.sources[0]!.description, `MemoryStream[${mem.name}]`);
  assert.equal(p.sources[0]!.endOffset, 2);
  assert.equal(p.sink.numOutputRows, 2);
  assert.equal(p.name, "t_listen");
});

test("a listener added to the returned query (too late for onQueryStarted) still sees the rest", async (t) => {
  const dir = tmpDir(t);
  const mem = new MemoryStream(["x"]);
  const events: string[] = [];
  const q = await readStream.memory(mem).writeStream({ format: "memory" }, { queryName: "t_late", checkpointLocation: path.join(dir, "ck") });
  q.addListener({ onQueryStarted: () => events.push("started"), onQueryProgress: () => events.push("progress"), onQueryTerminated: () => events.push("terminated") });
  mem.addData({ x: 1 });
  await q.processAllAvailable();
  await q.stop();
  assert.deepEqual(events, ["progress", "terminated"]);
});

test("processAllAvailable returns on a manual clock: a wake-up that comes during an offset check is not lost", async (t) => {
  const dir = tmpDir(t);
  const landing = path.join(dir, "landing");
  fs.mkdirSync(landing);
  const clock = new ManualClock(0);
  const q = await readStream.files(landing, { format: "csv", schema: "a INT" }).writeStream({ format: "memory" }, { queryName: "t_manual_wake", checkpointLocation: path.join(dir, "ck"), clock });
  t.after(() => q.stop());
  for (let i = 0; i < 15; i++) {
    fs.writeFileSync(path.join(landing, `f${i}.csv`), `a\n${i}\n`);
    const done = await Promise.race([q.processAllAvailable().then(() => true), sleep(5000).then(() => false)]);
    assert.ok(done, `processAllAvailable returned for file ${i} without the clock moving`);
  }
  assert.equal(q.recentProgress.reduce((s, p) => s + p.numInputRows, 0), 15);
});
