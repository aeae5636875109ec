/** The file source reading real files robustly: odd names, bad files, huge lines and headers, files still being written, options that cannot work. */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { readStream } from "../../lib/api/read-stream";
import { expectCode, tmpDir } from "../helpers/tmp";

function landing(t: Parameters<typeof tmpDir>[0], files: Record<string, string | Buffer> = {}): { dir: string; landing: string } {
  const dir = tmpDir(t);
  const land = path.join(dir, "landing");
  fs.mkdirSync(land);
  for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(land, name), content);
  return { dir, landing: land };
}

test("options that cannot work are INVALID_OPTION naming the option and the value, when the query is defined", async (t) => {
  const { dir, landing: land } = landing(t, { "a.csv": "id,v\n1,a\n" });
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ pathGlobFilter: "[z-a]" }, /pathGlobFilter.*"\[z-a\]"/],
    [{ sep: "" }, /sep.*""/],
    [{ sep: "abcde" }, /sep.*"abcde"/],
    [{ sep: "\n" }, /sep/],
    [{ sep: '"' }, /sep.*quote/],
    [{ sep: "'" }, /sep "'" .*quote/],
    [{ sep: "'", quote: "'" }, /sep.*quote/],
    [{ sep: ";", escape: ";" }, /sep.*escape/],
    [{ delimiter: "" }, /sep.*""/],
    [{ quote: "ab" }, /quote.*"ab"/],
    [{ quote: "é" }, /quote.*"é"/],
    [{ escape: "\\\\" }, /escape/],
    [{ maxBytesPerTrigger: 0 }, /maxBytesPerTrigger/],
    [{ maxBytesPerTrigger: "-1" }, /maxBytesPerTrigger/],
    [{ rescuedDataColumn: "id", schema: "id INT, v STRING" }, /rescuedDataColumn.*"id"/],
    [{ badRecordsPath: path.join(land, "errors") }, /badRecordsPath/],
  ];
  for (const [opts, message] of cases) {
    const err = await expectCode(() => readStream.files(land, { format: "csv", ...opts }), "INVALID_OPTION");
    assert.match(err.message, message, JSON.stringify(opts));
  }
  // What stays allowed: no quoting at all, multi-byte separators, globs with escapes and alternatives.
  for (const opts of [{ quote: "" }, { sep: ";;" }, { sep: "\t" }, { pathGlobFilter: "a\\*.csv" }, { pathGlobFilter: "{a,b[0-9]}.csv" }]) readStream.files(land, { format: "csv", ...opts });
  assert.ok(fs.existsSync(dir));
});

const GLOB_NAMES = ["a*.csv", "ab.csv", "b?.csv", "bx.csv", "[c].csv", "c.csv", "d[*].csv", "e\\f.csv"];

async function readAll(land: string, opts: Record<string, unknown>, dir: string, name: string) {
  const q = await readStream.files(land, opts).writeStream({ format: "memory" }, { queryName: name, checkpointLocation: path.join(dir, `ck-${name}`), trigger: "availableNow" });
  await q.awaitTermination();
  const duck = await (await import("../../lib/duck.js")).duck();
  return { q, rows: await duck.all<Record<string, unknown>>(`SELECT * FROM ${name}`) };
}

test("glob characters in file names: every file is read literally, once (CSV, JSON lines, Parquet, inference, _metadata)", async (t) => {
  const { dir, landing: land } = landing(t);
  const csv = path.join(land, "csv");
  const json = path.join(land, "json");
  const parquet = path.join(land, "parquet");
  for (const d of [csv, json, parquet]) fs.mkdirSync(d);
  const duck = await (await import("../../lib/duck.js")).duck();
  for (const n of GLOB_NAMES) {
    fs.writeFileSync(path.join(csv, n), `name,n\n${n},1\n`);
    fs.writeFileSync(path.join(json, n.replace(".csv", ".json")), JSON.stringify({ name: n, n: 1 }) + "\n");
    await duck.run(`COPY (SELECT '${n.replaceAll("'", "''")}' AS name, 1 AS n) TO '${path.join(parquet, n.replace(".csv", ".parquet")).replaceAll("'", "''")}' (FORMAT parquet)`);
  }
  const expected = [...GLOB_NAMES].sort();
  const names = (rows: Record<string, unknown>[]) => rows.map((r) => String(r.name)).sort();
  const withFile = (rows: Record<string, unknown>[]) => rows.map((r) => `${r.name}|${(r._metadata as { file_name: string }).file_name.replace(/\.(json|parquet)$/, ".csv")}`).sort();
  const cases: [string, string, Record<string, unknown>][] = [
    ["glob_csv_typed", csv, { format: "csv", schema: "name STRING, n INT", includeMetadata: true }],
    ["glob_csv_inferred", csv, { format: "csv", inferColumnTypes: true, includeMetadata: true }],
    ["glob_json", json, { format: "json", inferColumnTypes: true, includeMetadata: true }],
    ["glob_parquet", parquet, { format: "parquet", includeMetadata: true }],
  ];
  for (const [name, folder, opts] of cases) {
    const { rows } = await readAll(folder, opts, dir, name);
    assert.deepEqual(names(rows), expected, name);
    assert.deepEqual(withFile(rows), expected.map((n) => `${n}|${n}`), `${name}: each row's _metadata names its own file`);
    assert.ok(rows.every((r) => Number(r.n) === 1), name);
  }
});

test("folders named like Hive partitions (date=2026-01-02) are plain folders for CSV as for Parquet and JSON", async (t) => {
  const { dir, landing: land } = landing(t);
  fs.mkdirSync(path.join(land, "date=2026-01-02"));
  fs.writeFileSync(path.join(land, "date=2026-01-02", "a.csv"), "id,v\n1,a\n");
  for (const [name, opts] of [["hive_typed", { schema: "id INT, v STRING" }], ["hive_inferred", { inferColumnTypes: true }]] as const) {
    const { rows } = await readAll(land, { format: "csv", ...opts }, dir, name);
    assert.deepEqual(rows.map((r) => [Number(r.id), r.v, "date" in r]), [[1, "a", false]], name);
  }
});
