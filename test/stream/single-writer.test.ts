/**
 * Spark's single-writer checkpoint: a query holds an exclusive lock on its checkpoint while it
 * runs, so a second process is refused at once; and behind the lock, every log entry (offsets/N,
 * commits/N, sources/0/N) is created put-if-absent, so a writer that got past it anyway can never
 * replace what another wrote.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { spawn, type ChildProcess } from "node:child_process";
import { readStream } from "../../lib/api/read-stream";
import { MemoryStream } from "../../lib/sources/memory-source";
import { streams } from "../../lib/stream/manager";
import { Duck } from "../../lib/duck";
import { DeltaTable } from "../../lib/delta/table";
import { expectCode, tmpDir } from "../helpers/tmp";
import { EVENT_SCHEMA, landFiles, sleep } from "../helpers/stream";

const cli = path.resolve(__dirname, "../../lib/cli/index.js");

interface Child {
  proc: ChildProcess;
  stdout: string;
  stderr: string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function ingest(landing: string, table: string, ck: string, name: string): Child {
  const proc = spawn(process.execPath, [cli, "ingest", landing, table, "--format", "csv", "--schema", EVENT_SCHEMA, "--checkpoint", ck, "--query-name", name], { stdio: ["ignore", "pipe", "pipe"] });
  const c: Child = { proc, stdout: "", stderr: "", exit: new Promise((resolve) => proc.on("exit", (code, signal) => resolve({ code, signal }))) };
  proc.stdout!.on("data", (d) => (c.stdout += d));
  proc.stderr!.on("data", (d) => (c.stderr += d));
  return c;
}

async function until(what: string, cond: () => boolean | Promise<boolean>, ms = 60_000): Promise<void> {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

test("two `streamlab ingest` processes on one checkpoint while files land: the second is refused, every row lands once", async (t) => {
  const dir = tmpDir(t);
  const landing = path.join(dir, "landing");
  const table = path.join(dir, "table");
  const ck = path.join(dir, "ck");
  const sim = landFiles(landing, 20, 10);
  const first = ingest(landing, table, ck, "ingest_a");
  t.after(() => first.proc.kill("SIGKILL"));
  await until("the first query to start", () => first.stdout.includes("reading"));

  // Files keep landing while the second process tries the same checkpoint.
  let landing_ = true;
  const lander = (async () => {
    for (let i = 0; i < 280 && landing_; i += 4) {
      sim.writeFiles(4);
      await sleep(5);
    }
  })();
  const second = ingest(landing, table, ck, "ingest_b");
  const timer = setTimeout(() => second.proc.kill("SIGKILL"), 15_000);
  const { code } = await second.exit;
  clearTimeout(timer);
  landing_ = false;
  await lander;
  assert.equal(code, 1, `the second process fails (stdout: ${second.stdout}, stderr: ${second.stderr})`);
  assert.match(second.stderr, /STREAM_CONCURRENT_RUN/);
  assert.ok(second.stderr.includes(ck), "naming the checkpoint");
  assert.ok(second.stderr.includes(`process ${first.proc.pid}`), "and the process that holds it");

  const duck = await Duck.open();
  t.after(() => duck.close());
  const count = async () => (fs.existsSync(path.join(table, "_delta_log")) ? (await DeltaTable.forPath(table, duck).toRows()).length : 0);
  await until("the first query to take every file", async () => (await count()) >= sim.stats.rows);
  first.proc.kill("SIGTERM");
  assert.equal((await first.exit).code, 0, first.stderr);
  const rows = await DeltaTable.forPath(table, duck).toRows<{ event_id: string }>();
  assert.equal(rows.length, sim.stats.rows, "every row is in the table");
  assert.equal(new Set(rows.map((r) => r.event_id)).size, sim.stats.rows, "exactly once");
});

test("a second query on a running query's checkpoint is refused in the same process too; the checkpoint is free again after stop()", async (t) => {
  const dir = tmpDir(t);
  const ck = path.join(dir, "ck");
  const mem = new MemoryStream(["x"]);
  const q = await readStream.memory(mem).writeStream({ format: "memory" }, { queryName: "sw_one", checkpointLocation: ck });
  t.after(() => streams.stopAll());
  const err = await expectCode(() => readStream.memory(mem).writeStream({ format: "memory" }, { queryName: "sw_two", checkpointLocation: ck }), "STREAM_CONCURRENT_RUN");
  assert.ok(err.message.includes(ck));
  await q.stop();
  const again = await readStream.memory(mem).writeStream({ format: "memory" }, { queryName: "sw_two", checkpointLocation: ck });
  await again.stop();
});

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
