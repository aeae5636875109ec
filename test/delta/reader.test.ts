import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { RoaringBitmap32 } from "roaring";
import { Duck } from "../../lib/duck";
import { DeltaTable } from "../../lib/delta/table";
import { Snapshot } from "../../lib/delta/snapshot";
import { writeCheckpoint } from "../../lib/delta/checkpoint-writer";
import { z85Decode, z85Encode } from "../../lib/delta/deletion-vectors";
import { listLog } from "../../lib/delta/log-segment";
import { expectCode, tmpDir } from "../helpers/tmp";
import { PROTOCOL_V1, TableBuilder, metadata } from "../helpers/delta-builder";

const ID_SCHEMA = [{ name: "id", type: "long" }];

async function ids(table: string, duck: Duck, options: Parameters<DeltaTable["toRows"]>[0] = {}): Promise<number[]> {
  const rows = await DeltaTable.forPath(table, duck).toRows<{ id: bigint }>(options);
  return rows.map((r) => Number(r.id)).sort((a, b) => a - b);
}

const range = (a: number, b: number) => `SELECT range::BIGINT AS id FROM range(${a}, ${b})`;

test("remove then re-add of the same path: the newest action wins", async (t) => {
  const duck = await Duck.open();
  const root = tmpDir(t);
  const b = new TableBuilder(root, duck);
  const a = await b.add("a.parquet", range(0, 5));
  b.commit(0, [PROTOCOL_V1, metadata(ID_SCHEMA), { add: a }]);
  b.commit(1, [{ remove: { path: a.path, dataChange: true, deletionTimestamp: 1 } }]);
  assert.deepEqual(await ids(root, duck), []);
  b.commit(2, [{ add: a }]);
  assert.deepEqual(await ids(root, duck), [0, 1, 2, 3, 4]);
  assert.deepEqual(await ids(root, duck, { version: 1 }), [], "time travel to the removal");
  let snap = await Snapshot.load(root, { duck });
  assert.equal(snap.files.length, 1);
  assert.equal(snap.tombstones.length, 0, "the re-add cancels the tombstone");
  // One commit that removes and re-adds the same file (as compaction of a single file does) keeps it active.
  b.commit(3, [{ remove: { path: a.path, dataChange: false, deletionTimestamp: 2 } }, { add: { ...a, dataChange: false } }]);
  snap = await Snapshot.load(root, { duck });
  assert.equal(snap.files.length, 1);
  assert.deepEqual(await ids(root, duck), [0, 1, 2, 3, 4]);
  duck.close();
});

test("a checkpoint plus later commits; older commits cleaned up; time travel before the checkpoint is refused", async (t) => {
  const duck = await Duck.open();
  const root = tmpDir(t);
  const b = new TableBuilder(root, duck);
  b.commit(0, [PROTOCOL_V1, metadata(ID_SCHEMA), { add: await b.add("f0.parquet", range(0, 10)) }, { txn: { appId: "app", version: 0 } }]);
  b.commit(1, [{ add: await b.add("f1.parquet", range(10, 20)) }, { txn: { appId: "app", version: 1 } }]);
  const f2 = await b.add("f2.parquet", range(20, 30));
  b.commit(2, [{ add: f2 }]);
  await writeCheckpoint(await Snapshot.load(root, { duck }), duck);
  b.commit(3, [{ remove: { path: f2.path, dataChange: true, deletionTimestamp: Date.now() } }]);
  b.commit(4, [{ add: await b.add("f4.parquet", range(40, 45)) }, { txn: { appId: "app", version: 4 } }]);
  for (const v of [0, 1]) fs.rmSync(path.join(root, "_delta_log", `${String(v).padStart(20, "0")}.json`));

  const snap = await Snapshot.load(root, { duck });
  assert.equal(snap.version, 4);
  assert.equal(snap.segment.checkpoint?.version, 2, "replay starts from the checkpoint");
  assert.deepEqual(snap.segment.commits.map((c) => c.version), [3, 4]);
  assert.equal(snap.txns.get("app"), 4);
  assert.deepEqual(await ids(root, duck), [...Array(20).keys(), 40, 41, 42, 43, 44]);
  assert.equal((await ids(root, duck, { version: 2 })).length, 30, "the checkpoint version itself");
  const err = await expectCode(() => Snapshot.load(root, { duck, version: 1 }), "DELTA_VERSION_NOT_FOUND");
  assert.match(err.message, /cleaned up|commit 0 is gone/);
  duck.close();
});

