import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { spawn } from "node:child_process";
import { Duck } from "../../lib/duck";
import { DeltaTable } from "../../lib/delta/table";
import { Snapshot } from "../../lib/delta/snapshot";
import { writeDelta } from "../../lib/delta/write";
import { autoCompact } from "../../lib/delta/auto-compact";
import { commitPath } from "../../lib/delta/log-path";
import { readStream } from "../../lib/api/read-stream";
import { MemoryStream } from "../../lib/sources/memory-source";
import { expectCode, tmpDir } from "../helpers/tmp";

const ON = (minNumFiles: number, extra: Record<string, string> = {}) => ({ "delta.autoOptimize.autoCompact": "true", "delta.autoOptimize.autoCompact.minNumFiles": String(minNumFiles), ...extra });

const ids = async (root: string, duck: Duck) => (await DeltaTable.forPath(root, duck).toRows<{ id: bigint }>()).map((r) => Number(r.id)).sort((a, b) => a - b);
const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);

/** The actions of one commit file, as written. */
function commitActions(root: string, version: number): Record<string, any>[] {
  return fs.readFileSync(commitPath(root, version), "utf8").trim().split("\n").map((l) => JSON.parse(l));
}

/** What a snapshot says about its table, comparable across ways of building it. */
const state = (s: Snapshot) => ({ version: s.version, files: s.files.map((f) => f.path).sort(), tombstones: s.tombstones.map((r) => r.path).sort(), txns: [...s.txns.entries()].sort() });

test("without the property (or with it false) every write's small file stays: no OPTIMIZE commit", async (t) => {
  const duck = await Duck.open();
  t.after(() => duck.close());
  for (const properties of [{}, { "delta.autoOptimize.autoCompact": "false", "delta.autoOptimize.autoCompact.minNumFiles": "2" }] as Record<string, string>[]) {
    const root = path.join(tmpDir(t), "t");
    for (let i = 0; i < 8; i++) {
      const r = await writeDelta(root, `SELECT ${i}::BIGINT AS id`, { duck, properties });
      assert.equal(r.autoCompactVersion, undefined);
    }
    const table = DeltaTable.forPath(root, duck);
    assert.equal((await table.snapshot()).files.length, 8);
    assert.deepEqual(table.history().map((h) => h.operation), Array(8).fill("WRITE"));
  }
});

test("with it on, a partition the write touched is compacted once it holds minNumFiles small files; other partitions stay; rows are kept", async (t) => {
  const duck = await Duck.open();
  t.after(() => duck.close());
  const root = path.join(tmpDir(t), "t");
  const opts = { duck, partitionBy: ["p"], properties: ON(3) };
  // p=0 receives writes 0, 2, 4 (its third small file at write 4); p=1 receives writes 1, 3 only.
  const versions: (number | undefined)[] = [];
  for (let i = 0; i < 5; i++) versions.push((await writeDelta(root, `SELECT ${i}::BIGINT AS id, ${i % 2}::INTEGER AS p`, opts)).autoCompactVersion);
  assert.deepEqual(versions, [undefined, undefined, undefined, undefined, 5], "the write of version 4 set off the compaction, committed as version 5");
  const table = DeltaTable.forPath(root, duck);
  const snap = await table.snapshot();
  assert.equal(snap.version, 5);
  const perPartition = (p: string) => snap.files.filter((f) => f.partitionValues.p === p).length;
  assert.equal(perPartition("0"), 1, "p=0's three files became one");
  assert.equal(perPartition("1"), 2, "p=1 (two files, below the threshold, and not touched by the write) is left alone");
  assert.deepEqual(await ids(root, duck), range(5));

  const h = table.history(1)[0]!;
  assert.equal(h.operation, "OPTIMIZE");
  assert.equal(h.operationParameters.auto, true);
  assert.equal(h.operationParameters.zOrderBy, "[]");
  assert.deepEqual(JSON.parse(String(h.operationParameters.predicate)), [`"p" = '0'`], "the partition the write touched, only");
  assert.equal(h.isolationLevel, "SnapshotIsolation");
  assert.equal(h.operationMetrics?.numRemovedFiles, "3");
  assert.equal(h.operationMetrics?.numAddedFiles, "1");
  const actions = commitActions(root, 5);
  const files = actions.filter((a) => a.add || a.remove);
  assert.equal(files.length, 4);
  assert.ok(files.every((a) => (a.add ?? a.remove).dataChange === false), "every add and remove has dataChange=false");
  assert.equal(actions[0]!.commitInfo.isBlindAppend, false);

  // A manual OPTIMIZE records auto: false, as Delta does; it sets off no auto compaction of its own.
  const r = await table.optimize();
  assert.equal(table.history(1)[0]!.operationParameters.auto, false);
  assert.equal((await table.snapshot()).version, r.version);
});

