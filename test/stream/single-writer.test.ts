/**
 * Spark's single-writer checkpoint: every log entry (offsets/N, commits/N, sources/0/N) is
 * created put-if-absent, so a second writer can never replace what another wrote.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { readStream } from "../../lib/api/read-stream";
import { Duck } from "../../lib/duck";
import { DeltaTable } from "../../lib/delta/table";
import { expectCode, tmpDir } from "../helpers/tmp";
import { EVENT_SCHEMA, landFiles } from "../helpers/stream";

/** Files → foreachBatch with availableNow, one file a batch; `during(batchId)` runs inside the sink. */
async function filesQuery(landing: string, ck: string, during: (batchId: number) => void, trigger = "availableNow") {
  const seen: number[] = [];
  const q = await readStream.files(landing, { format: "csv", schema: EVENT_SCHEMA, maxFilesPerTrigger: 1 }).writeStream(
    {
      foreachBatch: (_b, id) => {
        seen.push(id);
        during(id);
      },
    },
    { queryName: "planted", checkpointLocation: ck, trigger },
  );
  return { q, seen };
}

test("an offsets/N written by another writer is never replaced: the query stops with STREAM_CONCURRENT_RUN before running batch N", async (t) => {
  const dir = tmpDir(t);
  const landing = path.join(dir, "landing");
  const ck = path.join(dir, "ck");
  landFiles(landing, 3, 2);
  const theirs = 'v1\n{"batchWatermarkMs":0,"batchTimestampMs":1,"conf":{}}\n{"logOffset":7}';
  const { q, seen } = await filesQuery(landing, ck, (id) => {
    // Another process planned batch 1 while this one ran batch 0.
    if (id === 0) fs.writeFileSync(path.join(ck, "offsets", "1"), theirs);
  });
  const err = await expectCode(() => q.awaitTermination(), "STREAM_CONCURRENT_RUN");
  assert.match(err.message, /Concurrent update to the log\. Multiple streaming jobs detected for batch 1/);
  assert.ok(err.message.includes(ck));
  assert.deepEqual(seen, [0], "batch 1 never reached the sink");
  assert.equal(fs.readFileSync(path.join(ck, "offsets", "1"), "utf8"), theirs, "the other writer's entry is intact");
  assert.equal(fs.existsSync(path.join(ck, "commits", "1")), false);
});

test("a sources/0/N written by another writer is never replaced: the query stops with STREAM_CONCURRENT_RUN", async (t) => {
  const dir = tmpDir(t);
  const landing = path.join(dir, "landing");
  const ck = path.join(dir, "ck");
  landFiles(landing, 1, 2);
  const theirs = `v1\n${JSON.stringify({ path: path.join(landing, "other.csv"), size: 1, modificationTime: 1, batchId: 1 })}\n`;
  const { q, seen } = await filesQuery(
    landing,
    ck,
    (id) => {
      if (id !== 0) return;
      // Another process planned log entry 1 while this one ran batch 0; then a file lands.
      fs.writeFileSync(path.join(ck, "sources", "0", "1"), theirs);
      landFiles(landing, 1, 2, 9, "2026-02-01T00:00:00Z");
    },
    "default",
  );
  t.after(() => q.stop());
  const err = await expectCode(() => q.awaitTermination(20_000), "STREAM_CONCURRENT_RUN");
  assert.ok(err.message.includes(path.join(ck, "sources", "0", "1")), err.message);
  assert.deepEqual(seen, [0], "the new file was not read under a log entry another process wrote");
  assert.equal(fs.readFileSync(path.join(ck, "sources", "0", "1"), "utf8"), theirs, "the other writer's entry is intact");
  assert.equal(fs.existsSync(path.join(ck, "offsets", "1")), false);
});

test("a commits/N written by another writer is never replaced: the query stops with STREAM_CONCURRENT_RUN", async (t) => {
  const dir = tmpDir(t);
  const landing = path.join(dir, "landing");
  const ck = path.join(dir, "ck");
  landFiles(landing, 2, 2);
  const theirs = 'v1\n{"nextBatchWatermarkMs":5}';
  const { q, seen } = await filesQuery(landing, ck, (id) => {
    if (id === 0) fs.writeFileSync(path.join(ck, "commits", "0"), theirs);
  });
  const err = await expectCode(() => q.awaitTermination(), "STREAM_CONCURRENT_RUN");
  assert.ok(err.message.includes(path.join(ck, "commits")), err.message);
  assert.deepEqual(seen, [0], "the query stopped at the conflict");
  assert.equal(fs.readFileSync(path.join(ck, "commits", "0"), "utf8"), theirs);
});

test("an offsets entry after the uncommitted batch is dropped at restart and planned again, not taken for a second writer", async (t) => {
  const dir = tmpDir(t);
  const landing = path.join(dir, "landing");
  const table = path.join(dir, "table");
  const ck = path.join(dir, "ck");
  const sim = landFiles(landing, 3, 2);
  const run = async () => {
    const q = await readStream.files(landing, { format: "csv", schema: EVENT_SCHEMA, maxFilesPerTrigger: 1 }).writeStream({ format: "delta", path: table }, { queryName: "purge", checkpointLocation: ck, trigger: "availableNow" });
    await q.awaitTermination();
    return q;
  };
  await run();
  // Batches 1 and 2 lose their commits: 1 is the batch to re-run, offsets/2 was planned past it.
  fs.rmSync(path.join(ck, "commits", "1"));
  fs.rmSync(path.join(ck, "commits", "2"));
  const offsets1 = fs.readFileSync(path.join(ck, "offsets", "1"), "utf8");
  const again = await run();
  assert.deepEqual(again.recentProgress.map((p) => [p.batchId, p.sink.metrics.batchAlreadyCommitted]), [[1, "true"], [2, "true"]], "both replays recognised by the Delta txn");
  assert.equal(fs.readFileSync(path.join(ck, "offsets", "1"), "utf8"), offsets1, "the uncommitted batch re-ran from its own offsets");
  assert.deepEqual(fs.readdirSync(path.join(ck, "commits")).sort(), ["0", "1", "2"]);
  const duck = await Duck.open();
  t.after(() => duck.close());
  const rows = await DeltaTable.forPath(table, duck).toRows<{ event_id: string }>();
  assert.equal(new Set(rows.map((r) => r.event_id)).size, sim.stats.rows);
  assert.equal(rows.length, sim.stats.rows);
});