test("_last_checkpoint that is stale, corrupt or dangling does not change the result; a half-written checkpoint is skipped", async (t) => {
  const duck = await Duck.open();
  const root = tmpDir(t);
  const b = new TableBuilder(root, duck);
  b.commit(0, [PROTOCOL_V1, metadata(ID_SCHEMA), { add: await b.add("f0.parquet", range(0, 3)) }]);
  await writeCheckpoint(await Snapshot.load(root, { duck }), duck);
  const stale = fs.readFileSync(path.join(root, "_delta_log", "_last_checkpoint"), "utf8");
  b.commit(1, [{ add: await b.add("f1.parquet", range(3, 6)) }]);
  b.commit(2, [{ add: await b.add("f2.parquet", range(6, 9)) }]);
  await writeCheckpoint(await Snapshot.load(root, { duck }), duck);
  const last = path.join(root, "_delta_log", "_last_checkpoint");
  const all = [0, 1, 2, 3, 4, 5, 6, 7, 8];

  fs.writeFileSync(last, stale); // points at version 0 while 2 exists
  assert.equal(listLog(root).lastCheckpoint?.problem, "stale: a newer checkpoint exists");
  assert.deepEqual(await ids(root, duck), all);
  assert.equal((await Snapshot.load(root, { duck })).segment.checkpoint?.version, 2);

  fs.writeFileSync(last, "{not json");
  assert.deepEqual(await ids(root, duck), all);
  fs.writeFileSync(last, JSON.stringify({ version: 7, size: 3 }));
  assert.deepEqual(await ids(root, duck), all);
  fs.rmSync(last);
  assert.deepEqual(await ids(root, duck), all);

  // A crash while writing the checkpoint for version 3 left a truncated Parquet file.
  b.commit(3, [{ add: await b.add("f3.parquet", range(9, 10)) }]);
  fs.writeFileSync(path.join(root, "_delta_log", `${"3".padStart(20, "0")}.checkpoint.parquet`), "PAR1 truncated");
  const snap = await Snapshot.load(root, { duck });
  assert.equal(snap.segment.checkpoint?.version, 2, "falls back to the previous checkpoint");
  assert.deepEqual(await ids(root, duck), [...all, 9]);
  duck.close();
});

test("partition values are cast to the schema's types: nulls, dates, timestamps, decimals, special characters", async (t) => {
  const duck = await Duck.open();
  const root = tmpDir(t);
  const b = new TableBuilder(root, duck);
  const schema = [
    { name: "v", type: "integer" },
    { name: "d", type: "date" },
    { name: "ts", type: "timestamp" },
    { name: "amount", type: "decimal(10,2)" },
    { name: "s", type: "string" },
  ];
  const parts = ["d", "ts", "amount", "s"];
  const f1 = await b.add("d=2026-01-02/s=a%20b/one.parquet", "SELECT 1::INTEGER AS v", { d: "2026-01-02", ts: "2026-01-02 03:04:05.123456", amount: "12.50", s: "a b/c=d%#?" });
  const f2 = await b.add("d=__HIVE_DEFAULT_PARTITION__/two.parquet", "SELECT 2::INTEGER AS v", { d: null, ts: null, amount: null, s: null });
  b.commit(0, [PROTOCOL_V1, metadata(schema, parts), { add: f1 }, { add: f2 }]);
  const rows = await DeltaTable.forPath(root, duck).toRows();
  rows.sort((x, y) => Number(x.v) - Number(y.v));
  assert.equal(rows.length, 2);
  assert.deepEqual(Object.keys(rows[0]!), ["v", "d", "ts", "amount", "s"], "schema order, partition columns included");
  assert.equal((rows[0]!.ts as Date).toISOString(), "2026-01-02T03:04:05.123Z");
  assert.equal(rows[0]!.s, "a b/c=d%#?");
  assert.equal(String(rows[0]!.amount), "12.5");
  const typed = await duck.all(`SELECT typeof(d) AS d, typeof(ts) AS ts, typeof(amount) AS a FROM (${(await DeltaTable.forPath(root, duck).scan()).sql}) LIMIT 1`);
  assert.deepEqual(typed[0], { d: "DATE", ts: "TIMESTAMP WITH TIME ZONE", a: "DECIMAL(10,2)" });
  for (const c of ["d", "ts", "amount", "s"]) assert.equal(rows[1]![c], null, `${c} of the null partition`);
  duck.close();
});

