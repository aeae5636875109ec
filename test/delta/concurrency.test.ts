import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { spawn } from "node:child_process";
import { Duck } from "../../lib/duck";
import { DeltaTable } from "../../lib/delta/table";
import { Snapshot } from "../../lib/delta/snapshot";
import { Transaction } from "../../lib/delta/transaction";
import { writeDataFiles } from "../../lib/delta/data-files";
import { removeAction } from "../../lib/delta/operations/rewrite";
import { listLog } from "../../lib/delta/log-segment";
import { expectCode, tmpDir } from "../helpers/tmp";

const writeModule = path.resolve(__dirname, "../../lib/delta/write.js");

function appender(table: string, proc: number, commits: number): Promise<number> {
  const script = `
    const { writeDelta } = require(${JSON.stringify(writeModule)});
    (async () => {
      for (let i = 0; i < ${commits}; i++) {
        await writeDelta(${JSON.stringify(table)}, "SELECT ${proc * 100000}::BIGINT + " + i + " AS id, ${proc}::INTEGER AS proc");
      }
    })().catch((e) => { console.error(e); process.exit(1); });`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "inherit", "inherit"] });
    child.on("error", reject);
    child.on("exit", (code) => resolve(code ?? 1));
  });
}

test("two OS processes appending 100 commits each: 200 new versions, every row exactly once", { timeout: 240_000 }, async (t) => {
  const duck = await Duck.open();
  const table = path.join(tmpDir(t), "shared");
  await DeltaTable.forPath(table, duck).write("SELECT 0::BIGINT AS id, 0::INTEGER AS proc", { properties: { "delta.checkpointInterval": "25" } });
  const codes = await Promise.all([appender(table, 1, 100), appender(table, 2, 100)]);
  assert.deepEqual(codes, [0, 0]);
  const listing = listLog(table);
  assert.deepEqual(listing.commits.map((c) => c.version), Array.from({ length: 201 }, (_, i) => i), "contiguous versions 0..200");
  const rows = await DeltaTable.forPath(table, duck).toRows<{ id: bigint; proc: number }>();
  assert.equal(rows.length, 201);
  assert.equal(new Set(rows.map((r) => r.id)).size, 201, "no row twice");
  for (const p of [1, 2]) assert.equal(rows.filter((r) => r.proc === p).length, 100);
  assert.ok(listing.checkpoints.some((c) => c.version === 200), "checkpoints were written along the way");
  duck.close();
});

test("conflicts: a file removed by a winner fails the loser; new data where it read fails too; blind appends commute", async (t) => {
  const duck = await Duck.open();
  const root = path.join(tmpDir(t), "t");
  const table = DeltaTable.forPath(root, duck);
  await table.write("SELECT range::BIGINT AS id, 'p' || (range % 2) AS part FROM range(10)", { partitionBy: ["part"] });
  const snap = await Snapshot.load(root, { duck });
  const p0 = snap.files.find((f) => f.partitionValues.part === "p0")!;

  // Two deletes of the same file, both started at version 0: the second to commit loses.
  const a = new Transaction(root, snap, duck, { operation: "DELETE" });
  a.read([p0], "part = 'p0'");
  a.addActions(removeAction(p0));
  const b = new Transaction(root, snap, duck, { operation: "DELETE" });
  b.read([p0], "part = 'p0'");
  b.addActions(removeAction(p0));
  assert.equal((await a.commit()).version, 1);
  const err = await expectCode(() => b.commit(), "DELTA_CONCURRENT_MODIFICATION");
  assert.match(err.message, /committed version 1/);
  assert.equal((err as unknown as { details: { winningVersion: number } }).details.winningVersion, 1);

  // A read of partition p1 at version 1, then someone appends into p1: the reader's commit must fail.
  const snap1 = await Snapshot.load(root, { duck });
  const p1 = snap1.files.find((f) => f.partitionValues.part === "p1")!;
  const reader = new Transaction(root, snap1, duck, { operation: "UPDATE" });
  reader.read([p1], "part = 'p1'");
  reader.addActions(removeAction(p1));
  await table.write("SELECT 100::BIGINT AS id, 'p1' AS part");
  await expectCode(() => reader.commit(), "DELTA_CONCURRENT_APPEND");

  // Appends into another partition do not conflict with it.
  const snap3 = await Snapshot.load(root, { duck });
  const p1b = snap3.files.filter((f) => f.partitionValues.part === "p1");
  const reader2 = new Transaction(root, snap3, duck, { operation: "DELETE" });
  reader2.read(p1b, "part = 'p1'");
  reader2.addActions(...p1b.map((f) => removeAction(f)));
  await table.write("SELECT 200::BIGINT AS id, 'p9' AS part");
  assert.equal((await reader2.commit()).version, 4);

  // Blind appends started from the same snapshot both land, one version apart.
  const s4 = await Snapshot.load(root, { duck });
  const out1 = await writeDataFiles(duck, root, "SELECT 300::BIGINT AS id, 'p0' AS part", s4.schema, s4.partitionColumns);
  const out2 = await writeDataFiles(duck, root, "SELECT 301::BIGINT AS id, 'p0' AS part", s4.schema, s4.partitionColumns);
  const x = new Transaction(root, s4, duck, { operation: "WRITE" });
  x.addActions(...out1.adds.map((add) => ({ add })));
  const y = new Transaction(root, s4, duck, { operation: "WRITE" });
  y.addActions(...out2.adds.map((add) => ({ add })));
  assert.equal((await x.commit()).version, 5);
  const ry = await y.commit();
  assert.equal(ry.version, 6);
  assert.equal(ry.attempts, 2);
  const ids = (await table.toRows<{ id: bigint }>()).map((r) => Number(r.id)).sort((m, n) => m - n);
  assert.deepEqual(ids, [200, 300, 301]);
  duck.close();
});

