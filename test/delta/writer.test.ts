import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { Duck, sqlString } from "../../lib/duck";
import { DeltaTable } from "../../lib/delta/table";
import { parseCommit } from "../../lib/delta/actions";
import { listLog } from "../../lib/delta/log-segment";
import { runConformance } from "../../lib/delta/conformance";
import { DeltaCatalog } from "../../lib/delta/catalog";
import { expectCode, tmpDir } from "../helpers/tmp";

const EVENTS = (n: number, offset = 0) =>
  `SELECT (range + ${offset})::BIGINT AS id, ['view','add_to_cart','purchase'][range % 3 + 1] AS event_type, (range % 97 + 0.99)::DECIMAL(10,2) AS price,
          TIMESTAMPTZ '2026-01-01 00:00:00+00' + to_seconds(range) AS ts, DATE '2026-01-01' + (range % 3)::INT AS day FROM range(${n})`;

function logOf(root: string) {
  return listLog(root).commits.map((c) => parseCommit(fs.readFileSync(c.path, "utf8"), c.path));
}

test("create, append and read back; the log follows the protocol", async (t) => {
  const duck = await Duck.open();
  const root = path.join(tmpDir(t), "events");
  const table = DeltaTable.forPath(root, duck);
  const r0 = await table.write(EVENTS(100), { partitionBy: ["day"], properties: { "delta.checkpointInterval": "3" } });
  assert.equal(r0.version, 0);
  assert.equal(r0.numOutputRows, 100);
  assert.equal(r0.numFiles, 3, "one file per partition");
  await table.write(EVENTS(10, 100));
  await table.write([{ id: 500, event_type: "view", price: 1.5, ts: new Date("2026-02-01T00:00:00Z"), day: "2026-01-09" }].map((r) => ({ ...r })), {}).catch((e) => {
    // A JS string is not a date: schema enforcement names the column.
    assert.equal(e.code, "DELTA_SCHEMA_MISMATCH");
    assert.match(e.message, /column "day": the table has date, the data has string/);
  });
  const r3 = await table.write(`SELECT 501::BIGINT AS id, 'view' AS event_type, 1.50::DECIMAL(10,2) AS price, now() AS ts, DATE '2026-01-09' AS day`);
  assert.equal(r3.version, 2);
  assert.equal(await (await table.scan()).count(), 111);
  assert.equal(await (await table.scan({ filter: "day = DATE '2026-01-09'" })).count(), 1);

  const log = logOf(root);
  assert.ok(log[0]!.some((a) => a.protocol) && log[0]!.some((a) => a.metaData), "first commit holds protocol and metaData");
  for (const [v, actions] of log.entries()) {
    const info = actions[0]!.commitInfo!;
    assert.equal(info.operation, "WRITE");
    assert.match(String(info.engineInfo), /^Streamlab\/\d+\.\d+\.\d+$/);
    assert.equal(info.isBlindAppend, true);
    for (const a of actions.filter((x) => x.add)) {
      const add = a.add!;
      assert.ok(add.size > 0 && add.modificationTime > 0 && add.dataChange === true, `add in v${v}`);
      const stats = JSON.parse(add.stats!);
      assert.ok(stats.numRecords > 0);
      assert.ok("id" in stats.minValues && "id" in stats.maxValues && "id" in stats.nullCount);
      assert.ok(!("day" in stats.minValues), "partition columns are not in the data stats");
      assert.match(add.path, /^day=2026-01-0\d\/part-\d{5}-[0-9a-f-]{36}-c000\.snappy\.parquet$/);
      const file = path.join(root, decodeURIComponent(add.path));
      const cols = (await duck.describe(`SELECT * FROM read_parquet(${sqlString(file)}, hive_partitioning = false)`)).map((c) => c.name);
      assert.deepEqual(cols, ["id", "event_type", "price", "ts"], "partition values live in the path and the log, not in the file");
    }
  }
  // A checkpoint every 3 commits.
  await table.write(EVENTS(1, 1000));
  assert.ok(fs.existsSync(path.join(root, "_delta_log", "00000000000000000003.checkpoint.parquet")));
  assert.equal(JSON.parse(fs.readFileSync(path.join(root, "_delta_log", "_last_checkpoint"), "utf8")).version, 3);
  assert.equal((await table.snapshot()).segment.checkpoint?.version, 3);

  // DuckDB reading the Parquet files directly (no Delta logic) agrees on the data columns.
  const direct = Number(await duck.value(`SELECT count(*) FROM read_parquet(${sqlString(path.join(root, "day=*/*.parquet"))})`));
  assert.equal(direct, 112);
  duck.close();
});

