import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { Duck } from "../../lib/duck";
import { DeltaTable } from "../../lib/delta/table";
import { readStream } from "../../lib/api/read-stream";
import type { StreamingQueryProgress } from "../../lib/stream/progress";
import { expectCode, tmpDir } from "../helpers/tmp";

const SCHEMA = "id INT, name STRING, amount DOUBLE";

async function run(dir: string, duck: Duck, options: Record<string, unknown> = {}): Promise<StreamingQueryProgress[]> {
  const progress: StreamingQueryProgress[] = [];
  const q = await readStream
    .files(path.join(dir, "landing"), { format: "csv", schema: SCHEMA, maxFilesPerTrigger: 1, badRecordsPath: path.join(dir, "bad"), ...options })
    .writeStream({ format: "delta", path: path.join(dir, "t") }, { checkpointLocation: path.join(dir, "ck"), trigger: "availableNow", duck, listeners: [{ onQueryProgress: (e) => progress.push(e.progress) }] });
  await q.awaitTermination();
  return progress;
}

function land(dir: string, name: string, lines: string[]): void {
  fs.mkdirSync(path.join(dir, "landing"), { recursive: true });
  fs.writeFileSync(path.join(dir, "landing", name), ["id,name,amount", ...lines].join("\n") + "\n");
}

test("clean CSV batches go from the files to the Delta table in one pass (never materialised); a batch with a bad line is read again and quarantines it", async (t) => {
  const duck = await Duck.open();
  t.after(() => duck.close());
  const dir = tmpDir(t);
  land(dir, "a.csv", ["1,x,1.5", "2,y,2.5"]);
  land(dir, "b.csv", ["3,z,3.5", "4,oops,not-a-number", "5,w,5.5"]);
  land(dir, "c.csv", ["6,v,6.5"]);
  // Which batches were read into a table of their own (the usual way) rather than straight by the sink's write.
  const materialised: number[] = [];
  const runSql = duck.run.bind(duck);
  duck.run = async (sql: string) => {
    const m = /CREATE OR REPLACE TEMP TABLE \S+_batch_(\d+)_in AS/.exec(sql) ?? /CREATE TEMP TABLE __sl_raw_\d+/.exec(sql);
    if (m) materialised.push(m[1] === undefined ? -1 : Number(m[1]));
    return runSql(sql);
  };
  const progress = await run(dir, duck);
  assert.deepEqual(progress.map((p) => p.numInputRows), [2, 2, 1], "every good row counted once, the bad line not");
  assert.deepEqual(materialised.filter((b) => b >= 0), [], "no batch was read with the one-statement read into a table: clean ones went straight to the sink, the bad one the usual way");
  assert.ok(materialised.includes(-1), "the batch with the bad line was read the usual way (its lines, its rejects)");
  const rows = (await DeltaTable.forPath(path.join(dir, "t"), duck).toRows<{ id: number }>()).map((r) => r.id).sort((a, b) => a - b);
  assert.deepEqual(rows, [1, 2, 3, 5, 6]);
  const snap = await DeltaTable.forPath(path.join(dir, "t"), duck).snapshot();
  assert.equal(snap.version, 2, "one commit per batch: the abandoned one-pass write committed nothing");
  assert.equal(fs.readdirSync(path.join(dir, "t")).filter((f) => f.endsWith(".parquet")).length, 3, "its data file was discarded");
  const quarantined = fs.readdirSync(path.join(dir, "bad")).flatMap((f) => fs.readFileSync(path.join(dir, "bad", f), "utf8").trim().split("\n"));
  assert.equal(quarantined.length, 1);
  assert.match(quarantined[0]!, /not-a-number/);
});

test("FAILFAST still fails on the bad line, naming file and line, with nothing of that batch committed", async (t) => {
  const duck = await Duck.open();
  t.after(() => duck.close());
  const dir = tmpDir(t);
  land(dir, "a.csv", ["1,x,1.5"]);
  land(dir, "b.csv", ["2,y,2.5", "3,z,bad"]);
  const e = await expectCode(() => run(dir, duck, { mode: "FAILFAST" }), "MALFORMED_RECORD");
  assert.match(e.message, /b\.csv, line 3/);
  const snap = await DeltaTable.forPath(path.join(dir, "t"), duck).snapshot();
  assert.equal(snap.version, 0, "only the first batch committed");
});
