import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { Duck } from "../../lib/duck";
import { DeltaTable } from "../../lib/delta/table";
import { Snapshot } from "../../lib/delta/snapshot";
import { writeDelta } from "../../lib/delta/write";
import { readStream } from "../../lib/api/read-stream";
import { MemoryStream } from "../../lib/sources/memory-source";
import { expectCode, tmpDir } from "../helpers/tmp";

/** What a snapshot says about its table, comparable across ways of building it. */
function state(s: Snapshot) {
  return {
    version: s.version,
    files: s.files.map((f) => f.path).sort(),
    tombstones: s.tombstones.map((r) => r.path).sort(),
    txns: [...s.txns.entries()].sort(),
    schema: s.metadata.schemaString,
    // A checkpoint stores absent features as nulls: the same protocol.
    protocol: [s.protocol.minReaderVersion, s.protocol.minWriterVersion, s.protocol.readerFeatures ?? [], s.protocol.writerFeatures ?? []],
    domains: [...s.domains.entries()].sort(),
  };
}

test("a snapshot advanced by each write's own commit equals the table loaded from its log, through appends, mergeSchema, DML, OPTIMIZE and a checkpoint", async (t) => {
  const duck = await Duck.open();
  t.after(() => duck.close());
  const root = path.join(tmpDir(t), "t");
  const table = DeltaTable.forPath(root, duck);
  let snapshot: Snapshot | undefined;
  for (let i = 0; i < 12; i++) {
    const sql = i === 5 ? `SELECT ${i}::BIGINT AS id, 'n' AS note` : `SELECT ${i}::BIGINT AS id`;
    const r = await writeDelta(root, sql, { duck, snapshot, mergeSchema: i === 5, txnAppId: "app", txnVersion: i });
    if (i === 0) continue; // the write that creates the table has no snapshot to advance: the next one loads it
    assert.ok(r.snapshot, `write ${i} returns the table at its version`);
    assert.equal(r.snapshot!.version, r.version);
    assert.deepEqual(state(r.snapshot!), state(await Snapshot.load(root, { duck })), `after write ${i}`);
    snapshot = r.snapshot;
  }
  // Others change the table: update() reads only their commits and agrees with a full load.
  await table.delete("id = 3");
  await table.update({ note: "'u'" }, "id = 4");
  await table.optimize();
  const updated = snapshot!.update();
  assert.equal(updated.version, snapshot!.version + 3);
  assert.deepEqual(state(updated), state(await Snapshot.load(root, { duck })));
  assert.equal(updated.update(), updated, "nothing new: the same snapshot");
  // A replayed txn is skipped against the kept snapshot too.
  const again = await writeDelta(root, "SELECT 99::BIGINT AS id", { duck, snapshot: updated, txnAppId: "app", txnVersion: 11 });
  assert.equal(again.skipped, true);
  assert.equal(await (await table.scan()).count(), 11);
});

test("a streaming query's Delta sink keeps its snapshot, yet another writer's commits between its batches are kept and its own are exactly once", async (t) => {
  const duck = await Duck.open();
  t.after(() => duck.close());
  const dir = tmpDir(t);
  const root = path.join(dir, "t");
  const input = new MemoryStream(["id"]);
  const q = await readStream.memory(input).writeStream({ format: "delta", path: root }, { checkpointLocation: path.join(dir, "ck"), duck });
  for (let i = 0; i < 6; i++) {
    input.addData([{ id: i }]);
    await q.processAllAvailable();
    // Another process appends between the query's batches.
    const other = spawnSync(process.execPath, ["-e", `require(${JSON.stringify(path.join(__dirname, "..", "..", "lib", "delta", "write.js"))}).writeDelta(${JSON.stringify(root)}, "SELECT ${100 + i}::INTEGER AS id").catch((e) => { console.error(e); process.exit(1); })`], { encoding: "utf8" });
    assert.equal(other.status, 0, other.stderr);
  }
  await q.stop();
  const ids = (await DeltaTable.forPath(root, duck).toRows<{ id: bigint }>()).map((r) => Number(r.id)).sort((a, b) => a - b);
  assert.deepEqual(ids, [0, 1, 2, 3, 4, 5, 100, 101, 102, 103, 104, 105]);
  const snap = await Snapshot.load(root, { duck });
  assert.equal(snap.version, 11, "one commit per batch and per outside append");
});

test("a snapshot reads the log while DuckDB opens: DuckDB is needed for a checkpoint only, and a session that fails to open is reported, never left unhandled", async (t) => {
  const duck = await Duck.open();
  const root = path.join(tmpDir(t), "t");
  await writeDelta(root, "SELECT 1::BIGINT AS id", { duck, properties: { "delta.checkpointInterval": "2" } });
  await writeDelta(root, "SELECT 2::BIGINT AS id", { duck });
  const broken = () => Promise.reject(new Error("DuckDB could not start"));
  // No checkpoint: the commits alone make the snapshot.
  assert.equal((await Snapshot.load(root, { duck: broken() })).files.length, 2);
  // A missing table is that error, whatever the session does.
  await expectCode(() => Snapshot.load(path.join(root, "missing"), { duck: broken() }), "DELTA_TABLE_NOT_FOUND");
  // With a checkpoint, the session's failure is the error; a session still opening is waited for.
  await writeDelta(root, "SELECT 3::BIGINT AS id", { duck }); // version 2: a checkpoint
  assert.ok(fs.existsSync(path.join(root, "_delta_log", "00000000000000000002.checkpoint.parquet")));
  await assert.rejects(Snapshot.load(root, { duck: broken() }), /DuckDB could not start/);
  const opening = new Promise<Duck>((resolve) => setTimeout(() => resolve(duck), 50));
  assert.equal((await Snapshot.load(root, { duck: opening })).files.length, 3);
  duck.close();
});