test("tables written here pass the conformance harness (expected rows written by DuckDB)", async (t) => {
  const duck = await Duck.open();
  const dir = tmpDir(t);
  const caseDir = path.join(dir, "streamlab-written");
  const table = DeltaTable.forPath(path.join(caseDir, "delta"), duck);
  await table.write(EVENTS(50), { partitionBy: ["event_type"] });
  await table.write(EVENTS(20, 50));
  await table.delete("id % 7 = 0");
  await table.update({ price: "price * 2" }, "event_type = 'purchase'");
  await table.merge({ source: EVENTS(1, 1000), on: "t.id = s.id", clauses: [{ when: "notMatched", then: "insert", values: "*" }] });
  assert.ok((await table.optimize()).numFilesRemoved > 0);
  fs.mkdirSync(path.join(caseDir, "expected"));
  await duck.run(`COPY (SELECT id, event_type, CASE WHEN event_type = 'purchase' THEN price * 2 ELSE price END::DECIMAL(10,2) AS price, ts, day FROM (${EVENTS(50)} UNION ALL ${EVENTS(20, 50)}) WHERE id % 7 <> 0 UNION ALL ${EVENTS(1, 1000)}) TO ${sqlString(path.join(caseDir, "expected", "part-0.parquet"))} (FORMAT parquet)`);
  const r = await runConformance(dir, () => {});
  assert.equal(r.results[0]!.status, "PASS", r.results[0]!.detail);
  duck.close();
});

test("schema enforcement lists every mismatch; mergeSchema adds columns; overwriteSchema replaces", async (t) => {
  const duck = await Duck.open();
  const table = DeltaTable.forPath(path.join(tmpDir(t), "t"), duck);
  await table.write("SELECT 1::BIGINT AS id, 'a' AS name, 2.50::DECIMAL(10,2) AS price");
  const err = await expectCode(() => table.write("SELECT 'x' AS id, 'b' AS name, 'N/A' AS price, 1 AS extra"), "DELTA_SCHEMA_MISMATCH");
  assert.match(err.message, /column "id": the table has long, the data has string/);
  assert.match(err.message, /column "price": the table has decimal\(10,2\), the data has string/);
  assert.match(err.message, /column "extra" \(INTEGER\) is not in the table/);
  assert.equal((await table.snapshot()).version, 0, "the table is unchanged");

  // Implicit widening only: INTEGER into a long column is fine, DOUBLE into a decimal is not.
  await table.write("SELECT 2::INTEGER AS id, 'b' AS name, 1.5::DECIMAL(4,1) AS price");
  await expectCode(() => table.write("SELECT 3 AS id, 'c' AS name, 1.5::DOUBLE AS price"), "DELTA_SCHEMA_MISMATCH");

  const merged = await table.write("SELECT 4::BIGINT AS id, 'd' AS name, 'WELCOME' AS coupon", { mergeSchema: true });
  assert.deepEqual(merged.addedColumns, ["coupon"]);
  const rows = await table.toRows<{ id: bigint; coupon: string | null; price: number | null }>();
  assert.deepEqual(rows.map((r) => [Number(r.id), r.coupon]).sort(), [[1, null], [2, null], [4, "WELCOME"]]);
  assert.equal(rows.find((r) => Number(r.id) === 4)!.price, null, "a column missing from the data is NULL");

  await table.write("SELECT 'only' AS label", { mode: "overwrite", overwriteSchema: true });
  assert.deepEqual((await table.snapshot()).schema.fields.map((f) => f.name), ["label"]);
  assert.deepEqual(await table.toRows(), [{ label: "only" }]);
  duck.close();
});

