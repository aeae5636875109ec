/** Reading a checkpoint back: Checkpoint.batches() and the inspection helpers built on it. */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { readStream } from "../../lib/api/read-stream";
import { checkpointBatches, describeCheckpoint } from "../../lib/api/inspect";
import { MemoryStream } from "../../lib/sources/memory-source";
import { Checkpoint } from "../../lib/stream/checkpoint";
import { FileSourceLog } from "../../lib/sources/file-source-log";
import { tmpDir } from "../helpers/tmp";
import { EVENT_SCHEMA, landFiles } from "../helpers/stream";

test("a file source's batches: offsets, commit status, and the files each batch read (from the source's log)", async (t) => {
  const dir = tmpDir(t);
  const landing = path.join(dir, "landing");
  const ck = path.join(dir, "ck");
  const sim = landFiles(landing, 5, 2);
  const q = await readStream.files(landing, { format: "csv", schema: EVENT_SCHEMA, maxFilesPerTrigger: 2 }).writeStream({ foreachBatch: () => {} }, { queryName: "ck_files", checkpointLocation: ck, trigger: "availableNow" });
  await q.awaitTermination();
  const names = sim.manifests.map((m) => m.name);
  assert.deepEqual(checkpointBatches(ck), [
    { batchId: 0, endOffset: '{"logOffset":0}', committed: true, files: names.slice(0, 2) },
    { batchId: 1, endOffset: '{"logOffset":1}', committed: true, files: names.slice(2, 4) },
    { batchId: 2, endOffset: '{"logOffset":2}', committed: true, files: names.slice(4) },
  ]);
  const detailed = describeCheckpoint(ck);
  assert.deepEqual(detailed.map((b) => [b.startOffsets, b.offsets]), [[[null], ['{"logOffset":0}']], [['{"logOffset":0}'], ['{"logOffset":1}']], [['{"logOffset":1}'], ['{"logOffset":2}']]]);
  const files = detailed.flatMap((b) => b.sources[0]!.files!);
  assert.deepEqual(files.map((f) => [f.path, f.size, f.modificationTime]), sim.manifests.map((m) => [m.path, m.bytes, m.arrivalTime.getTime()]));
});

test("an uncommitted batch shows as such", async (t) => {
  const dir = tmpDir(t);
  const landing = path.join(dir, "landing");
  const ck = path.join(dir, "ck");
  landFiles(landing, 1, 2);
  const q = await readStream.files(landing, { format: "csv", schema: EVENT_SCHEMA }).where("no_such_column").writeStream({ foreachBatch: () => {} }, { queryName: "ck_uncommitted", checkpointLocation: ck, trigger: "availableNow" });
  await assert.rejects(() => q.awaitTermination());
  assert.deepEqual(checkpointBatches(ck).map((b) => [b.batchId, b.committed, b.files.length]), [[0, false, 1]]);
});

test("sources describe their batches to Checkpoint.batches(): the memory stream by row counts", async (t) => {
  const dir = tmpDir(t);
  const ck = path.join(dir, "ck");
  const mem = new MemoryStream(["x"]);
  const q = await readStream.memory(mem).writeStream({ foreachBatch: () => {} }, { queryName: "ck_mem", checkpointLocation: ck });
  mem.addData({ x: 1 }, { x: 2 }, { x: 3 });
  await q.processAllAvailable();
  mem.addData({ x: 4 });
  await q.processAllAvailable();
  await q.stop();
  const batches = Checkpoint.inspect(ck).batches([q.source]);
  assert.deepEqual(batches.map((b) => [b.batchId, b.offsets[0], b.committed, b.sources[0]]), [[0, "3", true, { rows: 3 }], [1, "4", true, { rows: 1 }]]);
  assert.deepEqual(checkpointBatches(ck).map((b) => b.files), [[], []], "no files for a memory stream");
});

test("inspecting a folder that is no checkpoint creates nothing", (t) => {
  const dir = tmpDir(t);
  const nowhere = path.join(dir, "nowhere");
  assert.deepEqual(checkpointBatches(nowhere), []);
  assert.deepEqual(Checkpoint.inspect(nowhere).batches(), []);
  assert.equal(fs.existsSync(nowhere), false);
});

test("the file source's log, written off the main thread, lands in order: nothing after an entry that failed", async (t) => {
  const log = new FileSourceLog(path.join(tmpDir(t), "sources", "0"));
  const file = { path: "/landing/a.csv", size: 10, modificationTime: 1 };
  const first = log.addAsync(0, [file], Promise.resolve());
  const second = log.addAsync(1, [{ ...file, path: "/landing/b.csv" }], first.written);
  await second.written;
  assert.deepEqual([...log.entries().keys()], [0, 1]);
  // Entry 2 waits for one that failed: it is never written, and says why.
  const failed = Promise.reject(new Error("disk full"));
  const third = log.addAsync(2, [{ ...file, path: "/landing/c.csv" }], failed);
  await assert.rejects(third.written, /disk full/);
  assert.equal(log.get(2), undefined);
  // The same entry planned twice is accepted; a different one is a second writer.
  await log.addAsync(1, [{ ...file, path: "/landing/b.csv" }], Promise.resolve()).written;
  await assert.rejects(log.addAsync(1, [file], Promise.resolve()).written, (e: Error & { code?: string }) => e.code === "STREAM_CONCURRENT_RUN");
});
