/** Spark DDL schema strings ↔ Delta schemas (lib/delta/ddl): parse, print, and back again. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseDdl, schemaDdl, typeDdl } from "../../lib/delta/ddl";
import type { StructType } from "../../lib/delta/schema";
import { expectCode } from "../helpers/tmp";

/** parse → print → parse gives the same schema, and print → parse → print the same text. */
function roundTrip(ddl: string): StructType {
  const schema = parseDdl(ddl);
  const printed = schemaDdl(schema);
  assert.deepEqual(parseDdl(printed), schema, `parseDdl(schemaDdl(…)) of ${ddl} (printed as ${printed})`);
  assert.equal(schemaDdl(parseDdl(printed)), printed);
  return schema;
}

test("simple types and their Spark synonyms map to Delta types and print back in Spark's spelling", () => {
  const s = roundTrip("a STRING, b VARCHAR(10), c BIGINT, d LONG, e INT, f SMALLINT, g TINYINT, h FLOAT, i REAL, j DOUBLE, k BOOLEAN, l BINARY, m DATE, n TIMESTAMP, o TIMESTAMP_NTZ, p timestamp_ltz");
  assert.deepEqual(s.fields.map((f) => f.type), ["string", "string", "long", "long", "integer", "short", "byte", "float", "float", "double", "boolean", "binary", "date", "timestamp", "timestamp_ntz", "timestamp"]);
  assert.equal(schemaDdl(parseDdl("a VARCHAR(10), b LONG, c REAL")), "a STRING, b BIGINT, c FLOAT");
});

test("decimals keep precision and scale; DECIMAL alone is DECIMAL(10,0); out-of-range precision is refused", async () => {
  const s = roundTrip("price DECIMAL(10,2), big NUMERIC(38, 38), plain DECIMAL, dec DEC(5)");
  assert.deepEqual(s.fields.map((f) => f.type), ["decimal(10,2)", "decimal(38,38)", "decimal(10,0)", "decimal(5,0)"]);
  assert.equal(typeDdl("decimal(10,2)"), "DECIMAL(10,2)");
  await expectCode(() => parseDdl("x DECIMAL(39,2)"), "INVALID_OPTION");
  await expectCode(() => parseDdl("x DECIMAL(5,6)"), "INVALID_OPTION");
});

test("NOT NULL is kept; COMMENT is read into the field's metadata", () => {
  const s = roundTrip("id STRING NOT NULL, n INT");
  assert.deepEqual(s.fields.map((f) => f.nullable), [false, true]);
  const c = parseDdl("id STRING NOT NULL COMMENT 'the key', n INT COMMENT 'a count'");
  assert.deepEqual(c.fields.map((f) => f.metadata), [{ comment: "the key" }, { comment: "a count" }]);
  assert.equal(c.fields[0]!.nullable, false);
});

test("nested arrays, maps and structs round-trip", () => {
  const s = roundTrip("tags ARRAY<STRING>, attrs MAP<STRING, ARRAY<INT>>, address STRUCT<street: STRING, geo: STRUCT<lat: DOUBLE, lon: DOUBLE>>, points ARRAY<STRUCT<x: INT, y DECIMAL(4,1)>>");
  assert.deepEqual(s.fields[0]!.type, { type: "array", elementType: "string", containsNull: true });
  assert.deepEqual(s.fields[1]!.type, { type: "map", keyType: "string", valueType: { type: "array", elementType: "integer", containsNull: true }, valueContainsNull: true });
  const address = s.fields[2]!.type as StructType;
  assert.deepEqual(address.fields.map((f) => f.name), ["street", "geo"]);
  assert.deepEqual((address.fields[1]!.type as StructType).fields.map((f) => [f.name, f.type]), [["lat", "double"], ["lon", "double"]]);
  assert.equal(schemaDdl(s), "tags ARRAY<STRING>, attrs MAP<STRING, ARRAY<INT>>, address STRUCT<street: STRING, geo: STRUCT<lat: DOUBLE, lon: DOUBLE>>, points ARRAY<STRUCT<x: INT, y: DECIMAL(4,1)>>");
});

test("top-level names that are not plain identifiers are back-quoted, and read back", () => {
  const s = roundTrip("`event id` STRING, `select` INT, `ünï` DOUBLE, `1st` BIGINT, plain_2 DATE");
  assert.deepEqual(s.fields.map((f) => f.name), ["event id", "select", "ünï", "1st", "plain_2"]);
  assert.equal(schemaDdl(s), "`event id` STRING, select INT, `ünï` DOUBLE, `1st` BIGINT, plain_2 DATE");
});

test("keywords and types are case-insensitive; whitespace is free", () => {
  assert.deepEqual(parseDdl("  a   string not null ,b\tarray< int >  "), parseDdl("a STRING NOT NULL, b ARRAY<INT>"));
});

test("bad DDL is INVALID_OPTION saying where", async () => {
  const e = await expectCode(() => parseDdl("id INTEGR"), "INVALID_OPTION");
  assert.match(e.message, /unknown type INTEGR/);
  await expectCode(() => parseDdl(""), "INVALID_OPTION");
  await expectCode(() => parseDdl("a INT, A STRING"), "INVALID_OPTION"); // the same column twice (case-insensitive)
  await expectCode(() => parseDdl("a ARRAY<INT"), "INVALID_OPTION");
  await expectCode(() => parseDdl("`a INT"), "INVALID_OPTION");
  await expectCode(() => parseDdl("a INT b INT"), "INVALID_OPTION");
});

test("nested field names that need quoting round-trip", () => {
  roundTrip("s STRUCT<`a b`: STRING, `x``y`: INT>");
  roundTrip("`we``ird` STRING");
});

test("nested NOT NULL and comments (with quotes and backslashes) round-trip", () => {
  roundTrip("s STRUCT<a: STRING NOT NULL COMMENT 'it\\'s'>");
  const schema = roundTrip("s STRUCT<a: STRING NOT NULL>, b INT COMMENT 'a \\'quoted\\' \\\\ word'");
  assert.equal(schema.fields[1]!.metadata.comment, "a 'quoted' \\ word");
});