test("projection, filters, partition pruning and min/max/null-count data skipping", async (t) => {
  const duck = await Duck.open();
  const root = tmpDir(t);
  const b = new TableBuilder(root, duck);
  const schema = [{ name: "p", type: "string" }, { name: "x", type: "long" }, { name: "name", type: "string" }];
  const actions = [];
  for (let i = 0; i < 4; i++) {
    const stats = { numRecords: 10, minValues: { x: i * 10, name: "a" }, maxValues: { x: i * 10 + 9, name: "z" }, nullCount: { x: 0, name: i === 3 ? 10 : 0 } };
    const nameExpr = i === 3 ? "NULL::VARCHAR" : "'n' || range";
    actions.push({ add: await b.add(`p=${i % 2}/f${i}.parquet`, `SELECT (range + ${i * 10})::BIGINT AS x, ${nameExpr} AS name FROM range(10)`, { p: String(i % 2) }, stats) });
  }
  b.commit(0, [PROTOCOL_V1, metadata(schema, ["p"]), ...actions]);
  const table = DeltaTable.forPath(root, duck);

  let scan = await table.scan({ filter: "x >= 25 AND x < 31" });
  assert.equal(scan.metrics.filesSkipped, 2, "files 0-9 and 10-19 are skipped by max");
  assert.deepEqual((await scan.rows<{ x: bigint }>()).map((r) => Number(r.x)).sort((a, b) => a - b), [25, 26, 27, 28, 29, 30]);

  scan = await table.scan({ filter: "p = '1'", columns: ["x"] });
  assert.equal(scan.metrics.filesSelected, 2, "partition pruning");
  const rows = await scan.rows();
  assert.deepEqual(Object.keys(rows[0]!), ["x"], "projection");
  assert.equal(rows.length, 20);

  scan = await table.scan({ filter: "name IS NULL" });
  assert.equal(scan.metrics.filesSelected, 1, "only the file with nulls");
  assert.equal(await scan.count(), 10);

  scan = await table.scan({ filter: "x = 5 OR x = 35" });
  assert.equal(scan.metrics.filesSkipped, 0, "an OR is not used for skipping");
  assert.equal(await scan.count(), 2);

  await expectCode(() => table.scan({ columns: ["nope"] }), "INVALID_ARGUMENT");
  duck.close();
});

test("deletion vectors stored inline are applied; Z85 round-trips", async (t) => {
  const duck = await Duck.open();
  const root = tmpDir(t);
  const b = new TableBuilder(root, duck);
  const add = await b.add("f.parquet", range(0, 10));
  const bitmap = new RoaringBitmap32([1, 3, 8]).serialize("portable");
  const header = Buffer.alloc(12);
  header.writeUInt32LE(1681511377, 0);
  header.writeBigUInt64LE(1n, 4);
  const key = Buffer.alloc(4);
  const payload = Buffer.concat([header, key, bitmap]);
  assert.deepEqual(z85Decode(z85Encode(payload)).subarray(0, payload.length), payload);
  const dv = { storageType: "i" as const, pathOrInlineDv: z85Encode(payload), sizeInBytes: payload.length, cardinality: 3 };
  b.commit(0, [
    { protocol: { minReaderVersion: 3, minWriterVersion: 7, readerFeatures: ["deletionVectors"], writerFeatures: ["deletionVectors"] } },
    metadata(ID_SCHEMA),
    { add: { ...add, deletionVector: dv } },
  ]);
  assert.deepEqual(await ids(root, duck), [0, 2, 4, 5, 6, 7, 9]);
  duck.close();
});

test("time travel by timestamp follows Delta's rule: the latest commit at or before it", async (t) => {
  const duck = await Duck.open();
  const root = tmpDir(t);
  const b = new TableBuilder(root, duck);
  b.commit(0, [PROTOCOL_V1, metadata(ID_SCHEMA), { add: await b.add("a.parquet", range(0, 1)) }], Date.UTC(2026, 0, 1, 10));
  b.commit(1, [{ add: await b.add("b.parquet", range(1, 2)) }], Date.UTC(2026, 0, 1, 11));
  b.commit(2, [{ add: await b.add("c.parquet", range(2, 3)) }], Date.UTC(2026, 0, 1, 12));
  assert.deepEqual(await ids(root, duck, { timestamp: "2026-01-01T11:30:00Z" }), [0, 1]);
  assert.deepEqual(await ids(root, duck, { timestamp: "2026-01-01T11:00:00Z" }), [0, 1], "at the commit instant");
  assert.deepEqual(await ids(root, duck, { timestamp: new Date("2027-01-01") }), [0, 1, 2]);
  await expectCode(() => ids(root, duck, { timestamp: "2025-12-31T00:00:00Z" }), "DELTA_TIMESTAMP_OUT_OF_RANGE");
  await expectCode(() => ids(root, duck, { version: 3 }), "DELTA_VERSION_NOT_FOUND");
  await expectCode(() => ids(root, duck, { timestamp: "yesterday" }), "INVALID_OPTION");

  const h = DeltaTable.forPath(root, duck).history();
  assert.deepEqual(h.map((e) => e.version), [2, 1, 0]);
  assert.equal(h[0]!.operation, "WRITE");
  assert.equal(h[0]!.timestamp.toISOString(), "2026-01-01T12:00:00.000Z");
  assert.deepEqual(h[0]!.operationParameters, { mode: "Append" });
  assert.deepEqual(DeltaTable.forPath(root, duck).history(1).map((e) => e.version), [2]);
  duck.close();
});

