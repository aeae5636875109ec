import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { readStream } from "../../lib/api/read-stream";
import { FileSimulator } from "../../lib/sim/index";
import { Duck } from "../../lib/duck";
import { DeltaTable } from "../../lib/delta/table";
import { SchemaLog } from "../../lib/sources/schema-log";
import type { StreamingQuery } from "../../lib/stream/micro-batch";
import { expectCode, tmpDir } from "../helpers/tmp";

const START = "2026-01-01T00:00:00Z";

function drifting(dir: string, files = 4, afterFiles = 2): FileSimulator {
  const sim = new FileSimulator({ dir, rowsPerFile: 5, seed: 11, startTime: START, schemaDrift: { afterFiles } });
  sim.writeFiles(files);
  return sim;
}

async function collect(q: StreamingQuery): Promise<void> {
  try {
    await q.awaitTermination();
  } catch {
    /* inspected by the caller through q.exception */
  }
}

test("inference: strings by default, typed with inferColumnTypes, hints override; stored as _schemas/N and reused", async (t) => {
  const dir = tmpDir(t);
  const landing = path.join(dir, "landing");
  new FileSimulator({ dir: landing, rowsPerFile: 5, seed: 1, startTime: START }).writeFiles(2);
  const run = async (name: string, opts: Record<string, unknown>) => {
    const q = await readStream.files(landing, { format: "csv", ...opts }).writeStream({ format: "memory" }, { queryName: name, checkpointLocation: path.join(dir, name), trigger: "availableNow" });
    await q.awaitTermination();
    const duck = await (await import("../../lib/duck.js")).duck();
    return (await duck.describe(`SELECT * FROM ${name}`)).map((c) => `${c.name}:${c.type}`);
  };
  assert.deepEqual(await run("inf_str", {}), ["event_id:VARCHAR", "user_id:VARCHAR", "event_type:VARCHAR", "product_id:VARCHAR", "price:VARCHAR", "event_timestamp:VARCHAR", "_rescued_data:VARCHAR"]);
  const typed = await run("inf_typed", { inferColumnTypes: true });
  assert.ok(typed.includes("price:DOUBLE"), typed.join());
  assert.ok(typed.some((c) => /^event_timestamp:TIMESTAMP/.test(c)), typed.join());
  const hinted = await run("inf_hint", { schemaHints: "price DECIMAL(10,2), event_timestamp TIMESTAMP" });
  assert.ok(hinted.includes("price:DECIMAL(10,2)") && hinted.includes("event_timestamp:TIMESTAMP WITH TIME ZONE") && hinted.includes("user_id:VARCHAR"));
  const log = new SchemaLog(path.join(dir, "inf_hint"));
  assert.deepEqual(log.versions(), [0]);
  assert.equal(log.get(0).reason, "inferred");
  // A restart reuses version 0, even when new files would infer differently.
  fs.writeFileSync(path.join(landing, "other.csv"), "x,y\n1,2\n");
  const q = await readStream.files(landing, { format: "csv", schemaHints: "price DECIMAL(10,2), event_timestamp TIMESTAMP", schemaEvolutionMode: "none" }).writeStream({ format: "memory" }, { queryName: "inf_hint", checkpointLocation: path.join(dir, "inf_hint"), trigger: "availableNow" });
  await q.awaitTermination();
  assert.deepEqual(log.versions(), [0]);
});

test("addNewColumns: the query stops with SCHEMA_CHANGED naming the columns; the restart adds them, losing and duplicating nothing", async (t) => {
  const dir = tmpDir(t);
  const landing = path.join(dir, "landing");
  const sim = drifting(landing);
  const table = path.join(dir, "bronze");
  const start = () =>
    readStream
      .files(landing, { format: "csv", maxFilesPerTrigger: 1, schemaHints: "price DECIMAL(10,2)", "cloudFiles.schemaInference.sampleSize.numFiles": 1 })
      .writeStream({ format: "delta", path: table, options: { mergeSchema: true } }, { queryName: "evolve", checkpointLocation: path.join(dir, "ck"), trigger: "availableNow" });
  const first = await start();
  await collect(first);
  assert.equal(first.exception?.code, "SCHEMA_CHANGED");
  assert.match(first.exception!.message, /New column coupon_code found in .*events-.*-000002\.csv/);
  assert.deepEqual(first.recentProgress.map((p) => p.batchId), [0, 1]);
  const second = await start();
  await collect(second);
  assert.equal(second.exception, undefined, String(second.exception));
  assert.deepEqual(second.recentProgress.map((p) => p.batchId), [2, 3], "batch 2 re-ran with the new schema");
  const duck = await Duck.open();
  const rows = await DeltaTable.forPath(table, duck).toRows<{ event_id: string; coupon_code: string | null }>();
  assert.equal(rows.length, sim.stats.rows);
  assert.equal(new Set(rows.map((r) => r.event_id)).size, rows.length);
  assert.equal(rows.filter((r) => r.coupon_code !== null).length, 10, "files 2 and 3 carry the new column");
  assert.deepEqual(new SchemaLog(path.join(dir, "ck")).versions(), [0, 1]);
  duck.close();
});

