/** The rate source: rowsPerSecond rows of (timestamp, value), ramping up linearly over rampUpTime. */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { Duck } from "../../lib/duck";
import { RateSource } from "../../lib/sources/rate-source";
import { readStream } from "../../lib/api/read-stream";
import { expectCode, tmpDir } from "../helpers/tmp";

test("without a ramp, rows are due at rowsPerSecond from the start", () => {
  const r = new RateSource({ rowsPerSecond: 100 });
  assert.deepEqual([0, 10, 1000, 2500].map((ms) => r.rowsAt(ms)), [0, 1, 100, 250]);
});

test("rampUpTime: the rate grows linearly to rowsPerSecond, so the rows due are the integral (a parabola), then a line", () => {
  const r = new RateSource({ rowsPerSecond: 100, rampUpTime: "10s" });
  // During the ramp: r·t²/(2·ramp); at its end half of a full-rate 10 s (500 rows); then 100 rows a second.
  assert.deepEqual([0, 1000, 5000, 10_000, 12_000, 20_000].map((ms) => r.rowsAt(ms)), [0, 5, 125, 500, 700, 1500]);
  for (let ms = 0; ms < 20_000; ms += 250) assert.ok(r.rowsAt(ms + 250) >= r.rowsAt(ms), "never decreasing");
  assert.equal(r.description, "RateStreamV2[rowsPerSecond=100, rampUpTimeSeconds=10]");
});

test("each row's timestamp is when it fell due, on the ramp and after it; values count from 0", async (t) => {
  const dir = tmpDir(t);
  const duck = await Duck.open();
  t.after(() => duck.close());
  const start = Date.parse("2026-01-01T00:00:00Z");
  // The start time a run recorded: the sequence continues from it.
  fs.writeFileSync(path.join(dir, "metadata"), JSON.stringify({ startTimeMs: start }));
  const r = new RateSource({ rowsPerSecond: 100, rampUpTime: "10s" });
  await r.open({ duck, dir, queryId: "q", queryName: "q" });
  await r.getBatch(null, "701", "rows");
  const rows = await duck.all<{ timestamp: Date; value: bigint }>("SELECT timestamp, value FROM rows ORDER BY value");
  assert.equal(rows.length, 701);
  const at = (v: number) => rows[v]!.timestamp.getTime() - start;
  assert.deepEqual([at(0), at(5), at(125), at(500), at(700)], [0, 1000, 5000, 10_000, 12_000]);
  assert.deepEqual([rows[0]!.value, rows[700]!.value], [0n, 700n]);
  assert.deepEqual(r.describeBatch("100", "701"), { rows: 601 });
});

test("offsets: rows due now, capped by maxRowsPerTrigger; an offset that is not a row count is refused", async (t) => {
  const dir = tmpDir(t);
  const duck = await Duck.open();
  t.after(() => duck.close());
  fs.writeFileSync(path.join(dir, "metadata"), JSON.stringify({ startTimeMs: Date.now() - 3_600_000 }));
  const r = new RateSource({ rowsPerSecond: 10, maxRowsPerTrigger: 50 });
  await r.open({ duck, dir, queryId: "q", queryName: "q" });
  assert.equal(await r.latestOffset(null, {}), "50");
  assert.equal(await r.latestOffset("50", {}), "100");
  assert.ok(Number(await r.latestOffset("50", { unlimited: true })) >= 36_000, "trigger once ignores the limit");
  assert.equal(await r.latestOffset("50", { cap: "60" }), "60");
  assert.equal(r.deserializeOffset("50"), 50);
  assert.throws(() => r.deserializeOffset('{"logOffset":1}'));
  assert.throws(() => r.deserializeOffset("-1"));
});

test("a query records its start time once; a damaged record is STREAM_CHECKPOINT_CORRUPT", async (t) => {
  const dir = tmpDir(t);
  const ck = path.join(dir, "ck");
  const q = await readStream.rate({ rowsPerSecond: 1000 }).writeStream({ foreachBatch: () => {} }, { queryName: "rate_q", checkpointLocation: ck, trigger: "once" });
  await q.awaitTermination();
  const file = path.join(ck, "sources", "0", "metadata");
  const recorded = fs.readFileSync(file, "utf8");
  const again = await readStream.rate({ rowsPerSecond: 1000 }).writeStream({ foreachBatch: () => {} }, { queryName: "rate_q", checkpointLocation: ck, trigger: "once" });
  await again.awaitTermination();
  assert.equal(fs.readFileSync(file, "utf8"), recorded, "the restart kept the start time");
  fs.writeFileSync(file, "{");
  const e = await expectCode(() => readStream.rate({ rowsPerSecond: 1000 }).writeStream({ foreachBatch: () => {} }, { queryName: "rate_q", checkpointLocation: ck, trigger: "once" }), "STREAM_CHECKPOINT_CORRUPT");
  assert.ok(e.message.includes(file));
});

test("bad options are INVALID_OPTION", async () => {
  await expectCode(() => new RateSource({ rowsPerSecond: "fast" }), "INVALID_OPTION");
  await expectCode(() => new RateSource({ rampUpTime: "soon" }), "INVALID_OPTION");
  await expectCode(() => new RateSource({ rowsPerSec: 5 }), "INVALID_OPTION");
});
