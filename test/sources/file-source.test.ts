/** The file source reading real files robustly: odd names, bad files, huge lines and headers, files still being written, options that cannot work. */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { spawn } from "node:child_process";
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

test("a name DuckDB cannot read literally (a backslash and a glob character) is quarantined, saying to rename it", async (t) => {
  const { dir, landing: land } = landing(t, { "a.csv": "id\n1\n", "b\\c*.csv": "id\n2\n", "b\\cx.csv": "id\n3\n" });
  const quarantine = path.join(dir, "e");
  const { q, rows } = await readAll(land, { format: "csv", schema: "id INT", badRecordsPath: quarantine }, dir, "backslash_q");
  assert.equal(q.exception, undefined, String(q.exception));
  assert.deepEqual(rows.map((r) => r.id).sort(), [1, 3]);
  const recs = quarantined(quarantine);
  assert.deepEqual(recs.map((r) => path.basename(r.path)), ["b\\c*.csv"]);
  assert.match(recs[0]!.reason, /rename/);
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

test("columns named like the reader's own (filename, __file, __line) are data like any other", async (t) => {
  const { dir, landing: land } = landing(t);
  for (const f of ["csv", "parquet", "json"]) fs.mkdirSync(path.join(land, f));
  fs.writeFileSync(path.join(land, "csv", "a.csv"), "id,filename,__file,__line\n1,x.txt,y,7\n");
  fs.writeFileSync(path.join(land, "json", "a.json"), '{"id": 1, "filename": "x.txt", "__file": "y", "__line": "7"}\n');
  const duck = await (await import("../../lib/duck.js")).duck();
  await duck.run(`COPY (SELECT 1 AS id, 'x.txt' AS filename, 'y' AS __file, '7' AS __line) TO '${path.join(land, "parquet", "a.parquet")}' (FORMAT parquet)`);
  const cases: [string, Record<string, unknown>][] = [
    ["csv", { schema: "id INT, filename STRING, __file STRING, __line STRING" }],
    ["csv", { includeMetadata: true }],
    ["json", {}],
    ["parquet", { includeMetadata: true }],
  ];
  for (const [i, [format, opts]] of cases.entries()) {
    const { q, rows } = await readAll(path.join(land, format), { format, ...opts }, dir, `own_names_${i}`);
    assert.equal(q.exception, undefined, String(q.exception));
    assert.deepEqual(rows.map((r) => [Number(r.id), r.filename, r.__file, String(r.__line)]), [[1, "x.txt", "y", "7"]], `${format} ${JSON.stringify(opts)}`);
  }
});

/** Bytes that are no text: every byte value, twice. */
const BINARY = Buffer.from([...Array(512).keys()].map((i) => (i * 37) % 256));
const UTF16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from("id,v\n9,utf16\n", "utf16le")]);

interface Quarantined {
  path: string;
  line: number | null;
  record: string | null;
  reason: string;
  batchId: number;
}
const quarantined = (dir: string): Quarantined[] =>
  fs.existsSync(dir) ? fs.readdirSync(dir).flatMap((f) => fs.readFileSync(path.join(dir, f), "utf8").trim().split("\n").map((l) => JSON.parse(l) as Quarantined)) : [];
const sumMetric = (q: { recentProgress: { sources: { metrics: Record<string, string> }[] }[] }, name: string) => q.recentProgress.reduce((s, p) => s + Number(p.sources[0]!.metrics[name] ?? 0), 0);