test("rescue: the schema never changes; unknown columns and values that do not fit go to _rescued_data with the file", async (t) => {
  const dir = tmpDir(t);
  const landing = path.join(dir, "landing");
  drifting(landing, 3, 1);
  fs.writeFileSync(path.join(landing, "zz-bad-price.csv"), "event_id,user_id,event_type,product_id,price,event_timestamp\ne-1,u,view,p,N/A,2026-01-01T00:00:00Z\n");
  const q = await readStream
    .files(landing, { format: "csv", schemaEvolutionMode: "rescue", schemaHints: "price DECIMAL(10,2)", "schemaInference.sampleSize.numFiles": 1 })
    .writeStream({ format: "memory" }, { queryName: "rescued_q", checkpointLocation: path.join(dir, "ck"), trigger: "availableNow" });
  await q.awaitTermination();
  const duck = await (await import("../../lib/duck.js")).duck();
  const cols = (await duck.describe("SELECT * FROM rescued_q")).map((c) => c.name);
  assert.ok(!cols.includes("coupon_code") && cols.includes("_rescued_data"));
  const rescued = await duck.all<{ r: string; price: number | null }>("SELECT _rescued_data AS r, price FROM rescued_q WHERE _rescued_data IS NOT NULL");
  const parsed = rescued.map((x) => JSON.parse(x.r) as Record<string, string>);
  assert.equal(parsed.filter((p) => "coupon_code" in p).length, 10);
  const bad = parsed.find((p) => p.price === "N/A");
  assert.ok(bad, "the unparseable price is kept with its column name");
  assert.match(bad._file_path!, /zz-bad-price\.csv$/);
  assert.equal(rescued.find((x) => x.r.includes("N/A"))!.price, null);
  assert.equal(q.lastProgress!.sources[0]!.metrics.numRescuedRecords, "11");
});

test("failOnNewColumns stays stopped until the schema names the columns; none ignores them", async (t) => {
  const dir = tmpDir(t);
  const landing = path.join(dir, "landing");
  drifting(landing, 3, 1);
  const run = async (opts: Record<string, unknown>, name = "fail_q") => {
    const q = await readStream.files(landing, { format: "csv", "schemaInference.sampleSize.numFiles": 1, ...opts }).writeStream({ format: "memory" }, { queryName: name, checkpointLocation: path.join(dir, name), trigger: "availableNow" });
    await collect(q);
    return q;
  };
  const a = await run({ schemaEvolutionMode: "failOnNewColumns", maxFilesPerTrigger: 1 });
  assert.equal(a.exception?.code, "SCHEMA_CHANGED");
  const b = await run({ schemaEvolutionMode: "failOnNewColumns", maxFilesPerTrigger: 1 });
  assert.equal(b.exception?.code, "SCHEMA_CHANGED", "still stopped after a plain restart");
  const c = await run({ schemaEvolutionMode: "failOnNewColumns", maxFilesPerTrigger: 1, schemaHints: "coupon_code STRING" });
  assert.equal(c.exception, undefined);
  assert.deepEqual(c.recentProgress.map((p) => p.numInputRows), [5, 5]);
  const n = await run({ schema: "event_id STRING, price DECIMAL(10,2)", schemaEvolutionMode: "none" }, "none_q");
  assert.equal(n.exception, undefined);
  assert.equal(n.recentProgress.reduce((s, p) => s + p.numInputRows, 0), 15);
});

