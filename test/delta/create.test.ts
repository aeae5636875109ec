import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { Duck } from "../../lib/duck";
import { DeltaTable } from "../../lib/delta/table";
import { expectCode, tmpDir } from "../helpers/tmp";

test("DeltaTable.create makes an empty version 0 from DDL, with partitioning, properties and a description", async (t) => {
  const duck = await Duck.open();
  const root = path.join(tmpDir(t), "events");
  const table = await DeltaTable.create(root, "id BIGINT NOT NULL, kind STRING, day DATE", {
    partitionColumns: ["day"],
    properties: { "delta.appendOnly": "true" },
    configuration: { "delta.checkpointInterval": "5" },
    description: "raw events",
    duck,
  });
  const snap = await table.snapshot();
  assert.equal(snap.version, 0);
  assert.deepEqual(snap.files, []);
  assert.deepEqual(snap.schema.fields.map((f) => [f.name, f.type, f.nullable]), [["id", "long", false], ["kind", "string", true], ["day", "date", true]]);
  assert.deepEqual(snap.partitionColumns, ["day"]);
  assert.deepEqual(snap.configuration, { "delta.appendOnly": "true", "delta.checkpointInterval": "5" });
  assert.equal(snap.metadata.description, "raw events");
  assert.equal(table.history()[0]!.operation, "CREATE TABLE");
  assert.deepEqual(await table.toRows(), []);
  const r = await table.write("SELECT 1::BIGINT AS id, 'view' AS kind, DATE '2026-01-01' AS day");
  assert.equal(r.version, 1);
  await expectCode(() => table.write("SELECT NULL::BIGINT AS id, 'view' AS kind, DATE '2026-01-01' AS day"), "DELTA_CONSTRAINT_VIOLATION");
  duck.close();
});

test("DeltaTable.create refuses an existing table unless ifNotExists, takes a StructType, and checks its options first", async (t) => {
  const duck = await Duck.open();
  const dir = tmpDir(t);
  const root = path.join(dir, "t");
  await DeltaTable.create(root, { type: "struct", fields: [{ name: "id", type: "long", nullable: true, metadata: {} }] }, { duck });
  const err = await expectCode(() => DeltaTable.create(root, "id BIGINT", { duck }), "DELTA_TABLE_ALREADY_EXISTS");
  assert.match(err.message, /already exists/);
  const same = await DeltaTable.create(root, "id BIGINT", { duck, ifNotExists: true });
  assert.equal((await same.snapshot()).version, 0, "nothing new was committed");

  await expectCode(() => DeltaTable.create(path.join(dir, "bad"), "id BIGINT", { partitionColumns: ["nope"], duck }), "INVALID_OPTION");
  assert.equal(fs.existsSync(path.join(dir, "bad", "_delta_log")), false, "nothing was created");
  fs.mkdirSync(path.join(dir, "other"));
  fs.writeFileSync(path.join(dir, "other", "data.csv"), "a\n1\n");
  await expectCode(() => DeltaTable.create(path.join(dir, "other"), "id BIGINT", { duck }), "DELTA_NOT_A_DELTA_TABLE");
  duck.close();
});
