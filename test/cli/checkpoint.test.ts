/**
 * `streamlab checkpoint show` run as a real child process on the checkpoint of a real stateful
 * query (files → withWatermark → dropDuplicatesWithinWatermark → windowed count → Delta), first as
 * a crash left it (the last batch and its state version not committed), then after a restart.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { tmpDir } from "../helpers/tmp";

const cliPath = path.resolve(__dirname, "../../lib/cli/index.js");
const lib = path.resolve(__dirname, "../../lib/index.js");

function cli(...args: string[]) {
  return spawnSync(process.execPath, [cliPath, "checkpoint", ...args], { encoding: "utf8" });
}

/** The tables of the output by their title line: each row as { column: cell text }. */
function tables(stdout: string): Map<string, Record<string, string>[]> {
  const out = new Map<string, Record<string, string>[]>();
  const lines = stdout.split("\n");
  const cells = (l: string) => l.slice(1, -1).split("|").map((c) => c.trim());
  for (let i = 1; i < lines.length; i++) {
    if (!lines[i]!.startsWith("+") || lines[i - 1]!.startsWith("|") || lines[i - 1]!.startsWith("+")) continue;
    const header = cells(lines[i + 1]!);
    const rows: Record<string, string>[] = [];
    for (let j = i + 3; j < lines.length && lines[j]!.startsWith("|"); j++) rows.push(Object.fromEntries(cells(lines[j]!).map((c, k) => [header[k]!, c])));
    out.set(lines[i - 1]!.replace(/ \(.*$/, ""), rows);
  }
  return out;
}

/** Runs the query in a child process (availableNow), optionally killed at `crashAt`; returns the stateOperators of each batch. */
function runQuery(dir: string, crashAt = "") {
  const script = `
    const sl = require(${JSON.stringify(lib)});
    (async () => {
      const q = await sl.readStream
        .files(${JSON.stringify(path.join(dir, "landing"))}, { format: "csv", schema: "id INT, station STRING, event_time TIMESTAMP", maxFilesPerTrigger: 1 })
        .withWatermark("event_time", "10 seconds").dropDuplicatesWithinWatermark("id")
        .groupBy(sl.window("event_time", "10 seconds"), "station").count()
        .writeStream({ format: "delta", path: ${JSON.stringify(path.join(dir, "table"))} }, {
          checkpointLocation: ${JSON.stringify(path.join(dir, "ck"))}, trigger: "availableNow", outputMode: "append",
          listeners: [{ onQueryProgress: (e) => console.log(JSON.stringify(e.progress.stateOperators.map((o) => o.numRowsTotal))) }],
        });
      await q.awaitTermination();
    })().catch((e) => { console.error(e); process.exit(1); });`;
  const r = spawnSync(process.execPath, ["-e", script], { env: { ...process.env, STREAMLAB_CRASH_AT: crashAt }, encoding: "utf8" });
  return { ...r, rowsTotal: r.stdout.split("\n").filter((l) => l.startsWith("[")).map((l) => JSON.parse(l) as number[]) };
}

test("checkpoint show: query id, batches with watermarks and files, the file source log, schema versions, and each state operator's versions and rows", (t) => {
  const dir = tmpDir(t);
  const landing = path.join(dir, "landing");
  fs.mkdirSync(landing);
  const files: [string, string][] = [
    ["a.csv", "1,x,2025-01-01 00:00:01\n2,y,2025-01-01 00:00:12\n"],
    ["b.csv", "3,x,2025-01-01 00:00:15\n1,x,2025-01-01 00:00:16\n"],
    ["c.csv", "4,y,2025-01-01 00:00:31\n5,x,2025-01-01 00:00:33\n"],
  ];
  files.forEach(([name, rows], i) => {
    fs.writeFileSync(path.join(landing, name), `id,station,event_time\n${rows}`);
    fs.utimesSync(path.join(landing, name), new Date(1e12 + i * 1000), new Date(1e12 + i * 1000));
  });
  // Batches 0–2 read a, b, c; no-data batch 3 (watermark 23 s) emits [0,10) and [10,20). Killed before commits/3.
  const crashed = runQuery(dir, "afterStateCommit@3");
  assert.equal(crashed.signal, "SIGKILL", crashed.stderr);
  const ck = path.join(dir, "ck");
  const queryId = (JSON.parse(fs.readFileSync(path.join(ck, "metadata"), "utf8")) as { id: string }).id;

  const r = cli("show", ck);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^checkpoint ${ck.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\nquery id ${queryId}\n`));
  assert.match(r.stdout, /4 batches in offsets\/, last committed: 2/);
  const tbl = tables(r.stdout);
  const batches = tbl.get("batches")!;
  assert.deepEqual(batches.map((b) => [b.batchId, b.committed, b.noData, b.numFiles, b.files]), [
    ["0", "true", "false", "1", "a.csv"],
    ["1", "true", "false", "1", "b.csv"],
    ["2", "true", "false", "1", "c.csv"],
    ["3", "false", "true", "0", ""],
  ]);
  assert.deepEqual(batches.map((b) => [b.batchWatermark, b.nextBatchWatermark]), [
    ["1970-01-01T00:00:00.000Z", "2025-01-01T00:00:02.000Z"],
    ["2025-01-01T00:00:02.000Z", "2025-01-01T00:00:06.000Z"],
    ["2025-01-01T00:00:06.000Z", "2025-01-01T00:00:23.000Z"],
    ["2025-01-01T00:00:23.000Z", "null"],
  ]);
  assert.equal(batches[2]!.endOffset, '{"logOffset":2}');
  assert.deepEqual(tbl.get("source 0")!.map((e) => [e.entry, e.numFiles, e.files]), [["0", "1", "a.csv"], ["1", "1", "b.csv"], ["2", "1", "c.csv"]]);
  const schemas = tbl.get("schema versions")!;
  assert.equal(schemas.length, 1);
  assert.match(schemas[0]!.reason, /^declared/);
  assert.match(schemas[0]!.columns, /^id integer, station string, event_time/, "cells are cut at 40 characters");

  // Version 4 (after batch 3) is on disk but batch 3 did not commit. Rows read from Parquet: dedup
  // keeps ids whose first event time + 10 s is after 23 s (3, 4, 5); the count keeps [30,40) x and y.
  const state = tbl.get("state operators")!;
  assert.deepEqual(state.map((s) => [s.operatorId, s.operatorName, s.keys, s.deltas, s.snapshots, s.latestVersion, s.committed, s.numRowsTotal]), [
    ["0", "dedupeWithinWatermark", "id", "1-4", "none", "4", "false", "3"],
    ["1", "stateStoreSave", "window, station", "1-4", "none", "4", "false", "2"],
  ]);

  const resumed = runQuery(dir);
  assert.equal(resumed.status, 0, resumed.stderr);
  // The re-run of batch 3 reports the same rows (plan order reversed: the count first) as the files read above.
  assert.deepEqual(resumed.rowsTotal, [[2, 3]]);
  const after = tables(cli("show", ck).stdout);
  assert.deepEqual(after.get("batches")!.map((b) => b.committed), ["true", "true", "true", "true"]);
  assert.deepEqual(after.get("state operators")!.map((s) => [s.latestVersion, s.committed, s.numRowsTotal]), [["4", "true", "3"], ["4", "true", "2"]]);
});

test("checkpoint show on a folder that is not a checkpoint is PATH_NOT_FOUND; a stateless query's checkpoint has no state", (t) => {
  const dir = tmpDir(t);
  const missing = cli("show", path.join(dir, "nope"));
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /^error \[PATH_NOT_FOUND\]: The checkpoint folder .* does not exist/);
  const notCk = cli("show", dir);
  assert.equal(notCk.status, 1);
  assert.match(notCk.stderr, /^error \[PATH_NOT_FOUND\]: .* is not a streaming query's checkpoint/);

  const landing = path.join(dir, "landing");
  fs.mkdirSync(landing);
  fs.writeFileSync(path.join(landing, "a.csv"), "id,station,event_time\n1,x,2025-01-01 00:00:01\n");
  const script = `
    const sl = require(${JSON.stringify(lib)});
    sl.readStream.files(${JSON.stringify(landing)}, { format: "csv" })
      .writeStream({ format: "delta", path: ${JSON.stringify(path.join(dir, "table"))} }, { checkpointLocation: ${JSON.stringify(path.join(dir, "ck"))}, trigger: "availableNow" })
      .then((q) => q.awaitTermination()).catch((e) => { console.error(e); process.exit(1); });`;
  const q = spawnSync(process.execPath, ["-e", script], { encoding: "utf8" });
  assert.equal(q.status, 0, q.stderr);
  const r = cli("show", path.join(dir, "ck"));
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /\nstate: none \(a stateless query\)\n/);
  const schemas = tables(r.stdout).get("schema versions")!;
  assert.deepEqual(schemas.map((s) => [s.version, s.reason]), [["0", "inferred"]]);
});
