import { test } from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import { Duck } from "../../lib/duck";
import type { Metadata } from "../../lib/delta/actions";
import { DeltaTable } from "../../lib/delta/table";
import { checkWritable, columnFeatures, minimalProtocol } from "../../lib/delta/table-features";
import type { StructType } from "../../lib/delta/schema";
import { tmpDir } from "../helpers/tmp";

const PROTOCOL = { minReaderVersion: 1, minWriterVersion: 2 };
const meta = (schema: StructType, configuration: Record<string, string> = {}): Metadata => ({
  id: "t",
  format: { provider: "parquet" },
  schemaString: JSON.stringify(schema),
  partitionColumns: [],
  configuration,
});
const field = (name: string, type: unknown, metadata: Record<string, unknown> = {}) => ({ name, type, nullable: true, metadata }) as StructType["fields"][number];

test("writer support is decided from the parsed schema: nested generated/identity/invariant columns are found, words in comments are not", () => {
  const nested: StructType = {
    type: "struct",
    fields: [
      field("id", "long"),
      field("items", { type: "array", containsNull: true, elementType: { type: "struct", fields: [field("total", "double", { "delta.generationExpression": "price * qty" })] } }),
    ],
  };
  assert.deepEqual(columnFeatures(nested), [{ feature: "the generatedColumns feature", column: "items.element.total" }]);
  assert.throws(() => checkWritable(PROTOCOL, meta(nested), "t"), (e: Error & { code?: string; details?: { column?: string } }) => e.code === "DELTA_UNSUPPORTED_FEATURE" && e.details?.column === "items.element.total" && /generatedColumns/.test(e.message));

  const inMap: StructType = { type: "struct", fields: [field("m", { type: "map", keyType: "string", valueContainsNull: true, valueType: { type: "struct", fields: [field("n", "long", { "delta.identity.start": 1, "delta.identity.step": 1 })] } })] };
  assert.throws(() => checkWritable(PROTOCOL, meta(inMap), "t"), /identityColumns feature \(column m\.value\.n\)/);
  const invariant: StructType = { type: "struct", fields: [field("x", "long", { "delta.invariants": '{"expression":{"expression":"x > 0"}}' })] };
  assert.throws(() => checkWritable(PROTOCOL, meta(invariant), "t"), /invariants/);

  // The feature names appear only as words here: a comment, a column name. Nothing to refuse.
  const words: StructType = { type: "struct", fields: [field("delta.identity.start", "long", { comment: "not delta.generationExpression, not delta.invariants" })] };
  assert.deepEqual(columnFeatures(words), []);
  assert.doesNotThrow(() => checkWritable(PROTOCOL, meta(words), "t"));
});

test("the minimal protocol looks at types, nested too, not at the schema's text", () => {
  const named: StructType = { type: "struct", fields: [field("timestamp_ntz", "string")] };
  assert.deepEqual(minimalProtocol(meta(named)), { minReaderVersion: 1, minWriterVersion: 2 });
  const deep: StructType = { type: "struct", fields: [field("s", { type: "struct", fields: [field("at", { type: "array", elementType: "timestamp_ntz", containsNull: true })] })] };
  assert.equal(minimalProtocol(meta(deep)).minWriterVersion, 7);
});

test("a table whose column comment mentions a feature key can be written", async (t) => {
  const duck = await Duck.open();
  const table = DeltaTable.forPath(path.join(tmpDir(t), "t"), duck);
  await table.write("SELECT 1::BIGINT AS id", { schema: "id BIGINT COMMENT 'computed like a delta.generationExpression, but by hand'" });
  const r = await table.write("SELECT 2::BIGINT AS id");
  assert.equal(r.version, 1);
  duck.close();
});
