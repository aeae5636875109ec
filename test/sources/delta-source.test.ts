import { test } from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import { Duck } from "../../lib/duck";
import { DeltaTable } from "../../lib/delta/table";
import { compareStreamPosition } from "../../lib/sources/delta-source";
import { readStream } from "../../lib/api/read-stream";
import type { StreamingQuery } from "../../lib/stream/micro-batch";
import { expectCode, tmpDir } from "../helpers/tmp";

const rows = (from: number, n: number, part = "a") => `SELECT (range + ${from})::BIGINT AS id, '${part}' AS part FROM range(${n})`;

async function drain(table: string, ck: string, opts: Record<string, unknown> = {}, trigger: "availableNow" | "once" = "availableNow") {
  const seen: { batchId: number; ids: number[] }[] = [];
  const q: StreamingQuery = await readStream.delta(table, opts).writeStream(
    { foreachBatch: async (b, batchId) => void seen.push({ batchId, ids: (await b.rows<{ id: bigint }>()).map((r) => Number(r.id)).sort((x, y) => x - y) }) },
    { queryName: `ds-${path.basename(ck)}`, checkpointLocation: ck, trigger },
  );
  try {
    await q.awaitTermination();
  } catch {
    /* checked through q.exception */
  }
  return { q, seen };
}

test("the current snapshot first, then later commits; offsets survive restarts and rate limits split commits", async (t) => {
  const duck = await Duck.open();
  const dir = tmpDir(t);
  const table = path.join(dir, "bronze");
  const bronze = DeltaTable.forPath(table, duck);
  await bronze.write(rows(0, 3), { partitionBy: ["part"] });
  await bronze.write(rows(3, 3));
  const ck = path.join(dir, "ck");
  const first = await drain(table, ck, { maxFilesPerTrigger: 1 });
  assert.deepEqual(first.seen.map((s) => s.ids).sort((a, b) => a[0]! - b[0]!), [[0, 1, 2], [3, 4, 5]], "the snapshot at version 1, one file per batch");
  // A commit of three files (three partitions), split by the rate limit across batches and a restart.
  await bronze.write(`${rows(10, 2, "x")} UNION ALL ${rows(20, 2, "y")} UNION ALL ${rows(30, 2, "z")}`);
  const second = await drain(table, ck, { maxFilesPerTrigger: 2 });
  assert.deepEqual(second.seen.map((s) => s.batchId), [2, 3]);
  assert.deepEqual(second.seen.flatMap((s) => s.ids).sort((a, b) => a - b), [10, 11, 20, 21, 30, 31]);
  const offset = second.q.recentProgress[0]!.sources[0]!.endOffset as { reservoirVersion: number; index: number; isStartingVersion: boolean };
  assert.deepEqual([offset.reservoirVersion, offset.index, offset.isStartingVersion], [2, 1, false], "two of version 2's three files");
  const third = await drain(table, ck);
  assert.deepEqual(third.seen, [], "nothing new");
  duck.close();
});

test("startingVersion, startingVersion latest and startingTimestamp", async (t) => {
  const duck = await Duck.open();
  const dir = tmpDir(t);
  const table = path.join(dir, "t");
  const tt = DeltaTable.forPath(table, duck);
  await tt.write(rows(0, 1));
  await tt.write(rows(1, 1));
  await tt.write(rows(2, 1));
  const all = (r: Awaited<ReturnType<typeof drain>>) => r.seen.flatMap((s) => s.ids);
  assert.deepEqual(all(await drain(table, path.join(dir, "c1"), { startingVersion: 1 })), [1, 2]);
  assert.deepEqual(all(await drain(table, path.join(dir, "c2"), { startingVersion: "latest" })), []);
  const ts = tt.history().find((h) => h.version === 2)!.timestamp.toISOString();
  assert.deepEqual(all(await drain(table, path.join(dir, "c3"), { startingTimestamp: ts })), [2]);
  await expectCode(() => readStream.delta(table, { startingVersion: "soon" }), "INVALID_OPTION");
  await expectCode(() => readStream.delta(path.join(dir, "none")), "DELTA_TABLE_NOT_FOUND");
  duck.close();
});

