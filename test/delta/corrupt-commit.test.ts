import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { Duck } from "../../lib/duck";
import { DeltaTable } from "../../lib/delta/table";
import { expectCode, tmpDir } from "../helpers/tmp";

const commitFile = (root: string, v: number) => path.join(root, "_delta_log", `${String(v).padStart(20, "0")}.json`);

test("a latest commit truncated to 0 bytes is DELTA_CORRUPT_COMMIT naming the file, not an empty version", async (t) => {
  const duck = await Duck.open();
  const root = path.join(tmpDir(t), "t");
  const table = DeltaTable.forPath(root, duck);
  await table.write("SELECT 1::BIGINT AS id");
  await table.write("SELECT 2::BIGINT AS id");
  fs.truncateSync(commitFile(root, 1), 0);

  const err = await expectCode(() => table.toRows(), "DELTA_CORRUPT_COMMIT");
  assert.ok(err.message.includes(commitFile(root, 1)), err.message);
  assert.match(err.message, /empty/);
  assert.match(err.message, /restore|version 0/i, "the message says what to do");
  assert.equal((err as unknown as { details: { file: string } }).details.file, commitFile(root, 1));
  // A writer must not build version 2 on top of the damage (that would drop version 1's rows for good).
  await expectCode(() => table.write("SELECT 3::BIGINT AS id"), "DELTA_CORRUPT_COMMIT");
  assert.equal(fs.existsSync(commitFile(root, 2)), false);
  assert.throws(() => table.history(), (e: Error & { code?: string }) => e.code === "DELTA_CORRUPT_COMMIT");
  // The versions before the damage still read.
  assert.deepEqual((await table.toRows<{ id: bigint }>({ version: 0 })).map((r) => Number(r.id)), [1]);

  // Whitespace only is no better than nothing.
  fs.writeFileSync(commitFile(root, 1), "\n\n");
  await expectCode(() => table.toRows(), "DELTA_CORRUPT_COMMIT");
  duck.close();
});

test("a garbled commit line names the file and line; a garbled _last_checkpoint is only a hint and never fails a read", async (t) => {
  const duck = await Duck.open();
  const root = path.join(tmpDir(t), "t");
  const table = DeltaTable.forPath(root, duck);
  await table.write("SELECT 1::BIGINT AS id", { properties: { "delta.checkpointInterval": "2" } });
  await table.write("SELECT 2::BIGINT AS id");
  await table.write("SELECT 3::BIGINT AS id"); // version 2: checkpoint and _last_checkpoint
  fs.writeFileSync(path.join(root, "_delta_log", "_last_checkpoint"), '{"version": 2, "si');
  assert.deepEqual((await table.toRows<{ id: bigint }>()).map((r) => Number(r.id)).sort(), [1, 2, 3]);

  await table.write("SELECT 4::BIGINT AS id");
  const text = fs.readFileSync(commitFile(root, 3), "utf8").split("\n");
  fs.writeFileSync(commitFile(root, 3), [text[0], text[1]!.slice(0, 20)].join("\n") + "\n");
  const err = await expectCode(() => table.toRows(), "DELTA_CORRUPT_COMMIT");
  assert.ok(err.message.includes(`${commitFile(root, 3)}, line 2`), err.message);
  duck.close();
});