test("errors: no log, holes in the log, missing protocol or metadata, unsupported versions and features, corrupt JSON", async (t) => {
  const duck = await Duck.open();
  const root = tmpDir(t);
  await expectCode(() => Snapshot.load(path.join(root, "nothing"), { duck }), "DELTA_TABLE_NOT_FOUND");

  const b = new TableBuilder(path.join(root, "t1"), duck);
  b.commit(0, [PROTOCOL_V1, metadata(ID_SCHEMA)]);
  b.commit(2, []);
  const hole = await expectCode(() => Snapshot.load(b.root, { duck }), "DELTA_VERSIONS_NOT_CONTIGUOUS");
  assert.match(hole.message, /version 1 is missing/);

  const noProto = new TableBuilder(path.join(root, "t2"), duck);
  noProto.commit(0, [metadata(ID_SCHEMA)]);
  await expectCode(() => Snapshot.load(noProto.root, { duck }), "DELTA_MISSING_PROTOCOL");

  const noMeta = new TableBuilder(path.join(root, "t3"), duck);
  noMeta.commit(0, [PROTOCOL_V1]);
  await expectCode(() => Snapshot.load(noMeta.root, { duck }), "DELTA_MISSING_METADATA");

  const future = new TableBuilder(path.join(root, "t4"), duck);
  future.commit(0, [{ protocol: { minReaderVersion: 4, minWriterVersion: 7 } }, metadata(ID_SCHEMA)]);
  await expectCode(() => Snapshot.load(future.root, { duck }), "DELTA_UNSUPPORTED_READER_VERSION");

  const feature = new TableBuilder(path.join(root, "t5"), duck);
  feature.commit(0, [{ protocol: { minReaderVersion: 3, minWriterVersion: 7, readerFeatures: ["variantType", "deletionVectors"], writerFeatures: [] } }, metadata(ID_SCHEMA)]);
  const unsupported = await expectCode(() => Snapshot.load(feature.root, { duck }), "DELTA_UNSUPPORTED_FEATURE");
  assert.match(unsupported.message, /variantType/);
  assert.doesNotMatch(unsupported.message, /feature deletionVectors/);

  const corrupt = new TableBuilder(path.join(root, "t6"), duck);
  const file = corrupt.commit(0, [PROTOCOL_V1, metadata(ID_SCHEMA)]);
  fs.appendFileSync(file, '{"add": {"path": "x.parquet", \n');
  const bad = await expectCode(() => Snapshot.load(corrupt.root, { duck }), "DELTA_CORRUPT_COMMIT");
  assert.match(bad.message, /00000000000000000000\.json, line 4/);
  duck.close();
});

test("absolute file URIs in add paths, views over scans, and arquero tables", async (t) => {
  const duck = await Duck.open();
  const root = tmpDir(t);
  const elsewhere = tmpDir(t);
  const b = new TableBuilder(path.join(root, "t"), duck);
  const local = await b.add("a b.parquet", range(0, 2));
  const outside = new TableBuilder(elsewhere, duck);
  const abs = await outside.add("far away.parquet", range(10, 12));
  const uri = `file://${path.join(elsewhere, "far%20away.parquet")}`;
  b.commit(0, [PROTOCOL_V1, metadata(ID_SCHEMA), { add: local }, { add: { ...abs, path: uri } }]);
  assert.equal(local.path, "a%20b.parquet", "relative paths are URL-encoded");
  assert.deepEqual(await ids(b.root, duck), [0, 1, 10, 11]);
  const scan = await DeltaTable.forPath(b.root, duck).scan();
  await scan.createView("abs_view");
  assert.equal(Number(await duck.value("SELECT sum(id) FROM abs_view")), 22);
  const table = (await scan.arquero()) as { numRows(): number; columnNames(): string[] };
  assert.equal(table.numRows(), 4);
  assert.deepEqual(table.columnNames(), ["id"]);
  await scan.close();
  duck.close();
});

test("a scan is disposable: `await using` drops its temporary tables when the block ends", async (t) => {
  const duck = await Duck.open();
  t.after(() => duck.close());
  const table = DeltaTable.forPath(path.join(tmpDir(t), "t"), duck);
  // Partitioned: the scan joins the rows to a temporary table of its files' partition values.
  await table.write("SELECT range AS id, range % 3 AS p FROM range(10)", { partitionBy: ["p"] });
  await table.delete("id % 2 = 0");
  const temps = async () => Number(await duck.value("SELECT count(*) FROM duckdb_tables() WHERE temporary"));
  const before = await temps();
  {
    await using scan = await table.scan();
    assert.equal(await scan.count(), 5);
    assert.ok((await temps()) > before, "the open scan holds a temporary table of its files");
  }
  assert.equal(await temps(), before, "nothing left once the block ended");
});
