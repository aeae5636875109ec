import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { Duck } from "../../lib/duck";
import { DeltaTable } from "../../lib/delta/table";
import { expectCode, tmpDir } from "../helpers/tmp";

test("changes(from, to): per version its commitInfo, adds, removes, cdc and metadata/protocol changes", async (t) => {
  const duck = await Duck.open();
  const root = path.join(tmpDir(t), "t");
  const table = DeltaTable.forPath(root, duck);
  await table.write("SELECT range::BIGINT AS id FROM range(4)", { properties: { "delta.enableChangeDataFeed": "true" } });
  await table.write("SELECT 10::BIGINT AS id, 'x' AS note", { mergeSchema: true });
  await table.delete("id = 1");

  const all = table.changes(0);
  assert.deepEqual(all.map((c) => [c.version, c.operation]), [[0, "WRITE"], [1, "WRITE"], [2, "DELETE"]]);
  assert.ok(all[0]!.protocol && all[0]!.metadata, "version 0 sets protocol and metadata");
  assert.equal(all[1]!.protocol, undefined);
  assert.match(all[1]!.metadata!.schemaString, /"note"/, "mergeSchema changed the metadata");
  assert.equal(all[0]!.adds.length, 1);
  assert.equal(all[0]!.operationMetrics.numOutputRows, "4");
  assert.equal(all[2]!.removes.length, 1);
  assert.ok(all[2]!.cdc.length > 0, "the delete wrote change data");
  assert.deepEqual(all[2]!.operationParameters, { predicate: '["id = 1"]' });
  assert.ok(all.every((c, i) => i === 0 || c.timestamp >= all[i - 1]!.timestamp));
  assert.deepEqual(table.changes(1, 1).map((c) => c.version), [1]);
  assert.deepEqual(table.history().map((h) => [h.version, h.operation]), all.map((c) => [c.version, c.operation]).reverse());

  await expectCode(() => table.changes(2, 5), "DELTA_VERSION_NOT_FOUND");
  await expectCode(() => table.changes(-1), "DELTA_VERSION_NOT_FOUND");
  fs.rmSync(path.join(root, "_delta_log", `${"0".repeat(19)}1.json`));
  const err = await expectCode(() => table.changes(0, 2), "DELTA_VERSION_NOT_FOUND");
  assert.match(err.message, /version 1 .* no longer in the log/);
  duck.close();
});