test("an unreadable file (empty CSV, binary, UTF-16, corrupt Parquet) is one bad record of its own: quarantined, dropped or fatal by mode; the stream goes on", async (t) => {
  const bad = { "b-empty.csv": "", "c-binary.csv": BINARY, "d-utf16.csv": UTF16 };
  const { dir, landing: land } = landing(t, { "a.csv": "id,v\n1,a\n2,b\n", ...bad, "e.csv": "id,v\n3,c\n" });
  for (const [name, opts] of [["unr_typed", { schema: "id INT, v STRING" }], ["unr_inferred", {}]] as const) {
    const quarantine = path.join(dir, `error-${name}`);
    const { q, rows } = await readAll(land, { format: "csv", badRecordsPath: quarantine, maxFilesPerTrigger: 2, ...opts }, dir, name);
    assert.equal(q.exception, undefined, String(q.exception));
    assert.deepEqual(rows.map((r) => Number(r.id)).sort(), [1, 2, 3], `${name}: the good files' rows`);
    const recs = quarantined(quarantine);
    assert.deepEqual(recs.map((r) => path.basename(r.path)).sort(), Object.keys(bad), `${name}: one record per bad file`);
    assert.ok(recs.every((r) => r.line === null && r.reason.length > 0), JSON.stringify(recs));
    assert.match(recs.find((r) => r.path.endsWith("b-empty.csv"))!.reason, /empty/);
    assert.match(recs.find((r) => r.path.endsWith("d-utf16.csv"))!.reason, /UTF-16/);
    assert.equal(sumMetric(q, "numMalformedRecords"), 3);
    assert.equal(sumMetric(q, "numCorruptFiles"), 3);
    // A restart neither re-reads nor fails: the files were dealt with.
    const again = await readAll(land, { format: "csv", badRecordsPath: quarantine, ...opts }, dir, name);
    assert.equal(again.q.exception, undefined);
    assert.equal(again.q.recentProgress.length, 0);
  }
  const drop = await readAll(land, { format: "csv", schema: "id INT, v STRING", mode: "DROPMALFORMED", badRecordsPath: path.join(dir, "e-drop") }, dir, "unr_drop");
  assert.deepEqual(drop.rows.map((r) => Number(r.id)).sort(), [1, 2, 3]);
  assert.equal(sumMetric(drop.q, "numMalformedRecords"), 3);
  assert.equal(fs.existsSync(path.join(dir, "e-drop")), false);

  const fast = await readStream.files(land, { format: "csv", schema: "id INT, v STRING", mode: "FAILFAST" }).writeStream({ format: "memory" }, { queryName: "unr_fast", checkpointLocation: path.join(dir, "ck-unr_fast"), trigger: "availableNow" });
  const err = await expectCode(() => fast.awaitTermination(), "STREAM_FILE_CORRUPT");
  assert.match(err.message, /b-empty\.csv/);
  assert.match(err.message, /ignoreCorruptFiles/, "says how to go on");
  const skip = await readAll(land, { format: "csv", schema: "id INT, v STRING", mode: "FAILFAST", ignoreCorruptFiles: true }, dir, "unr_fast");
  assert.equal(skip.q.exception, undefined, "ignoreCorruptFiles lets the same checkpoint go on");
  assert.deepEqual(skip.rows.map((r) => Number(r.id)).sort(), [1, 2, 3]);
  assert.equal(sumMetric(skip.q, "numCorruptFiles"), 3);
});