test("malformed records: PERMISSIVE quarantines them (file, line, text, reason) once per batch; DROPMALFORMED drops; FAILFAST stops", async (t) => {
  const dir = tmpDir(t);
  const landing = path.join(dir, "landing");
  const sim = new FileSimulator({ dir: landing, rowsPerFile: 40, seed: 5, startTime: START, malformedRatio: 0.1 });
  sim.writeFiles(3);
  const schema = "event_id STRING, user_id STRING, event_type STRING, product_id STRING, price DECIMAL(10,2), event_timestamp TIMESTAMP";
  const quarantine = path.join(dir, "error");
  const ck = path.join(dir, "ck");
  const q = await readStream.files(landing, { format: "csv", schema, badRecordsPath: quarantine }).writeStream({ format: "memory" }, { queryName: "perm", checkpointLocation: ck, trigger: "availableNow" });
  await q.awaitTermination();
  const expected = sim.manifests.flatMap((m) => m.malformedLines.map((l) => `${m.path}:${l}`)).sort();
  assert.ok(expected.length > 0);
  const read = () => fs.readdirSync(quarantine).flatMap((f) => fs.readFileSync(path.join(quarantine, f), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { path: string; line: number; record: string; reason: string }));
  const recs = read();
  assert.deepEqual(recs.map((r) => `${r.path}:${r.line}`).sort(), expected, "every malformed line, with its file and line number");
  assert.ok(recs.every((r) => r.record.length > 0 && /COLUMNS/.test(r.reason)));
  assert.equal(q.lastProgress!.sources[0]!.metrics.numMalformedRecords, String(expected.length));
  assert.equal(q.lastProgress!.numInputRows, sim.stats.rows, "the good rows go on");
  // A replay of the batch (commit lost) rewrites the same quarantine file: nothing twice.
  fs.rmSync(path.join(ck, "commits", "0"));
  const again = await readStream.files(landing, { format: "csv", schema, badRecordsPath: quarantine }).writeStream({ format: "memory" }, { queryName: "perm", checkpointLocation: ck, trigger: "availableNow" });
  await again.awaitTermination();
  assert.equal(again.recentProgress[0]?.batchId, 0);
  assert.equal(read().length, expected.length);

  const drop = await readStream.files(landing, { format: "csv", schema, mode: "DROPMALFORMED", badRecordsPath: path.join(dir, "e2") }).writeStream({ format: "memory" }, { queryName: "dropm", checkpointLocation: path.join(dir, "ck2"), trigger: "availableNow" });
  await drop.awaitTermination();
  assert.equal(drop.lastProgress!.numInputRows, sim.stats.rows);
  assert.equal(fs.existsSync(path.join(dir, "e2")), false);

  const fast = await readStream.files(landing, { format: "csv", schema, mode: "FAILFAST" }).writeStream({ format: "memory" }, { queryName: "ff", checkpointLocation: path.join(dir, "ck3"), trigger: "availableNow" });
  const err = await expectCode(() => fast.awaitTermination(), "MALFORMED_RECORD");
  assert.match(err.message, /events-.*\.csv, line \d+/);
});

test("JSON lines: invalid lines are bad records with their line numbers; a value of the wrong type without a rescue column too", async (t) => {
  const dir = tmpDir(t);
  const landing = path.join(dir, "landing");
  fs.mkdirSync(landing);
  fs.writeFileSync(path.join(landing, "a.json"), ['{"id": 1, "v": 1.5}', '{"id": 2, "v":', '', '[1, 2]', '{"id": "x", "v": 2}', '{"id": 4}'].join("\n") + "\n");
  const quarantine = path.join(dir, "error");
  const q = await readStream.files(landing, { format: "json", schema: "id BIGINT, v DOUBLE", badRecordsPath: quarantine }).writeStream({ format: "memory" }, { queryName: "jsonq", checkpointLocation: path.join(dir, "ck"), trigger: "once" });
  await q.awaitTermination();
  const recs = fs.readFileSync(path.join(quarantine, fs.readdirSync(quarantine)[0]!), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { line: number | null; reason: string; record: string });
  assert.deepEqual(recs.map((r) => [r.line, r.reason.split(":")[0]]), [[2, "invalid JSON"], [4, "not a JSON object"], [5, "id"]]);
  const duck = await (await import("../../lib/duck.js")).duck();
  assert.deepEqual((await duck.all<{ id: bigint }>("SELECT id FROM jsonq ORDER BY id")).map((r) => Number(r.id)), [1, 4]);
});

test("CSV with a given schema and no rescue column: a value that does not fit is a bad record with its line, never a silent NULL", async (t) => {
  const dir = tmpDir(t);
  const landing = path.join(dir, "landing");
  fs.mkdirSync(landing);
  fs.writeFileSync(path.join(landing, "a.csv"), "id,price\n1,2.50\n2,N/A\n3,4.00\n");
  const quarantine = path.join(dir, "error");
  const q = await readStream.files(landing, { format: "csv", schema: "id BIGINT, price DECIMAL(10,2)", badRecordsPath: quarantine }).writeStream({ format: "memory" }, { queryName: "typed_csv", checkpointLocation: path.join(dir, "ck"), trigger: "once" });
  await q.awaitTermination();
  const recs = fs.readFileSync(path.join(quarantine, fs.readdirSync(quarantine)[0]!), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { line: number; record: string; reason: string });
  assert.deepEqual(recs.map((r) => [r.line, r.record]), [[3, "2,N/A"]]);
  assert.match(recs[0]!.reason, /CAST/);
  const duck = await (await import("../../lib/duck.js")).duck();
  assert.deepEqual((await duck.all<{ id: bigint; price: number }>("SELECT id, price FROM typed_csv ORDER BY id")).map((r) => [Number(r.id), r.price]), [[1, 2.5], [3, 4]]);
});