test("a stream writing one file per batch keeps its small files below minNumFiles + 1, every row exactly once (Delta sink)", async (t) => {
  const duck = await Duck.open();
  t.after(() => duck.close());
  const dir = tmpDir(t);
  const root = path.join(dir, "t");
  const input = new MemoryStream(["id"]);
  const q = await readStream.memory(input).writeStream({ format: "delta", path: root, options: { properties: ON(5) } }, { checkpointLocation: path.join(dir, "ck"), duck });
  let compactions = 0;
  try {
    for (let i = 0; i < 20; i++) {
      input.addData([{ id: i }]);
      await q.processAllAvailable();
      const active = (await Snapshot.load(root, { duck })).files.length;
      assert.ok(active < 5 + 1, `after batch ${i}: ${active} active files`);
      if (q.lastProgress!.sink.metrics.autoCompactVersion !== undefined) compactions++;
    }
  } finally {
    await q.stop();
  }
  assert.deepEqual(await ids(root, duck), range(20));
  const history = DeltaTable.forPath(root, duck).history();
  const auto = history.filter((h) => h.operation === "OPTIMIZE" && h.operationParameters.auto === true);
  assert.equal(auto.length, compactions, "each compaction is reported in the batch's sink metrics");
  assert.ok(auto.length >= 4, `20 one-file batches with minNumFiles=5 compact at least 4 times (got ${auto.length})`);
  assert.equal(history.filter((h) => h.operation === "STREAMING UPDATE").length, 20, "one commit per batch besides the compactions");
});

test("a stream with auto compaction while another process appends to the same table: every row exactly once", { timeout: 180_000 }, async (t) => {
  const duck = await Duck.open();
  t.after(() => duck.close());
  const dir = tmpDir(t);
  const root = path.join(dir, "t");
  await writeDelta(root, "SELECT -1::BIGINT AS id", { duck, properties: ON(3) });
  const input = new MemoryStream(["id"]);
  const q = await readStream.memory(input).select("CAST(id AS BIGINT) AS id").writeStream({ format: "delta", path: root }, { checkpointLocation: path.join(dir, "ck"), duck });
  const writeModule = path.resolve(__dirname, "../../lib/delta/write.js");
  const script = `
    const { writeDelta } = require(${JSON.stringify(writeModule)});
    (async () => { for (let i = 1000; i < 1020; i++) await writeDelta(${JSON.stringify(root)}, "SELECT " + i + "::BIGINT AS id"); })()
      .then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });`;
  const child = spawn(process.execPath, ["-e", script], { stdio: "inherit" });
  const exit = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  try {
    for (let i = 0; i < 20; i++) {
      input.addData([{ id: i }]);
      await q.processAllAvailable();
    }
  } finally {
    await q.stop();
  }
  assert.equal(await exit, 0);
  assert.deepEqual(await ids(root, duck), [-1, ...range(20), ...range(20, 1000)]);
  const history = DeltaTable.forPath(root, duck).history();
  assert.equal(history.filter((h) => h.operation === "STREAMING UPDATE").length, 20);
  assert.ok(history.some((h) => h.operation === "OPTIMIZE" && h.operationParameters.auto === true));
});