test("JSON lines and Parquet: a file DuckDB cannot read is quarantined whole; the others are read", async (t) => {
  const { dir, landing: land } = landing(t);
  const json = path.join(land, "json");
  const parquet = path.join(land, "parquet");
  fs.mkdirSync(json);
  fs.mkdirSync(parquet);
  fs.writeFileSync(path.join(json, "a.json"), '{"id": 1}\n');
  fs.writeFileSync(path.join(json, "b.json"), BINARY);
  // Valid UTF-8 for its first 64 KiB, then not: only DuckDB finds it.
  fs.writeFileSync(path.join(json, "c.json"), Buffer.concat([Buffer.from('{"id": 2}\n'.repeat(8000)), Buffer.from([0xff, 0xfe, 0x0a])]));
  const duck = await (await import("../../lib/duck.js")).duck();
  await duck.run(`COPY (SELECT 1 AS id) TO '${path.join(parquet, "a.parquet")}' (FORMAT parquet)`);
  fs.writeFileSync(path.join(parquet, "b.parquet"), "PAR1 this is not parquet");
  const good = fs.readFileSync(path.join(parquet, "a.parquet"));
  fs.writeFileSync(path.join(parquet, "c.parquet"), Buffer.concat([good.subarray(0, 4), Buffer.alloc(good.length - 8, 7), good.subarray(good.length - 4)]));
  for (const [name, folder, opts, goodRows, badFiles] of [
    ["jl_typed", json, { format: "json", schema: "id INT" }, 1, ["b.json", "c.json"]],
    ["jl_inferred", json, { format: "json" }, 1, ["b.json", "c.json"]],
    ["pq_typed", parquet, { format: "parquet", schema: "id INT" }, 1, ["b.parquet", "c.parquet"]],
    ["pq_inferred", parquet, { format: "parquet" }, 1, ["b.parquet", "c.parquet"]],
  ] as const) {
    const quarantine = path.join(dir, `error-${name}`);
    const { q, rows } = await readAll(folder, { ...opts, badRecordsPath: quarantine }, dir, name);
    assert.equal(q.exception, undefined, String(q.exception));
    assert.equal(rows.length, goodRows, name);
    assert.deepEqual(quarantined(quarantine).map((r) => path.basename(r.path)).sort(), badFiles, name);
    assert.equal(sumMetric(q, "numCorruptFiles"), badFiles.length, name);
  }
});

test("schema inference skips unreadable files and never saves a column with an empty or non-printable name", async (t) => {
  const { dir, landing: land } = landing(t, { "a-empty.csv": "", "b-binary.csv": BINARY, "c-utf16.csv": UTF16, "d.csv": "id,,v\n1,x,a\n" });
  const { SchemaLog } = await import("../../lib/sources/schema-log.js");
  for (const [name, opts] of [["inf_plain", {}], ["inf_types", { inferColumnTypes: true }]] as const) {
    const { q } = await readAll(land, { format: "csv", badRecordsPath: path.join(dir, `e-${name}`), ...opts }, dir, name);
    assert.equal(q.exception, undefined, String(q.exception));
    const fields = new SchemaLog(path.join(dir, `ck-${name}`)).get(0).schema.fields.map((f) => f.name);
    assert.deepEqual(fields, ["id", "_c1", "v"], `${name}: an empty header name is _c<index>, as in Spark`);
  }
  const noHeader = await readAll(land, { format: "csv", header: false, pathGlobFilter: "d.csv" }, dir, "inf_noheader");
  assert.deepEqual(Object.keys(noHeader.rows[0]!), ["_c0", "_c1", "_c2", "_rescued_data"], "without a header, columns are _c0.._cN");
  assert.equal(noHeader.rows.length, 2);
  // JSON: a key that cannot be a column name makes its record a bad record, never a column.
  const json = landing(t, { "a.json": '{"id": 1}\n{"": 2, "id": 3}\n{"x\\u0001": 4}\n' });
  const jq = await readAll(json.landing, { format: "json", badRecordsPath: path.join(json.dir, "e") }, json.dir, "inf_json_keys");
  assert.deepEqual(jq.rows.map((r) => [r.id, Object.keys(r).length]), [["1", 2]]);
  assert.deepEqual(quarantined(path.join(json.dir, "e")).map((r) => r.line), [2, 3]);
  // Only unreadable files: a clear error, not a schema made of garbage.
  const only = landing(t, { "a.csv": BINARY });
  const q = await readStream.files(only.landing, { format: "csv" }).writeStream({ format: "memory" }, { queryName: "inf_none", checkpointLocation: path.join(only.dir, "ck"), trigger: "availableNow" });
  const err = await expectCode(() => q.awaitTermination(), "STREAM_FILE_CORRUPT");
  assert.match(err.message, /a\.csv/);
});