test("NOT NULL and CHECK constraints reject the whole write with counts", async (t) => {
  const duck = await Duck.open();
  const table = DeltaTable.forPath(path.join(tmpDir(t), "t"), duck);
  await table.write("SELECT 1::BIGINT AS id, 10.0::DECIMAL(10,2) AS price", {
    schema: "id BIGINT NOT NULL, price DECIMAL(10,2)",
    properties: { "delta.constraints.positive_price": "price > 0" },
  });
  const p = (await table.snapshot()).protocol;
  assert.deepEqual([p.minReaderVersion, p.minWriterVersion], [1, 3], "CHECK constraints need writer version 3");
  const err = await expectCode(
    () => table.write("SELECT * FROM (VALUES (NULL::BIGINT, 5.0), (2, -1.0), (3, -2.0), (NULL, NULL)) v(id, price)"),
    "DELTA_CONSTRAINT_VIOLATION",
  );
  assert.match(err.message, /NOT NULL id: 2 rows/);
  assert.match(err.message, /CHECK positive_price \(price > 0\): 3 rows/, "NULL fails a CHECK");
  assert.equal((await table.snapshot()).version, 0);
  assert.deepEqual(fs.readdirSync(table.path).filter((f) => f.endsWith(".parquet")).length, 1, "no stray data files");
  await expectCode(() => table.update({ price: "-price" }), "DELTA_CONSTRAINT_VIOLATION");
  duck.close();
});

test("idempotent writes: a replayed (txnAppId, txnVersion) is skipped", async (t) => {
  const duck = await Duck.open();
  const table = DeltaTable.forPath(path.join(tmpDir(t), "t"), duck);
  const a = await table.write(EVENTS(5), { txnAppId: "query-1", txnVersion: 0 });
  const b = await table.write(EVENTS(5), { txnAppId: "query-1", txnVersion: 0 });
  const c = await table.write(EVENTS(5, 5), { txnAppId: "query-1", txnVersion: 1 });
  const d = await table.write(EVENTS(5, 5), { txnAppId: "query-1", txnVersion: 1 });
  const e = await table.write(EVENTS(5, 10), { txnAppId: "query-2", txnVersion: 0 });
  assert.deepEqual([a.skipped, b.skipped, c.skipped, d.skipped, e.skipped], [false, true, false, true, false]);
  assert.equal(await (await table.scan()).count(), 15);
  const snap = await table.snapshot();
  assert.equal(snap.txns.get("query-1"), 1);
  assert.equal(snap.txns.get("query-2"), 0);
  await expectCode(() => table.write(EVENTS(1), { txnAppId: "x" }), "INVALID_OPTION");
  duck.close();
});

test("overwrite, replaceWhere on partitions and on data, appendOnly, errorIfExists and ignore", async (t) => {
  const duck = await Duck.open();
  const table = DeltaTable.forPath(path.join(tmpDir(t), "t"), duck);
  await table.write(EVENTS(30), { partitionBy: ["day"] });
  await table.write(`SELECT * REPLACE (id + 1000 AS id) FROM (${EVENTS(30)}) WHERE day = DATE '2026-01-02'`, { mode: "overwrite", replaceWhere: "day = DATE '2026-01-02'" });
  let rows = await table.toRows<{ id: bigint; day: Date }>();
  assert.equal(rows.length, 30);
  assert.ok(rows.filter((r) => Number(r.id) >= 1000).length === 10);
  await expectCode(() => table.write(EVENTS(30), { mode: "overwrite", replaceWhere: "day = DATE '2026-01-02'" }), "DELTA_CONSTRAINT_VIOLATION");
  // replaceWhere over a data column rewrites the files that partially match.
  await table.write(`SELECT 7::BIGINT AS id, 'view' AS event_type, 1.00::DECIMAL(10,2) AS price, now() AS ts, DATE '2026-01-01' AS day`, { mode: "overwrite", replaceWhere: "id < 9" });
  rows = await table.toRows();
  // Rows with id < 9 outside day 2026-01-02 (whose ids became 1000+): 0, 2, 3, 5, 6, 8.
  assert.equal(rows.length, 30 - 6 + 1);
  assert.equal(rows.filter((r) => Number(r.id) < 9).length, 1);
  await table.write(EVENTS(3), { mode: "overwrite" });
  assert.equal(await (await table.scan()).count(), 3);
  await expectCode(() => table.write(EVENTS(3), { mode: "errorIfExists" }), "INVALID_OPTION");
  assert.equal((await table.write(EVENTS(3), { mode: "ignore" })).skipped, true);

  const ao = DeltaTable.forPath(path.join(tmpDir(t), "ao"), duck);
  await ao.write(EVENTS(3), { properties: { "delta.appendOnly": "true" } });
  await ao.write(EVENTS(3, 3));
  await expectCode(() => ao.write(EVENTS(1), { mode: "overwrite" }), "DELTA_APPEND_ONLY");
  await expectCode(() => ao.delete("id = 1"), "DELTA_APPEND_ONLY");
  duck.close();
});

