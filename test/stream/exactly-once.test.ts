import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { Duck } from "../../lib/duck";
import { DeltaTable } from "../../lib/delta/table";
import { tmpDir } from "../helpers/tmp";
import { EVENT_SCHEMA, landFiles } from "../helpers/stream";

const lib = path.resolve(__dirname, "../../lib/index.js");

/** Runs the file → Delta query in a child process until its files are processed (or it is killed). */
function runQuery(landing: string, table: string, checkpoint: string, crashAt?: string) {
  const script = `
    const sl = require(${JSON.stringify(lib)});
    (async () => {
      const q = await sl.readStream
        .files(${JSON.stringify(landing)}, { format: "csv", schema: ${JSON.stringify(EVENT_SCHEMA)}, maxFilesPerTrigger: 2 })
        .writeStream({ format: "delta", path: ${JSON.stringify(table)} }, { checkpointLocation: ${JSON.stringify(checkpoint)}, queryName: "crashy", trigger: "availableNow" });
      await q.awaitTermination();
    })().catch((e) => { console.error(e); process.exit(1); });`;
  return spawnSync(process.execPath, ["-e", script], { env: { ...process.env, STREAMLAB_CRASH_AT: crashAt ?? "" }, encoding: "utf8" });
}

const POINTS = ["beforeOffsets", "afterOffsets", "beforeSink", "delta.beforeCommit", "afterSinkCommit"];

for (const point of POINTS) {
  test(`a process killed at ${point} of batch 1 and restarted loses and duplicates nothing`, async (t) => {
    const dir = tmpDir(t);
    const landing = path.join(dir, "landing");
    const table = path.join(dir, "table");
    const ck = path.join(dir, "ck");
    const sim = landFiles(landing, 6, 10);
    const crashed = runQuery(landing, table, ck, `${point}@1`);
    assert.equal(crashed.signal, "SIGKILL", `the first run was killed at ${point} (stderr: ${crashed.stderr})`);
    const committedBefore = fs.existsSync(path.join(ck, "commits")) ? fs.readdirSync(path.join(ck, "commits")).filter((f) => /^\d+$/.test(f)).length : 0;
    assert.equal(committedBefore, point === "afterSinkCommit" ? 1 : 1, "batch 0 committed, batch 1 not");

    const resumed = runQuery(landing, table, ck);
    assert.equal(resumed.status, 0, resumed.stderr);
    const duck = await Duck.open();
    const rows = await DeltaTable.forPath(table, duck).toRows<{ event_id: string }>();
    const expected = sim.stats.rows;
    assert.equal(rows.length, expected, "every row is in the table");
    assert.equal(new Set(rows.map((r) => r.event_id)).size, expected, "and exactly once");
    const commits = fs.readdirSync(path.join(ck, "commits")).filter((f) => /^\d+$/.test(f)).sort();
    assert.deepEqual(commits, ["0", "1", "2"]);
    // The Delta table holds one commit per batch: a replayed batch was skipped by its txn version.
    const snap = await DeltaTable.forPath(table, duck).snapshot();
    assert.equal(snap.version, 2);
    assert.equal([...snap.txns.values()][0], 2);
    duck.close();
  });
}
