import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { Duck } from "../../lib/duck";
import { DeltaTable } from "../../lib/delta/table";
import { expectCode, tmpDir } from "../helpers/tmp";

/** ids 0..n-1 (+offset), part k0..k3 by id % 4, amount id * 10. */
const ROWS = (n: number, offset = 0) =>
  `SELECT (range + ${offset})::BIGINT AS id, 'k' || ((range + ${offset}) % 4) AS part, ((range + ${offset}) * 10)::BIGINT AS amount FROM range(${n})`;

async function state(table: DeltaTable, version?: number): Promise<string[]> {
  const rows = await table.toRows<{ id: bigint; part: string; amount: bigint }>({ version });
  return rows.map((r) => `${r.id}:${r.part}:${r.amount}`).sort();
}

function expected(ids: number[], amount: (id: number) => number = (id) => id * 10): string[] {
  return ids.map((id) => `${id}:k${id % 4}:${amount(id)}`).sort();
}

const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);

test("DELETE rewrites only the files that hold matching rows", async (t) => {
  const duck = await Duck.open();
  const table = DeltaTable.forPath(path.join(tmpDir(t), "t"), duck);
  await table.write(ROWS(40), { partitionBy: ["part"] });
  const r = await table.delete("id >= 30 AND part = 'k1'");
  assert.deepEqual([r.numDeletedRows, r.numRemovedFiles, r.numAddedFiles], [2, 1, 1], "ids 33 and 37, in the k1 file only");
  const whole = await table.delete("part = 'k2'");
  assert.deepEqual([whole.numDeletedRows, whole.numRemovedFiles, whole.numAddedFiles], [10, 1, 0], "a fully matching file is just removed");
  assert.equal((await table.delete("id > 1000")).version, null, "no match, no commit");
  const remaining = range(0, 40).filter((id) => !(id >= 30 && id % 4 === 1) && id % 4 !== 2);
  assert.deepEqual(await state(table), expected(remaining));
  assert.deepEqual(await state(table, 0), expected(range(0, 40)), "time travel still sees the deleted rows");
  const h = table.history(2);
  assert.equal(h[0]!.operation, "DELETE");
  assert.equal(h[0]!.operationMetrics.numDeletedRows, "10");
  duck.close();
});

test("UPDATE sets columns with SQL expressions on matching rows", async (t) => {
  const duck = await Duck.open();
  const table = DeltaTable.forPath(path.join(tmpDir(t), "t"), duck);
  await table.write(ROWS(12), { partitionBy: ["part"] });
  const r = await table.update({ amount: "amount + 1" }, "part = 'k0' AND id > 0");
  assert.equal(r.numUpdatedRows, 2);
  assert.deepEqual(await state(table), expected(range(0, 12), (id) => (id % 4 === 0 && id > 0 ? id * 10 + 1 : id * 10)));
  await expectCode(() => table.update({ nope: "1" }), "INVALID_ARGUMENT");
  duck.close();
});

test("MERGE: matched update/delete, not matched insert, not matched by source delete; several matches are an error", async (t) => {
  const duck = await Duck.open();
  const table = DeltaTable.forPath(path.join(tmpDir(t), "t"), duck);
  await table.write(ROWS(10));
  // Source: ids 5..14; ids 5-6 flagged for deletion; the rest carry a new amount.
  const source = `SELECT range::BIGINT AS id, 'k' || (range % 4) AS part, -range::BIGINT AS amount, CASE WHEN range IN (5, 6) THEN 'D' ELSE 'U' END AS op FROM range(5, 15)`;
  const r = await table.merge({
    source,
    on: "t.id = s.id",
    clauses: [
      { when: "matched", then: "delete", condition: "s.op = 'D'" },
      { when: "matched", then: "update", set: { amount: "s.amount" } },
      { when: "notMatched", then: "insert", values: "*" },
      { when: "notMatchedBySource", then: "delete", condition: "t.id < 2" },
    ],
  });
  assert.deepEqual(
    [r.numSourceRows, r.numTargetRowsUpdated, r.numTargetRowsDeleted, r.numTargetRowsInserted],
    [10, 3, 4, 5],
    "updated 7-9; deleted 5, 6 (matched) and 0, 1 (not matched by source); inserted 10-14",
  );
  const want = [
    ...expected([2, 3, 4]),
    ...expected([7, 8, 9], (id) => -id),
    ...expected(range(10, 15), (id) => -id),
  ].sort();
  assert.deepEqual(await state(table), want);
  assert.equal(table.history(1)[0]!.operation, "MERGE");

  const before = (await table.snapshot()).version;
  const dup = await expectCode(
    () => table.merge({ source: "SELECT 2::BIGINT AS id, 'x' AS part, 1::BIGINT AS amount FROM range(2)", on: "t.id = s.id", clauses: [{ when: "matched", then: "update", set: "*" }] }),
    "DELTA_MERGE_MULTIPLE_MATCHES",
  );
  assert.match(dup.message, /1 target row was matched by more than one source row/);
  assert.equal((await table.snapshot()).version, before, "nothing was committed");
  // Inserting only: duplicates in the source are fine when no matched clause exists.
  const ins = await table.merge({ source: "SELECT 100::BIGINT AS id, 'k0' AS part, 1::BIGINT AS amount FROM range(2)", on: "t.id = s.id", clauses: [{ when: "notMatched", then: "insert", values: "*" }] });
  assert.equal(ins.numTargetRowsInserted, 2);
  duck.close();
});

