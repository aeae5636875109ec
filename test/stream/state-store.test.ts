import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { Duck } from "../../lib/duck";
import { StateStore } from "../../lib/stream/state-store";
import { expectCode, tmpDir } from "../helpers/tmp";

const COLUMNS: [string, string][] = [
  ["word", "VARCHAR"],
  ["window", "STRUCT(\"start\" TIMESTAMPTZ, \"end\" TIMESTAMPTZ)"],
  ["count", "BIGINT"],
];
const win = (m: number) => `{'start': TIMESTAMPTZ '2025-01-01 12:${String(m).padStart(2, "0")}:00+00', 'end': TIMESTAMPTZ '2025-01-01 12:${String(m + 10).padStart(2, "0")}:00+00'}`;

async function rows(duck: Duck, store: StateStore): Promise<string[]> {
  const r = await duck.all<{ word: string; m: number; count: bigint }>(`SELECT word, minute("window"."start")::INT AS m, count FROM ${store.table} ORDER BY ALL`);
  return r.map((x) => `${x.word}@${x.m}=${x.count}`);
}

test("state store: versions by batch, delta files and snapshots, restored exactly at any committed version", async (t) => {
  const duck = await Duck.open();
  t.after(() => duck.close());
  const dir = path.join(tmpDir(t), "state", "0", "0");
  const open = async (version: number) => {
    const s = new StateStore(duck, dir, { keyColumns: ["word", "window"], columns: COLUMNS, snapshotInterval: 2 });
    await s.load(version);
    return s;
  };
  const s = await open(0);
  assert.deepEqual(await rows(duck, s), []);
  // batch 0 → version 1
  assert.equal(await s.put(`SELECT 'dog' AS word, ${win(0)} AS "window", 1::BIGINT AS count UNION ALL SELECT 'cat', ${win(0)}, 2`), 2);
  let m = await s.commit(1);
  assert.deepEqual([m.numRowsTotal, m.numRowsUpdated, m.numRowsRemoved], [2, 2, 0]);
  // batch 1 → version 2 (a snapshot: interval 2): dog updated, cat removed, owl added
  await s.put(`SELECT 'dog' AS word, ${win(0)} AS "window", 5::BIGINT AS count UNION ALL SELECT 'owl', ${win(5)}, 1`);
  assert.equal(await s.removeWhere(`word = 'cat'`), 1);
  m = await s.commit(2);
  assert.deepEqual([m.numRowsTotal, m.numRowsUpdated, m.numRowsRemoved], [2, 2, 1]);
  // batch 2 → version 3: a key removed after being put in the same batch is only a removal
  await s.put(`SELECT 'emu' AS word, ${win(5)} AS "window", 1::BIGINT AS count`);
  await s.removeWhere(`word = 'emu' OR word = 'owl'`);
  await s.commit(3);
  assert.deepEqual(await rows(duck, s), ["dog@0=5"]);
  await s.close();

  assert.deepEqual(fs.readdirSync(dir).sort(), ["1.delta.parquet", "2.delta.parquet", "2.snapshot.parquet", "3.delta.parquet"]);
  assert.deepEqual(await rows(duck, await open(0)), []);
  assert.deepEqual(await rows(duck, await open(1)), ["cat@0=2", "dog@0=1"]);
  assert.deepEqual(await rows(duck, await open(2)), ["dog@0=5", "owl@5=1"]);
  assert.deepEqual(await rows(duck, await open(3)), ["dog@0=5"]);

  // Re-running batch 2 (a crash before commits/2): version 2 is loaded, version 3 rewritten.
  const again = await open(2);
  await again.put(`SELECT 'yak' AS word, ${win(5)} AS "window", 7::BIGINT AS count`);
  await again.commit(3);
  assert.deepEqual(await rows(duck, await open(3)), ["dog@0=5", "owl@5=1", "yak@5=7"]);

  // Version 2 survives without its delta thanks to the snapshot; version 1 does not.
  fs.rmSync(path.join(dir, "1.delta.parquet"));
  assert.deepEqual(await rows(duck, await open(3)), ["dog@0=5", "owl@5=1", "yak@5=7"]);
  await expectCode(() => open(1), "STREAM_CHECKPOINT_CORRUPT");
  fs.writeFileSync(path.join(dir, "3.delta.parquet"), "not parquet");
  await expectCode(() => open(3), "STREAM_CHECKPOINT_CORRUPT");
});

test("state store: old versions are cleaned up once a snapshot covers them", async (t) => {
  const duck = await Duck.open();
  t.after(() => duck.close());
  const dir = path.join(tmpDir(t), "s");
  const s = new StateStore(duck, dir, { keyColumns: ["k"], columns: [["k", "INTEGER"], ["v", "BIGINT"]], snapshotInterval: 5, retainVersions: 6 });
  await s.load(0);
  for (let v = 1; v <= 20; v++) {
    await s.put(`SELECT ${v % 3} AS k, ${v}::BIGINT AS v`);
    await s.commit(v);
  }
  const versions = s.versions();
  assert.ok(versions[0]! >= 10, `old versions removed: ${versions.join(",")}`);
  const t2 = new StateStore(duck, dir, { keyColumns: ["k"], columns: [["k", "INTEGER"], ["v", "BIGINT"]] });
  await t2.load(20);
  assert.deepEqual((await duck.all<{ k: number; v: bigint }>(`SELECT k, v FROM ${t2.table} ORDER BY k`)).map((r) => [r.k, Number(r.v)]), [[0, 18], [1, 19], [2, 20]]);
  await t2.load(14);
  assert.deepEqual((await duck.all<{ k: number; v: bigint }>(`SELECT k, v FROM ${t2.table} ORDER BY k`)).map((r) => [r.k, Number(r.v)]), [[0, 12], [1, 13], [2, 14]]);
});

test("state store: memoryUsedBytes follows the rows held — grows with them, falls after eviction", async (t) => {
  const duck = await Duck.open();
  t.after(() => duck.close());
  const s = new StateStore(duck, path.join(tmpDir(t), "m"), { keyColumns: ["k"], columns: [["k", "VARCHAR"], ["v", "BIGINT"]] });
  await s.load(0);
  await s.put(`SELECT 'key-' || range AS k, range AS v FROM range(1000)`);
  const big = await s.commit(1);
  await s.removeWhere(`v >= 10`);
  const small = await s.commit(2);
  assert.equal(big.numRowsTotal, 1000);
  assert.ok(big.memoryUsedBytes >= 1000 * 8, `1000 rows take at least 8 bytes each (${big.memoryUsedBytes})`);
  assert.ok(small.memoryUsedBytes < big.memoryUsedBytes / 50, `10 rows take far less than 1000 (${small.memoryUsedBytes} vs ${big.memoryUsedBytes})`);
  await s.removeWhere("true");
  assert.equal((await s.commit(3)).memoryUsedBytes, 0);
});