test("the snapshot a write returns is the table after its auto compaction, equal to the table loaded from its log", async (t) => {
  const duck = await Duck.open();
  t.after(() => duck.close());
  const root = path.join(tmpDir(t), "t");
  let snapshot: Snapshot | undefined;
  let compacted = 0;
  for (let i = 0; i < 10; i++) {
    const r = await writeDelta(root, `SELECT ${i}::BIGINT AS id`, { duck, snapshot, properties: ON(3), txnAppId: "app", txnVersion: i });
    if (i === 0) continue;
    assert.ok(r.snapshot);
    if (r.autoCompactVersion !== undefined) {
      compacted++;
      assert.equal(r.snapshot!.version, r.autoCompactVersion, "the snapshot is the post-compaction one");
    } else assert.equal(r.snapshot!.version, r.version);
    assert.deepEqual(state(r.snapshot!), state(await Snapshot.load(root, { duck })), `after write ${i}`);
    assert.equal(r.snapshot!.update(), r.snapshot, "nothing newer to read");
    snapshot = r.snapshot;
  }
  assert.ok(compacted >= 3);
  // A snapshot kept from before a compaction picks it up through update().
  const before = await Snapshot.load(root, { duck, version: 2 });
  assert.deepEqual(state(before.update()), state(await Snapshot.load(root, { duck })));
});

test("maxFileSize: files at or above it are not small, are not counted and are not rewritten", async (t) => {
  const duck = await Duck.open();
  t.after(() => duck.close());
  const root = path.join(tmpDir(t), "t");
  const opts = { duck, properties: ON(3, { "delta.autoOptimize.autoCompact.maxFileSize": "4kb" }) };
  await writeDelta(root, "SELECT i::BIGINT AS id, md5(i::VARCHAR) AS s FROM range(1000, 11000) r(i)", opts);
  const big = (await Snapshot.load(root, { duck })).files[0]!;
  assert.ok(big.size >= 4096, `the first file is big (${big.size} bytes)`);
  for (let i = 0; i < 2; i++) assert.equal((await writeDelta(root, `SELECT ${i}::BIGINT AS id, 'x' AS s`, opts)).autoCompactVersion, undefined, "three files, two of them small");
  const r = await writeDelta(root, "SELECT 2::BIGINT AS id, 'x' AS s", opts);
  assert.equal(r.autoCompactVersion, 4);
  const files = (await Snapshot.load(root, { duck })).files;
  assert.equal(files.length, 2);
  assert.ok(files.some((f) => f.path === big.path), "the big file is untouched");
  assert.equal((await ids(root, duck)).length, 10_003);
});

test('"auto" and "legacy" turn it on like "true"; other values are refused when the table is created', async (t) => {
  const duck = await Duck.open();
  t.after(() => duck.close());
  for (const value of ["auto", "LEGACY"]) {
    const root = path.join(tmpDir(t), "t");
    const properties = { "delta.autoOptimize.autoCompact": value, "delta.autoOptimize.autoCompact.minNumFiles": "2" };
    await writeDelta(root, "SELECT 1::BIGINT AS id", { duck, properties });
    assert.equal((await writeDelta(root, "SELECT 2::BIGINT AS id", { duck })).autoCompactVersion, 2, value);
  }
  const dir = tmpDir(t);
  for (const [k, v] of [["delta.autoOptimize.autoCompact", "yes"], ["delta.autoOptimize.autoCompact.minNumFiles", "1"], ["delta.autoOptimize.autoCompact.minNumFiles", "many"], ["delta.autoOptimize.autoCompact.maxFileSize", "big"]] as const) {
    const err = await expectCode(() => writeDelta(path.join(dir, `t-${k}-${v}`), "SELECT 1::BIGINT AS id", { duck, properties: { "delta.autoOptimize.autoCompact": "true", [k]: v } }), "INVALID_OPTION");
    assert.ok(err.message.includes(k), err.message);
    await expectCode(() => DeltaTable.create(path.join(dir, `c-${k}-${v}`), "id BIGINT", { duck, properties: { [k]: v } }), "INVALID_OPTION");
  }
});