test("conflict across processes: another process deletes the files this transaction read; this commit fails naming its version", async (t) => {
  const duck = await Duck.open();
  const root = path.join(tmpDir(t), "t");
  const table = DeltaTable.forPath(root, duck);
  await table.write("SELECT range::BIGINT AS id, 'p' || (range % 2) AS part FROM range(10)", { partitionBy: ["part"] });
  const snap = await Snapshot.load(root, { duck });
  const p0 = snap.files.filter((f) => f.partitionValues.part === "p0");
  const ours = new Transaction(root, snap, duck, { operation: "UPDATE" });
  ours.read(p0, "part = 'p0'");
  ours.addActions(...p0.map((f) => removeAction(f)));
  const tableModule = path.resolve(__dirname, "../../lib/delta/table.js");
  const other = await new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, ["-e", `require(${JSON.stringify(tableModule)}).DeltaTable.forPath(${JSON.stringify(root)}).delete("part = 'p0'").then(() => process.exit(0), (e) => { console.error(e); process.exit(1); })`], { stdio: "inherit" });
    child.on("exit", (code) => resolve(code));
  });
  assert.equal(other, 0);
  const err = await expectCode(() => ours.commit(), "DELTA_CONCURRENT_MODIFICATION");
  assert.match(err.message, /committed version 1 .* removed/);
  assert.equal((await table.snapshot()).version, 1, "the loser wrote nothing");
  duck.close();
});

test("a concurrent schema change fails a writer that read the old schema", async (t) => {
  const duck = await Duck.open();
  const root = path.join(tmpDir(t), "t");
  const table = DeltaTable.forPath(root, duck);
  await table.write("SELECT 1::BIGINT AS id");
  const snap = await Snapshot.load(root, { duck });
  const out = await writeDataFiles(duck, root, "SELECT 2::BIGINT AS id", snap.schema, []);
  const late = new Transaction(root, snap, duck, { operation: "WRITE" });
  late.addActions(...out.adds.map((add) => ({ add })));
  await table.write("SELECT 3::BIGINT AS id, 'x' AS extra", { mergeSchema: true });
  const err = await expectCode(() => late.commit(), "DELTA_CONCURRENT_MODIFICATION");
  assert.match(err.message, /metadata/);
  duck.close();
});

test("an interrupted checkpoint (truncated file, stray temporary) never breaks the table", async (t) => {
  const duck = await Duck.open();
  const root = path.join(tmpDir(t), "t");
  const table = DeltaTable.forPath(root, duck);
  await table.write("SELECT 1::BIGINT AS id", { properties: { "delta.checkpointInterval": "2" } });
  await table.write("SELECT 2::BIGINT AS id");
  await table.write("SELECT 3::BIGINT AS id"); // version 2: checkpoint
  fs.writeFileSync(path.join(root, "_delta_log", ".00000000000000000004.checkpoint.parquet.999.tmp"), "partial");
  await table.write("SELECT 4::BIGINT AS id"); // version 3
  // As if a process died while writing version 3's checkpoint in place, and another left an empty one.
  fs.writeFileSync(path.join(root, "_delta_log", "00000000000000000003.checkpoint.parquet"), "PAR1");
  fs.writeFileSync(path.join(root, "_delta_log", "00000000000000000002.checkpoint.parquet"), "");
  assert.deepEqual((await table.toRows<{ id: bigint }>()).map((r) => Number(r.id)).sort(), [1, 2, 3, 4]);
  await table.write("SELECT 5::BIGINT AS id");
  assert.equal((await table.snapshot()).version, 4);
  assert.equal(await (await table.scan()).count(), 5);
  duck.close();
});