test("OPTIMIZE bin-packs small files per partition without changing data", async (t) => {
  const duck = await Duck.open();
  const table = DeltaTable.forPath(path.join(tmpDir(t), "t"), duck);
  await table.write(ROWS(4), { partitionBy: ["part"] });
  for (let i = 1; i < 6; i++) await table.write(ROWS(4, i * 4));
  assert.equal((await table.snapshot()).files.length, 24);
  const before = await state(table);
  const r = await table.optimize();
  assert.deepEqual([r.numFilesRemoved, r.numFilesAdded, r.partitionsOptimized], [24, 4, 4]);
  assert.deepEqual(await state(table), before);
  const last = table.history(1)[0]!;
  assert.equal(last.operation, "OPTIMIZE");
  const log = fs.readFileSync(path.join(table.path, "_delta_log", `${String(r.version).padStart(20, "0")}.json`), "utf8");
  assert.ok(!log.includes('"dataChange":true'), "OPTIMIZE changes no data");
  assert.equal((await table.optimize()).version, null, "nothing left to compact");
  duck.close();
});

test("VACUUM keeps what the retention window needs, refuses short retention, supports dry runs", async (t) => {
  const duck = await Duck.open();
  const table = DeltaTable.forPath(path.join(tmpDir(t), "t"), duck);
  await table.write(ROWS(8));
  await table.write(ROWS(8, 8), { mode: "overwrite" });
  const old = (await table.snapshot({ version: 0 })).files.map((f) => decodeURIComponent(f.path));
  // An untracked file from long ago, and one just written (a commit may be in progress).
  const stale = path.join(table.path, "orphan-old.parquet");
  const fresh = path.join(table.path, "orphan-new.parquet");
  fs.writeFileSync(stale, "x");
  fs.writeFileSync(fresh, "x");
  const tenDaysAgo = new Date(Date.now() - 10 * 86_400_000);
  fs.utimesSync(stale, tenDaysAgo, tenDaysAgo);

  let r = await table.vacuum();
  assert.deepEqual(r.files, ["orphan-old.parquet"], "recently removed files and fresh untracked files stay");
  assert.ok(!fs.existsSync(stale) && fs.existsSync(fresh));

  await expectCode(() => table.vacuum({ retentionHours: 0 }), "DELTA_RETENTION_TOO_SHORT");
  r = await table.vacuum({ retentionHours: 0, retentionCheckEnabled: false, dryRun: true });
  assert.deepEqual(r.files, [...old, "orphan-new.parquet"].sort());
  assert.ok(old.every((f) => fs.existsSync(path.join(table.path, f))), "a dry run deletes nothing");
  await new Promise((res) => setTimeout(res, 5));
  r = await table.vacuum({ retentionHours: 0, retentionCheckEnabled: false });
  assert.ok(old.every((f) => !fs.existsSync(path.join(table.path, f))));
  assert.deepEqual(await state(table), expected(range(8, 16)), "the current version is intact");
  await assert.rejects(() => table.toRows({ version: 0 }), "the vacuumed version can no longer be read");
  await expectCode(() => table.restore({ version: 0 }), "DELTA_VERSION_NOT_FOUND");
  duck.close();
});

test("RESTORE brings back an earlier version as a new commit", async (t) => {
  const duck = await Duck.open();
  const table = DeltaTable.forPath(path.join(tmpDir(t), "t"), duck);
  await table.write(ROWS(6));
  await table.write(ROWS(6, 6));
  await table.delete("id < 3");
  const r = await table.restore({ version: 1 });
  assert.equal(r.version, 3);
  assert.equal(r.restoredVersion, 1);
  assert.deepEqual(await state(table), expected(range(0, 12)));
  assert.equal(table.history(1)[0]!.operation, "RESTORE");
  assert.deepEqual(await state(table, 2), expected(range(3, 12)), "history is kept");
  duck.close();
});

test("Change Data Feed: inserts, update pre/post images and deletes with versions and timestamps", async (t) => {
  const duck = await Duck.open();
  const table = DeltaTable.forPath(path.join(tmpDir(t), "t"), duck);
  await table.write(ROWS(4), { properties: { "delta.enableChangeDataFeed": "true" } });
  assert.equal((await table.snapshot()).protocol.minWriterVersion, 4, "CDF needs writer version 4");
  await table.update({ amount: "amount + 5" }, "id = 1");
  await table.delete("id = 2");
  await table.merge({ source: "SELECT 3::BIGINT AS id, 'k3' AS part, 99::BIGINT AS amount UNION ALL SELECT 7, 'k3', 70", on: "t.id = s.id", clauses: [{ when: "matched", then: "update", set: "*" }, { when: "notMatched", then: "insert", values: "*" }] });
  const changes = await table.readChanges(0);
  const rows = await duck.all<{ id: bigint; amount: bigint; _change_type: string; _commit_version: bigint; _commit_timestamp: Date }>(`SELECT * FROM (${changes.sql}) ORDER BY _commit_version, id, _change_type`);
  await changes.close();
  const got = rows.map((r) => `${r._commit_version} ${r._change_type} ${r.id}:${r.amount}`);
  assert.deepEqual(got, [
    "0 insert 0:0", "0 insert 1:10", "0 insert 2:20", "0 insert 3:30",
    "1 update_postimage 1:15", "1 update_preimage 1:10",
    "2 delete 2:20",
    "3 update_postimage 3:99", "3 update_preimage 3:30", "3 insert 7:70",
  ]);
  assert.ok(rows.every((r) => r._commit_timestamp instanceof Date));
  const only = await table.readChanges(2, 2);
  assert.equal(await only.count(), 1);
  const plain = DeltaTable.forPath(path.join(tmpDir(t), "plain"), duck);
  await plain.write(ROWS(2));
  await expectCode(() => plain.readChanges(0), "DELTA_UNSUPPORTED_FEATURE");
  duck.close();
});