test("a failing auto compaction never fails the write: it warns, and commits nothing", async (t) => {
  const duck = await Duck.open();
  t.after(() => duck.close());
  const root = path.join(tmpDir(t), "t");
  await writeDelta(root, "SELECT 0::BIGINT AS id", { duck, properties: ON(3) });
  await writeDelta(root, "SELECT 1::BIGINT AS id", { duck });
  // A data file the compaction must read is gone.
  const lost = (await Snapshot.load(root, { duck })).files[0]!;
  fs.rmSync(path.join(root, lost.path));
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(w.message);
  process.on("warning", onWarning);
  t.after(() => process.off("warning", onWarning));
  const r = await writeDelta(root, "SELECT 2::BIGINT AS id", { duck });
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(r.version, 2);
  assert.equal(r.autoCompactVersion, undefined);
  assert.equal((await Snapshot.load(root, { duck })).version, 2, "no compaction committed");
  assert.ok(warnings.some((w) => /auto compaction after version 2/.test(w)), warnings.join("\n"));
  const parquet = fs.readdirSync(root).filter((f) => f.endsWith(".parquet"));
  assert.equal(parquet.length, 2, "the compaction's own output was taken back");
});

test("auto compaction commutes with an append to the same partition that lands between its read and its commit", async (t) => {
  const duck = await Duck.open();
  t.after(() => duck.close());
  const root = path.join(tmpDir(t), "t");
  for (let i = 0; i < 3; i++) await writeDelta(root, `SELECT ${i}::BIGINT AS id, 0 AS p`, { duck, partitionBy: ["p"] });
  // The compaction's read: version 2, seen with the property on (the table itself has it off, so
  // the appender below does not compact by itself and the race is the only thing tested).
  const v2 = await Snapshot.load(root, { duck });
  const read = new Snapshot(v2.tableRoot, v2.version, v2.protocol, { ...v2.metadata, configuration: ON(3) }, v2.files, v2.txns, v2.commitInfo, v2.segment, v2.domains, v2.tombstones);
  // Another writer appends to the same partition before the compaction commits.
  await writeDelta(root, "SELECT 10::BIGINT AS id, 0 AS p", { duck });
  const r = await autoCompact(read, read.files.slice(-1), duck);
  assert.equal(r?.version, 4, "committed after the concurrent append, without a conflict");
  assert.equal(r!.numFilesRemoved, 3);
  assert.equal(r!.snapshot, undefined, "not derived from the read alone: the caller's update() reads both commits");
  const after = await Snapshot.load(root, { duck });
  assert.equal(after.files.length, 2, "the compacted file and the appended one");
  assert.deepEqual(await ids(root, duck), [0, 1, 2, 10]);
  assert.deepEqual(state(v2.update()), state(after));
});

test("a concurrent appender process while auto compaction runs: nothing is lost, nothing doubled", { timeout: 180_000 }, async (t) => {
  const duck = await Duck.open();
  t.after(() => duck.close());
  const root = path.join(tmpDir(t), "t");
  await writeDelta(root, "SELECT 0::BIGINT AS id", { duck, properties: ON(3) });
  const writeModule = path.resolve(__dirname, "../../lib/delta/write.js");
  const script = `
    const { writeDelta } = require(${JSON.stringify(writeModule)});
    (async () => { for (let i = 1000; i < 1030; i++) await writeDelta(${JSON.stringify(root)}, "SELECT " + i + "::BIGINT AS id"); })()
      .then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });`;
  const child = spawn(process.execPath, ["-e", script], { stdio: "inherit" });
  const exit = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  let snapshot: Snapshot | undefined;
  for (let i = 1; i <= 30; i++) snapshot = (await writeDelta(root, `SELECT ${i}::BIGINT AS id`, { duck, snapshot })).snapshot;
  assert.equal(await exit, 0);
  assert.deepEqual(await ids(root, duck), [...range(31), ...range(30, 1000)]);
  const history = DeltaTable.forPath(root, duck).history();
  assert.ok(history.some((h) => h.operation === "OPTIMIZE" && h.operationParameters.auto === true), "compactions ran");
  // 61 one-row writes; whatever the interleaving, compactions keep the files far fewer.
  const files = (await Snapshot.load(root, { duck })).files.length;
  assert.ok(files < 10, `${files} active files`);
});