test("commits that remove data stop the stream unless skipChangeCommits / ignoreDeletes", async (t) => {
  const duck = await Duck.open();
  const dir = tmpDir(t);
  const table = path.join(dir, "t");
  const tt = DeltaTable.forPath(table, duck);
  await tt.write(`${rows(0, 2, "a")} UNION ALL ${rows(10, 2, "b")}`, { partitionBy: ["part"] });
  const ck = path.join(dir, "ck");
  await drain(table, ck);
  await tt.delete("part = 'b'"); // a pure delete of a whole partition
  await tt.write(rows(5, 1, "a"));
  const stopped = await drain(table, ck);
  assert.equal(stopped.q.exception?.code, "STREAM_SOURCE_CHANGED");
  assert.match(stopped.q.exception!.message, /Version 1 .*DELETE/);
  const ignoring = await drain(table, ck, { ignoreDeletes: true });
  assert.deepEqual(ignoring.seen.flatMap((s) => s.ids), [5]);
  await tt.update({ id: "id + 100" }, "id = 0"); // rewrites data: not a pure delete
  await tt.write(rows(7, 1, "a"));
  assert.equal((await drain(table, ck, { ignoreDeletes: true })).q.exception?.code, "STREAM_SOURCE_CHANGED");
  const skipping = await drain(table, ck, { skipChangeCommits: true });
  assert.deepEqual(skipping.seen.flatMap((s) => s.ids), [7]);
  duck.close();
});

test("readChangeFeed streams inserts, update images and deletes with _change_type", async (t) => {
  const duck = await Duck.open();
  const dir = tmpDir(t);
  const table = path.join(dir, "t");
  const tt = DeltaTable.forPath(table, duck);
  await tt.write(rows(0, 2), { properties: { "delta.enableChangeDataFeed": "true" } });
  const ck = path.join(dir, "ck");
  const got: string[] = [];
  const run = async () => {
    const q = await readStream.delta(table, { readChangeFeed: true }).writeStream(
      { foreachBatch: async (b) => void got.push(...(await b.rows<{ id: bigint; _change_type: string; _commit_version: bigint }>()).map((r) => `${r._commit_version}:${r._change_type}:${r.id}`).sort()) },
      { queryName: "cdf", checkpointLocation: ck, trigger: "availableNow" },
    );
    await q.awaitTermination();
  };
  await run();
  await tt.update({ id: "id + 10" }, "id = 1");
  await tt.delete("id = 0");
  await run();
  assert.deepEqual(got, ["0:insert:0", "0:insert:1", "1:update_postimage:11", "1:update_preimage:1", "2:delete:0"]);
  const plain = DeltaTable.forPath(path.join(dir, "plain"), duck);
  await plain.write(rows(0, 1));
  const q = await readStream.delta(plain.path, { readChangeFeed: true }).writeStream({ foreachBatch: () => {} }, { checkpointLocation: path.join(dir, "ck2"), queryName: "cdf2" }).catch((e) => e);
  assert.equal((q as { code?: string }).code, "DELTA_UNSUPPORTED_FEATURE");
  duck.close();
});

test("bronze to silver: a Delta-to-Delta query is exactly-once across restarts", async (t) => {
  const duck = await Duck.open();
  const dir = tmpDir(t);
  const bronze = DeltaTable.forPath(path.join(dir, "bronze"), duck);
  const silverPath = path.join(dir, "silver");
  await bronze.write(rows(0, 5));
  const run = async () => {
    const q = await readStream.delta(bronze.path, { maxFilesPerTrigger: 1 }).where("id % 2 = 0").withColumn("doubled", "id * 2").writeStream({ format: "delta", path: silverPath }, { queryName: "silver", checkpointLocation: path.join(dir, "ck"), trigger: "availableNow" });
    await q.awaitTermination();
  };
  await run();
  await bronze.write(rows(5, 5));
  await run();
  await run();
  const silver = await DeltaTable.forPath(silverPath, duck).toRows<{ id: bigint; doubled: bigint }>();
  assert.deepEqual(silver.map((r) => Number(r.id)).sort((a, b) => a - b), [0, 2, 4, 6, 8]);
  assert.ok(silver.every((r) => r.doubled === r.id * 2n));
  duck.close();
});