test("a file deleted after it was planned: a clear error naming it and ignoreMissingFiles; with it, the batch goes on and says so", async (t) => {
  const { dir, landing: land } = landing(t, { "a.csv": "id,v\n1,a\n", "b.csv": "id,v\n2,b\n" });
  const ck = path.join(dir, "ck");
  const quarantine = path.join(dir, "error");
  const start = (opts: Record<string, unknown>, fail = false) =>
    readStream.files(land, { format: "csv", schema: "id INT, v STRING", badRecordsPath: quarantine, ...opts }).writeStream(
      { foreachBatch: () => { if (fail) throw new Error("sink down"); } },
      { queryName: "missing_q", checkpointLocation: ck, trigger: "availableNow" },
    );
  const first = await start({}, true);
  await assert.rejects(() => first.awaitTermination(), /sink down/);
  fs.rmSync(path.join(land, "b.csv")); // gone before batch 0 was committed
  for (let i = 0; i < 2; i++) {
    const q = await start({});
    const err = await expectCode(() => q.awaitTermination(), "STREAM_FILE_MISSING");
    assert.match(err.message, /b\.csv/);
    assert.match(err.message, /ignoreMissingFiles/);
  }
  const q = await start({ "cloudFiles.ignoreMissingFiles": "true" });
  await q.awaitTermination();
  assert.deepEqual(q.recentProgress.map((p) => [p.batchId, p.numInputRows, p.sources[0]!.metrics.numMissingFiles]), [[0, 1, "1"]]);
  const recs = quarantined(quarantine);
  assert.equal(recs.length, 1);
  assert.match(recs[0]!.path, /b\.csv$/);
  assert.match(recs[0]!.reason, /not found/);
});

test("lines longer than DuckDB's buffer (31, 33, 50 MB) are quarantined like 3 MB ones, never lost; counts add up", async (t) => {
  const MB = 1024 * 1024;
  const { dir, landing: land } = landing(t, {
    "a.csv": `id,v\n1,a\n2,${"x".repeat(3 * MB)}\n3,c\n`,
    "b.csv": `id,v\n4,d\n5,${"x".repeat(31 * MB)}\n6,f\n7,${"y".repeat(33 * MB)}\n8,h\n`,
    "c.csv": `id,v\n9,${"z".repeat(50 * MB)}\n`,
  });
  for (const [name, opts] of [["long_typed", { schema: "id INT, v STRING" }], ["long_inferred", {}]] as const) {
    const quarantine = path.join(dir, `e-${name}`);
    const { q, rows } = await readAll(land, { format: "csv", badRecordsPath: quarantine, ...opts }, dir, name);
    assert.equal(q.exception, undefined, String(q.exception));
    assert.deepEqual(rows.map((r) => Number(r.id)).sort((a, b) => a - b), [1, 3, 4, 6, 8], name);
    const recs = quarantined(quarantine);
    assert.deepEqual(recs.map((r) => `${path.basename(r.path)}:${r.line}`).sort(), ["a.csv:3", "b.csv:3", "b.csv:5", "c.csv:2"], name);
    assert.ok(recs.every((r) => /LINE SIZE/.test(r.reason)), name);
    assert.equal(sumMetric(q, "numMalformedRecords"), 4, name);
    assert.equal(rows.length + recs.length, 9, `${name}: every record is in the table or the quarantine`);
  }
});

