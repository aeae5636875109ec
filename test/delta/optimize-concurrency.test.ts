import { test } from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import { spawn } from "node:child_process";
import { Duck } from "../../lib/duck";
import { DeltaTable } from "../../lib/delta/table";
import { Snapshot } from "../../lib/delta/snapshot";
import { optimize } from "../../lib/delta/operations/optimize";
import { expectCode, tmpDir } from "../helpers/tmp";

const ids = async (table: DeltaTable) => (await table.toRows<{ id: bigint }>()).map((r) => Number(r.id)).sort((a, b) => a - b);

test("OPTIMIZE commutes with appends that land while it runs (dataChange=false against blind appends)", async (t) => {
  const duck = await Duck.open();
  const root = path.join(tmpDir(t), "t");
  const table = DeltaTable.forPath(root, duck);
  for (let i = 0; i < 4; i++) await table.write(`SELECT ${i}::BIGINT AS id`);
  const read = await Snapshot.load(root, { duck });
  // Two appends commit between OPTIMIZE's read (version 3) and its commit.
  await table.write("SELECT 10::BIGINT AS id");
  await table.write("SELECT 11::BIGINT AS id");
  const r = await optimize(read, duck);
  assert.equal(r.version, 6);
  assert.equal(r.numFilesRemoved, 4);
  assert.deepEqual(await ids(table), [0, 1, 2, 3, 10, 11]);
  const snap = await table.snapshot();
  assert.equal(snap.files.length, 3, "the compacted file plus the two appended ones");
  assert.equal(table.history(1)[0]!.isolationLevel, "SnapshotIsolation");
  duck.close();
});

test("OPTIMIZE still fails when a concurrent commit removed a file it compacted", async (t) => {
  const duck = await Duck.open();
  const root = path.join(tmpDir(t), "t");
  const table = DeltaTable.forPath(root, duck);
  for (let i = 0; i < 3; i++) await table.write(`SELECT ${i}::BIGINT AS id`);
  const read = await Snapshot.load(root, { duck });
  await table.delete("id = 1");
  const err = await expectCode(() => optimize(read, duck), "DELTA_CONCURRENT_DELETE_READ");
  assert.match(err.message, /committed version 3/);
  assert.deepEqual(await ids(table), [0, 2], "the delete stands, nothing was compacted over it");
  duck.close();
});

test("OPTIMIZE in a loop while another process appends: every OPTIMIZE commits, every row stays", { timeout: 120_000 }, async (t) => {
  const duck = await Duck.open();
  const root = path.join(tmpDir(t), "t");
  const table = DeltaTable.forPath(root, duck);
  await table.write("SELECT 0::BIGINT AS id");
  const writeModule = path.resolve(__dirname, "../../lib/delta/write.js");
  const script = `
    const { writeDelta } = require(${JSON.stringify(writeModule)});
    (async () => { for (let i = 1; i <= 30; i++) await writeDelta(${JSON.stringify(root)}, "SELECT " + i + "::BIGINT AS id"); })()
      .then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });`;
  const child = spawn(process.execPath, ["-e", script], { stdio: "inherit" });
  let done = false;
  const exit = new Promise<number | null>((resolve) => child.on("exit", (code) => { done = true; resolve(code); }));
  let optimized = 0;
  while (!done) {
    const r = await table.optimize();
    if (r.version !== null) optimized++;
  }
  assert.equal(await exit, 0);
  assert.ok(optimized > 0, "at least one OPTIMIZE ran while the appends did");
  assert.deepEqual(await ids(table), Array.from({ length: 31 }, (_, i) => i));
  duck.close();
});