test("a batch replayed after a crash reads the same snapshot even when the source table moved on", async (t) => {
  const { spawnSync } = await import("node:child_process");
  const duck = await Duck.open();
  const dir = tmpDir(t);
  const bronze = DeltaTable.forPath(path.join(dir, "bronze"), duck);
  const silver = path.join(dir, "silver");
  await bronze.write(rows(0, 3));
  await bronze.write(rows(3, 3));
  const lib = path.resolve(__dirname, "../../lib/index.js");
  const script = `const sl = require(${JSON.stringify(lib)});
    sl.readStream.delta(${JSON.stringify(bronze.path)}, { maxFilesPerTrigger: 1 })
      .writeStream({ format: "delta", path: ${JSON.stringify(silver)} }, { queryName: "replay", checkpointLocation: ${JSON.stringify(path.join(dir, "ck"))}, trigger: "availableNow" })
      .then((q) => q.awaitTermination()).catch((e) => { console.error(e); process.exit(1); });`;
  const killed = spawnSync(process.execPath, ["-e", script], { env: { ...process.env, STREAMLAB_CRASH_AT: "afterOffsets@0" }, encoding: "utf8" });
  assert.equal(killed.signal, "SIGKILL", killed.stderr);
  await bronze.write(rows(6, 3)); // the table moves on before the restart
  const resumed = spawnSync(process.execPath, ["-e", script], { env: { ...process.env, STREAMLAB_CRASH_AT: "" }, encoding: "utf8" });
  assert.equal(resumed.status, 0, resumed.stderr);
  const ids = (await DeltaTable.forPath(silver, duck).toRows<{ id: bigint }>()).map((r) => Number(r.id)).sort((a, b) => a - b);
  assert.deepEqual(ids, [0, 1, 2, 3, 4, 5, 6, 7, 8], "every row once: the snapshot at version 1, then version 2");
  duck.close();
});

test("stream positions compare as (version, snapshot before commits, index), whatever the index", () => {
  const at = (version: number, isStartingVersion: boolean, index: number) => ({ version, isStartingVersion, index });
  const offset = (reservoirVersion: number, isStartingVersion: boolean, index: number) => ({ sourceVersion: 1 as const, reservoirId: "t", reservoirVersion, isStartingVersion, index });
  // A starting snapshot of 600 million files stays before the first file of a later commit at the same version.
  assert.ok(compareStreamPosition(at(5, true, 600_000_000), offset(5, false, 0)) < 0);
  assert.ok(compareStreamPosition(at(5, false, 2_000_000_000), offset(6, false, -1)) < 0);
  assert.ok(compareStreamPosition(at(7, false, 3), offset(7, false, 2)) > 0);
  assert.equal(compareStreamPosition(at(7, false, -1), offset(7, false, -1)), 0);
});

test("a commit by this process wakes a Delta source's query at once: with a 60 s poll, each new version still arrives in milliseconds", async (t) => {
  const duck = await Duck.open();
  t.after(() => duck.close());
  const dir = tmpDir(t);
  const table = path.join(dir, "bronze");
  await DeltaTable.forPath(table, duck).write(rows(0, 2));
  const arrived: number[] = [];
  const q = await readStream.delta(table).writeStream({ format: "memory" }, { queryName: "woken", checkpointLocation: path.join(dir, "ck"), pollIntervalMs: 60_000, duck, listeners: [{ onQueryProgress: (e) => arrived.push(e.progress.numInputRows) }] });
  t.after(() => q.stop());
  const until = async (n: number) => {
    const started = Date.now();
    while (arrived.reduce((a, b) => a + b, 0) < n) {
      if (Date.now() - started > 10_000) throw new Error(`only ${arrived.reduce((a, b) => a + b, 0)} of ${n} rows arrived`);
      await new Promise((r) => setTimeout(r, 5));
    }
    return Date.now() - started;
  };
  await until(2);
  for (let i = 1; i <= 3; i++) {
    await DeltaTable.forPath(table, duck).write(rows(i * 10, 3));
    const waited = await until(2 + 3 * i);
    assert.ok(waited < 5_000, `version ${i} took ${waited} ms: the query waited for its poll`);
  }
});