test("compressed CSV: gzip with a header, zstd without; a line over the buffer inside one is quarantined too", async (t) => {
  const zlib = await import("node:zlib");
  const { dir, landing: land } = landing(t, { "a.csv.gz": zlib.gzipSync(`id,v\n1,a\n2,${"x".repeat(33 * 1024 * 1024)}\n3,c\n`) });
  const duck = await (await import("../../lib/duck.js")).duck();
  await duck.run(`COPY (SELECT 4 AS id, 'd' AS v) TO '${path.join(land, "b.csv.zst")}' (FORMAT csv, HEADER false, COMPRESSION zstd)`);
  const quarantine = path.join(dir, "e");
  const gz = await readAll(land, { format: "csv", pathGlobFilter: "*.gz", badRecordsPath: quarantine }, dir, "gz_q");
  assert.deepEqual(gz.rows.map((r) => [r.id, r.v]), [["1", "a"], ["3", "c"]]);
  assert.deepEqual(quarantined(quarantine).map((r) => [path.basename(r.path), r.line]), [["a.csv.gz", 3]]);
  const zst = await readAll(land, { format: "csv", pathGlobFilter: "*.zst", header: false, schema: "id INT, v STRING" }, dir, "zst_q");
  assert.deepEqual(zst.rows, [{ id: 4, v: "d" }]);
});

test("a header of any length is read whole: 10,000 columns", async (t) => {
  const cols = Array.from({ length: 10_000 }, (_, i) => `column_${i}`);
  const { dir, landing: land } = landing(t, { "wide.csv": `${cols.join(",")}\n${cols.map((_, i) => i).join(",")}\n${cols.map((_, i) => i * 2).join(",")}\n` });
  const quarantine = path.join(dir, "e");
  const { q } = await readAll(land, { format: "csv", badRecordsPath: quarantine }, dir, "wide_q");
  assert.equal(q.exception, undefined, String(q.exception));
  const { SchemaLog } = await import("../../lib/sources/schema-log.js");
  assert.equal(new SchemaLog(path.join(dir, "ck-wide_q")).get(0).schema.fields.length, 10_000);
  assert.equal(q.recentProgress[0]!.numInputRows, 2);
  assert.deepEqual(quarantined(quarantine), []);
  const duck = await (await import("../../lib/duck.js")).duck();
  assert.deepEqual(await duck.all("SELECT column_0, column_9999 FROM wide_q ORDER BY column_9999::INT"), [{ column_0: "0", column_9999: "9999" }, { column_0: "0", column_9999: "19998" }]);
});

test("fileStableTime: a file still being appended to (by another process) is planned only once it has stopped changing", async (t) => {
  const { dir, landing: land } = landing(t);
  const file = path.join(land, "growing.csv");
  const seen: { batchId: number; rows: number }[] = [];
  const q = await readStream.files(land, { format: "csv", schema: "id INT, v STRING", "cloudFiles.fileStableTime": "1500ms" }).writeStream(
    { foreachBatch: async (b, batchId) => void seen.push({ batchId, rows: await b.count() }) },
    { queryName: "stable_q", checkpointLocation: path.join(dir, "ck"), pollIntervalMs: 50 },
  );
  t.after(() => q.stop());
  // A writer that creates the file in place and appends a line every 50 ms, as a logger or an unzip would.
  const writer = spawn(process.execPath, ["-e", `
    const fs = require("node:fs");
    fs.writeFileSync(${JSON.stringify(file)}, "id,v\\n");
    let i = 0;
    const timer = setInterval(() => { fs.appendFileSync(${JSON.stringify(file)}, i + ",row\\n"); if (++i === 20) clearInterval(timer); }, 50);
  `]);
  const exited = new Promise<number | null>((resolve) => writer.on("exit", resolve));
  assert.equal(await exited, 0);
  const doneAt = Date.now();
  assert.deepEqual(seen, [], "nothing planned while the file was growing");
  assert.equal(q.lastProgress, undefined);
  while (seen.length === 0 && Date.now() - doneAt < 10_000) await new Promise((r) => setTimeout(r, 25));
  assert.ok(Date.now() - doneAt >= 1300, "planned only after the file had been still for fileStableTime");
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual(seen, [{ batchId: 0, rows: 20 }], "read once, whole");
  await expectCode(() => readStream.files(land, { fileStableTime: "soon" }), "INVALID_OPTION");
});