test("bad input: a folder of other files, an empty write, an unknown partition column, a bad input type", async (t) => {
  const duck = await Duck.open();
  const dir = tmpDir(t);
  fs.mkdirSync(path.join(dir, "notdelta"));
  fs.writeFileSync(path.join(dir, "notdelta", "data.csv"), "a\n1\n");
  await expectCode(() => DeltaTable.forPath(path.join(dir, "notdelta"), duck).write(EVENTS(1)), "DELTA_NOT_A_DELTA_TABLE");
  const table = DeltaTable.forPath(path.join(dir, "t"), duck);
  await expectCode(() => table.write(EVENTS(3), { partitionBy: ["nope"] }), "INVALID_OPTION");
  assert.equal(fs.existsSync(path.join(dir, "t", "_delta_log")), false, "nothing was created");
  await table.write(EVENTS(3));
  await expectCode(() => table.write(`SELECT * FROM (${EVENTS(3)}) WHERE false`), "DELTA_EMPTY_WRITE");
  await expectCode(() => table.write([]), "DELTA_EMPTY_WRITE");
  await expectCode(() => table.write({ path: path.join(dir, "missing.csv") }), "PATH_NOT_FOUND");
  await expectCode(() => table.write(EVENTS(3), { mode: "upsert" as never }), "INVALID_OPTION");
  assert.equal((await table.snapshot()).version, 0);
  // From a file: CSV with a header.
  fs.writeFileSync(path.join(dir, "more.csv"), "id,event_type,price,ts,day\n9,view,1.25,2026-01-01T00:00:00Z,2026-01-01\n");
  await expectCode(() => table.write({ path: path.join(dir, "more.csv") }), "DELTA_SCHEMA_MISMATCH");
  await table.write(`SELECT id::BIGINT AS id, event_type, price::DECIMAL(10,2) AS price, ts::TIMESTAMPTZ AS ts, day::DATE AS day FROM read_csv(${sqlString(path.join(dir, "more.csv"))})`);
  assert.equal(await (await table.scan()).count(), 4);
  duck.close();
});

test("tables by name under a base folder: '..' and absolute paths are refused", async (t) => {
  const duck = await Duck.open();
  const base = tmpDir(t);
  const catalog = new DeltaCatalog(base, duck);
  for (const bad of ["../escape", "a/../../b", "/etc/passwd", "", "a b", ".hidden"]) {
    await expectCode(() => catalog.table(bad), "INVALID_ARGUMENT");
  }
  await catalog.table("bronze/events").write(EVENTS(2));
  await catalog.table("users").write(EVENTS(1));
  assert.deepEqual(catalog.list(), ["bronze/events", "users"]);
  assert.equal(catalog.pathOf("users"), path.join(base, "users"));
  duck.close();
});

test("log retention: after a checkpoint, expired commits are cleaned up and the table still reads", async (t) => {
  const duck = await Duck.open();
  const table = DeltaTable.forPath(path.join(tmpDir(t), "t"), duck);
  await table.write(EVENTS(1), { properties: { "delta.checkpointInterval": "5", "delta.logRetentionDuration": "interval 1 days" } });
  const old = new Date(Date.now() - 3 * 86_400_000);
  for (let i = 1; i < 5; i++) await table.write(EVENTS(1, i));
  for (const c of listLog(table.path).commits) fs.utimesSync(c.path, old, old);
  await table.write(EVENTS(1, 5)); // version 5: checkpoint, then cleanup
  const versions = listLog(table.path).commits.map((c) => c.version);
  assert.deepEqual(versions, [5], "commits 0-4 are expired and older than the checkpoint");
  assert.equal(await (await table.scan()).count(), 6);
  await expectCode(() => table.toRows({ version: 2 }), "DELTA_VERSION_NOT_FOUND");
  duck.close();
});
