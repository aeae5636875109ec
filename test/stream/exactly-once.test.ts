/**
 * Exactly-once across crashes: a real child process runs a file → Delta query and is killed
 * (SIGKILL, no cleanup) at one point of batch 1; a second process resumes from the checkpoint.
 * Each crash point asserts what is specific to it: what the checkpoint and the table held at the
 * crash, and how the restart handled batch 1 (planned anew, re-run from the same offsets, or
 * recognised by the Delta txn and skipped).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { Duck } from "../../lib/duck";
import { DeltaTable } from "../../lib/delta/table";
import type { StreamingQueryProgress } from "../../lib/stream/progress";
import { tmpDir } from "../helpers/tmp";
import { EVENT_SCHEMA, landFiles } from "../helpers/stream";

const lib = path.resolve(__dirname, "../../lib/index.js");

/** Runs the file → Delta query in a child process until its files are processed (or it is killed); returns each batch's progress. */
function runQuery(landing: string, table: string, checkpoint: string, crashAt?: string) {
  const script = `
    const sl = require(${JSON.stringify(lib)});
    (async () => {
      const q = await sl.readStream
        .files(${JSON.stringify(landing)}, { format: "csv", schema: ${JSON.stringify(EVENT_SCHEMA)}, maxFilesPerTrigger: 2 })
        .writeStream({ format: "delta", path: ${JSON.stringify(table)} }, {
          checkpointLocation: ${JSON.stringify(checkpoint)}, queryName: "crashy", trigger: "availableNow",
          listeners: [{ onQueryProgress: (e) => console.log(JSON.stringify(e.progress)) }],
        });
      await q.awaitTermination();
    })().catch((e) => { console.error(e); process.exit(1); });`;
  const r = spawnSync(process.execPath, ["-e", script], { env: { ...process.env, STREAMLAB_CRASH_AT: crashAt ?? "" }, encoding: "utf8" });
  const progress = r.stdout.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as StreamingQueryProgress);
  return { ...r, progress };
}

const entries = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => /^\d+$/.test(f)).sort() : []);

interface Expectation {
  /** offsets/1 was written before the crash. */
  offsetsWritten: boolean;
  /** The table's version at the crash: 1 when batch 1's Delta commit landed. */
  tableVersionAtCrash: number;
}

const POINTS: Record<string, Expectation> = {
  beforeOffsets: { offsetsWritten: false, tableVersionAtCrash: 0 },
  afterOffsets: { offsetsWritten: true, tableVersionAtCrash: 0 },
  beforeSink: { offsetsWritten: true, tableVersionAtCrash: 0 },
  "delta.beforeCommit": { offsetsWritten: true, tableVersionAtCrash: 0 },
  afterSinkCommit: { offsetsWritten: true, tableVersionAtCrash: 1 },
};

for (const [point, expect] of Object.entries(POINTS)) {
  test(`a process killed at ${point} of batch 1 and restarted loses and duplicates nothing`, async (t) => {
    const dir = tmpDir(t);
    const landing = path.join(dir, "landing");
    const table = path.join(dir, "table");
    const ck = path.join(dir, "ck");
    const sim = landFiles(landing, 6, 10);
    const duck = await Duck.open();
    t.after(() => duck.close());

    const crashed = runQuery(landing, table, ck, `${point}@1`);
    assert.equal(crashed.signal, "SIGKILL", `the first run was killed at ${point} (stderr: ${crashed.stderr})`);
    assert.deepEqual(crashed.progress.map((p) => p.batchId), [0], "batch 0 completed before the crash");
    assert.deepEqual(entries(path.join(ck, "commits")), ["0"], "batch 0 committed, batch 1 not");
    assert.deepEqual(entries(path.join(ck, "offsets")), expect.offsetsWritten ? ["0", "1"] : ["0"]);
    const offsets1 = expect.offsetsWritten ? fs.readFileSync(path.join(ck, "offsets", "1"), "utf8") : undefined;
    const atCrash = await DeltaTable.forPath(table, duck).snapshot();
    assert.equal(atCrash.version, expect.tableVersionAtCrash, "the table at the crash");

    const resumed = runQuery(landing, table, ck);
    assert.equal(resumed.status, 0, resumed.stderr);
    assert.deepEqual(resumed.progress.map((p) => p.batchId), [1, 2], "the restart continues with batch 1");
    const batch1 = resumed.progress[0]!;
    if (offsets1 !== undefined) {
      // Re-run from the same offsets: offsets/1 was read back, not planned (or written) again.
      assert.equal(fs.readFileSync(path.join(ck, "offsets", "1"), "utf8"), offsets1, "offsets/1 untouched by the restart");
      assert.deepEqual(batch1.sources[0]!.endOffset, JSON.parse(offsets1.split("\n")[2]!));
    }
    if (expect.tableVersionAtCrash === 1) {
      // The Delta commit of batch 1 had landed: the replay is recognised by its txn and skipped; the table does not move.
      assert.equal(batch1.sink.metrics.batchAlreadyCommitted, "true");
      assert.equal(batch1.sink.numOutputRows, 0);
      assert.equal(batch1.sink.metrics.tableVersion, "1", "no new version for the replayed batch");
    } else {
      assert.equal(batch1.sink.metrics.batchAlreadyCommitted, undefined, "batch 1 was written by the restart");
      assert.equal(batch1.sink.numOutputRows, 20);
      assert.equal(batch1.sink.metrics.tableVersion, "1");
    }

    const rows = await DeltaTable.forPath(table, duck).toRows<{ event_id: string }>();
    assert.equal(rows.length, sim.stats.rows, "every row is in the table");
    assert.equal(new Set(rows.map((r) => r.event_id)).size, sim.stats.rows, "and exactly once");
    assert.deepEqual(entries(path.join(ck, "commits")), ["0", "1", "2"]);
    // One Delta commit per batch, whichever run made it.
    const history = DeltaTable.forPath(table, duck).history().reverse();
    assert.deepEqual(history.map((h) => [h.version, h.operationParameters.epochId]), [[0, "0"], [1, "1"], [2, "2"]]);
    const snap = await DeltaTable.forPath(table, duck).snapshot();
    assert.equal([...snap.txns.values()][0], 2);
  });
}
