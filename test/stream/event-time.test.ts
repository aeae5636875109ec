/**
 * Event time against Spark's documented results, batch by batch: EventTimeWatermarkSuite's
 * append / update / complete cases, StreamingDeduplicationSuite and
 * StreamingDeduplicationWithinWatermarkSuite, StreamingSessionWindowSuite's append case, and the
 * programming guide's words example (10-minute windows sliding 5 minutes, 10-minute delay). Times
 * are seconds (as the suites' `timestamp_seconds(value)`), or minutes after 12:00 for the words.
 */
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import { readStream, type StreamFrame } from "../../lib/api/read-stream";
import { MemoryStream } from "../../lib/sources/memory-source";
import type { OutputMode } from "../../lib/stream/sink";
import type { StreamingQuery } from "../../lib/stream/query";
import { sessionWindow, window } from "../../lib/stream/window";
import { expectCode, tmpDir } from "../helpers/tmp";

const sec = (s: number) => new Date(s * 1000);
const noon = (m: number) => new Date(Date.UTC(2025, 0, 1, 12, m));
const secOf = (d: unknown) => Math.round((d as Date).getTime() / 1000);
const minOf = (d: unknown) => Math.round(((d as Date).getTime() - noon(0).getTime()) / 60_000);

interface Run {
  q: StreamingQuery;
  /** Adds rows, waits for every batch (no-data batches included), returns the rows output since the last call. */
  step(rows: Record<string, unknown>[]): Promise<Record<string, unknown>[]>;
  /** Output per batch id. */
  batches: Map<number, Record<string, unknown>[]>;
}

async function start(t: TestContext, mem: MemoryStream, frame: StreamFrame, outputMode: OutputMode, checkpoint?: string): Promise<Run> {
  const batches = new Map<number, Record<string, unknown>[]>();
  let seen: Record<string, unknown>[] = [];
  const all: Record<string, unknown>[] = [];
  const q = await frame.writeStream(
    {
      foreachBatch: async (b, id) => {
        const rows = await b.rows();
        batches.set(id, rows);
        all.push(...rows);
      },
    },
    { checkpointLocation: checkpoint ?? path.join(tmpDir(t), "ck"), outputMode },
  );
  t.after(() => q.stop());
  return {
    q,
    batches,
    async step(rows) {
      if (rows.length) mem.addData(rows);
      await q.processAllAvailable();
      const out = all.slice(seen.length);
      seen = [...all];
      return out;
    },
  };
}

/** The 5-second tumbling count of EventTimeWatermarkSuite, watermark 10 s. */
function windowedCount(mem: MemoryStream): StreamFrame {
  return readStream.memory(mem).withWatermark("event_time", "10 seconds").groupBy(window("event_time", "5 seconds")).count();
}
const asPairs = (rows: Record<string, unknown>[]) => rows.map((r) => [secOf((r.window as { start: Date }).start), Number(r.count)]).sort((a, b) => a[0]! - b[0]!);
const at = (...s: number[]) => s.map((x) => ({ event_time: sec(x) }));
const lastWithData = (q: StreamingQuery) => [...q.recentProgress].reverse().find((p) => p.numInputRows > 0)!;

test("append mode (EventTimeWatermarkSuite): a window is emitted once, when the watermark passes its end — in a no-data batch — then late rows are dropped", async (t) => {
  const mem = new MemoryStream(["event_time"]);
  const r = await start(t, mem, windowedCount(mem), "append");
  assert.deepEqual(asPairs(await r.step(at(10, 11, 12, 13, 14, 15))), []);
  assert.deepEqual(asPairs(await r.step(at(25))), [[10, 5]]);
  const nd = r.q.lastProgress!;
  assert.equal(nd.numInputRows, 0, "the window was emitted by a no-data batch");
  assert.equal(nd.stateOperators[0]!.numRowsTotal, 2);
  assert.equal(nd.eventTime.watermark, "1970-01-01T00:00:15.000Z");
  assert.deepEqual(asPairs(await r.step(at(10))), []);
  assert.equal(lastWithData(r.q).stateOperators[0]!.numRowsDroppedByWatermark, 1);
  assert.equal(r.q.lastProgress!.stateOperators[0]!.numRowsTotal, 2);
  // Batch ids: b0 data, b1 no-data (wm 5), b2 data (25), b3 no-data (wm 15, emits), b4 data (10, dropped).
  assert.deepEqual(r.q.recentProgress.map((p) => [p.batchId, p.numInputRows]), [[0, 6], [1, 0], [2, 1], [3, 0], [4, 1]]);
  assert.deepEqual(r.q.recentProgress.map((p) => p.eventTime.watermark), ["1970-01-01T00:00:00.000Z", "1970-01-01T00:00:05.000Z", "1970-01-01T00:00:05.000Z", "1970-01-01T00:00:15.000Z", "1970-01-01T00:00:15.000Z"]);
});

test("event-time progress (EventTimeWatermarkSuite): min, max, avg and the watermark the batch ran with", async (t) => {
  const mem = new MemoryStream(["event_time"]);
  const r = await start(t, mem, windowedCount(mem), "append");
  await r.step(at(15));
  assert.deepEqual(lastWithData(r.q).eventTime, { min: "1970-01-01T00:00:15.000Z", max: "1970-01-01T00:00:15.000Z", avg: "1970-01-01T00:00:15.000Z", watermark: "1970-01-01T00:00:00.000Z" });
  await r.step(at(10, 12, 14));
  assert.deepEqual(lastWithData(r.q).eventTime, { min: "1970-01-01T00:00:10.000Z", max: "1970-01-01T00:00:14.000Z", avg: "1970-01-01T00:00:12.000Z", watermark: "1970-01-01T00:00:05.000Z" });
  assert.deepEqual(asPairs(await r.step(at(25))), [[10, 3]]);
});

test("update mode (EventTimeWatermarkSuite): the groups changed in each batch; evictions are not emitted; late rows dropped", async (t) => {
  const mem = new MemoryStream(["event_time"]);
  const r = await start(t, mem, windowedCount(mem), "update");
  assert.deepEqual(asPairs(await r.step(at(10, 11, 12, 13, 14, 15))), [[10, 5], [15, 1]]);
  assert.deepEqual(asPairs(await r.step(at(25))), [[25, 1]]);
  assert.equal(r.q.lastProgress!.stateOperators[0]!.numRowsTotal, 2, "[10,15) evicted by the no-data batch");
  assert.equal(r.q.lastProgress!.stateOperators[0]!.numRowsRemoved, 1);
  assert.deepEqual(asPairs(await r.step(at(10, 25))), [[25, 2]]);
  assert.equal(lastWithData(r.q).stateOperators[0]!.numRowsDroppedByWatermark, 1);
  assert.deepEqual(asPairs(await r.step(at(10))), []);
  assert.equal(lastWithData(r.q).stateOperators[0]!.numRowsDroppedByWatermark, 1);
  assert.equal(r.q.lastProgress!.stateOperators[0]!.numRowsTotal, 2);
});

test("complete mode (EventTimeWatermarkSuite): the whole result every batch, state never evicted, late rows still counted", async (t) => {
  const mem = new MemoryStream(["event_time"]);
  const r = await start(t, mem, windowedCount(mem), "complete");
  assert.deepEqual(asPairs(await r.step(at(10, 11, 12))), [[10, 3]]);
  assert.deepEqual(asPairs(await r.step(at(25))), [[10, 3], [25, 1]]);
  assert.deepEqual(asPairs(await r.step(at(25))), [[10, 3], [25, 2]]);
  assert.deepEqual(asPairs(await r.step(at(10))), [[10, 4], [25, 2]]);
  assert.deepEqual(asPairs(await r.step(at(25))), [[10, 4], [25, 3]]);
  assert.ok(r.q.recentProgress.every((p) => p.numInputRows > 0), "complete mode runs no no-data batch");
});

test("group by the raw event-time column in append mode (EventTimeWatermarkSuite)", async (t) => {
  const mem = new MemoryStream(["event_time"]);
  const frame = readStream.memory(mem).withWatermark("event_time", "10 seconds").groupBy("event_time").count();
  const r = await start(t, mem, frame, "append");
  assert.deepEqual(await r.step(at(10)), []);
  const out = await r.step(at(25));
  assert.deepEqual(out.map((x) => [secOf(x.event_time), Number(x.count)]), [[10, 1]]);
});

test("recovery (EventTimeWatermarkSuite): the watermark and the state come back from the checkpoint", async (t) => {
  const ck = path.join(tmpDir(t), "ck");
  let mem = new MemoryStream(["event_time"], "recovery");
  let r = await start(t, mem, windowedCount(mem), "append", ck);
  await r.step(at(10, 11, 12, 13, 14, 15));
  assert.deepEqual(asPairs(await r.step(at(25))), [[10, 5]]);
  await r.q.stop();
  // A new process would start with an empty memory stream; our memory stream keeps its offsets, so re-add the rows seen.
  mem = new MemoryStream(["event_time"], "recovery");
  mem.addData(at(10, 11, 12, 13, 14, 15, 25));
  r = await start(t, mem, windowedCount(mem), "append", ck);
  assert.equal(r.q.lastProgress, undefined, "nothing re-run on restart");
  const out = await r.step(at(10, 27, 30));
  assert.deepEqual(asPairs(out), [[15, 1]], "10 is late; the watermark moves to 20 and [15,20) is emitted");
  assert.deepEqual(asPairs(await r.step(at(17))), [], "17 falls in [15,20), whose end is at the watermark 20");
  assert.deepEqual(asPairs(await r.step(at(40))), [[25, 2]]);
});

test("words example of the programming guide, update mode: output per trigger, late donkey dropped per window", async (t) => {
  const mem = new MemoryStream(["word", "event_time"]);
  const frame = readStream.memory(mem).withWatermark("event_time", "10 minutes").groupBy(window("event_time", "10 minutes", "5 minutes"), "word").count();
  const r = await start(t, mem, frame, "update");
  const w = (word: string, m: number) => ({ word, event_time: noon(m) });
  const show = (rows: Record<string, unknown>[]) => rows.map((x) => `[${minOf((x.window as { start: Date }).start)},${minOf((x.window as { end: Date }).end)}) ${x.word} ${x.count}`).sort();
  assert.deepEqual(show(await r.step([w("dog", 7), w("owl", 8)])), ["[0,10) dog 1", "[0,10) owl 1", "[5,15) dog 1", "[5,15) owl 1"]);
  assert.deepEqual(show(await r.step([w("dog", 14), w("cat", 9)])), ["[0,10) cat 1", "[10,20) dog 1", "[5,15) cat 1", "[5,15) dog 2"]);
  assert.deepEqual(show(await r.step([w("cat", 15), w("dog", 8), w("owl", 13), w("owl", 21)])), [
    "[0,10) dog 2", "[10,20) cat 1", "[10,20) owl 1", "[15,25) cat 1", "[15,25) owl 1", "[20,30) owl 1", "[5,15) dog 3", "[5,15) owl 2",
  ]);
  assert.equal(r.q.lastProgress!.stateOperators[0]!.numRowsRemoved, 3, "the no-data batch at 12:11 evicts [12:00,12:10) dog, owl and cat");
  assert.deepEqual(show(await r.step([w("donkey", 4), w("owl", 17)])), ["[10,20) owl 2", "[15,25) owl 2"]);
  assert.equal(lastWithData(r.q).stateOperators[0]!.numRowsDroppedByWatermark, 2, "the 12:04 donkey is late for both its windows");
});

test("words example, append mode: each window once, after the watermark passed it; a late cat counts only where its window is open", async (t) => {
  const mem = new MemoryStream(["word", "event_time"]);
  const frame = readStream.memory(mem).withWatermark("event_time", "10 minutes").groupBy(window("event_time", "10 minutes", "5 minutes"), "word").count();
  const r = await start(t, mem, frame, "append");
  const w = (word: string, m: number) => ({ word, event_time: noon(m) });
  const show = (rows: Record<string, unknown>[]) => rows.map((x) => `[${minOf((x.window as { start: Date }).start)},${minOf((x.window as { end: Date }).end)}) ${x.word} ${x.count}`).sort();
  assert.deepEqual(show(await r.step([w("dog", 7), w("owl", 8)])), []);
  assert.deepEqual(show(await r.step([w("dog", 14), w("cat", 9)])), []);
  assert.deepEqual(show(await r.step([w("cat", 15), w("dog", 8), w("owl", 13), w("owl", 21)])), ["[0,10) cat 1", "[0,10) dog 2", "[0,10) owl 1"]);
  assert.deepEqual(show(await r.step([w("donkey", 4), w("owl", 17)])), []);
  assert.deepEqual(show(await r.step([w("owl", 26), w("cat", 9)])), ["[5,15) cat 2", "[5,15) dog 3", "[5,15) owl 2"]);
  assert.equal(lastWithData(r.q).stateOperators[0]!.numRowsDroppedByWatermark, 1, "the late cat is dropped for [12:00,12:10) only");
});

test("dropDuplicates with the event time among the keys (StreamingDeduplicationSuite): state evicted behind the watermark", async (t) => {
  const mem = new MemoryStream(["value", "event_time"]);
  const frame = readStream.memory(mem).withWatermark("event_time", "10 seconds").dropDuplicates();
  const r = await start(t, mem, frame, "append");
  const v = (...s: number[]) => s.flatMap((x) => Array.from({ length: 5 }, () => ({ value: x, event_time: sec(x) })));
  const vals = (rows: Record<string, unknown>[]) => rows.map((x) => Number(x.value)).sort((a, b) => a - b);
  assert.deepEqual(vals(await r.step(v(10, 11, 12, 13, 14, 15))), [10, 11, 12, 13, 14, 15]);
  let op = lastWithData(r.q).stateOperators[0]!;
  assert.deepEqual([op.operatorName, op.numRowsTotal, op.numRowsUpdated, op.numRowsDroppedByWatermark, op.customMetrics.numDroppedDuplicateRows], ["dedupe", 6, 6, 0, 24]);
  assert.deepEqual(vals(await r.step([{ value: 25, event_time: sec(25) }])), [25]);
  op = r.q.lastProgress!.stateOperators[0]!;
  assert.deepEqual([op.numRowsTotal, op.numRowsRemoved], [1, 6], "the no-data batch at watermark 15 evicts 10..15");
  assert.deepEqual(vals(await r.step([{ value: 10, event_time: sec(10) }])), []);
  op = lastWithData(r.q).stateOperators[0]!;
  assert.deepEqual([op.numRowsTotal, op.numRowsUpdated, op.numRowsDroppedByWatermark, op.customMetrics.numDroppedDuplicateRows], [1, 0, 1, 0], "late, not counted as a duplicate");
  assert.deepEqual(vals(await r.step([{ value: 45, event_time: sec(45) }])), [45]);
  assert.equal(r.q.lastProgress!.stateOperators[0]!.numRowsTotal, 1);
});

test("dropDuplicates without a watermark keeps every key for ever; numDroppedDuplicateRows per batch", async (t) => {
  const mem = new MemoryStream(["k", "v"]);
  const r = await start(t, mem, readStream.memory(mem).dropDuplicates("k"), "append");
  assert.deepEqual((await r.step([{ k: "a", v: 1 }])).map((x) => x.k), ["a"]);
  assert.deepEqual((await r.step([{ k: "a", v: 2 }, { k: "b", v: 3 }])).map((x) => [x.k, Number(x.v)]), [["b", 3]]);
  assert.equal(r.q.lastProgress!.stateOperators[0]!.customMetrics.numDroppedDuplicateRows, 1);
  assert.deepEqual((await r.step([{ k: "a", v: 5 }, { k: "b", v: 2 }, { k: "c", v: 9 }])).map((x) => [x.k, Number(x.v)]), [["c", 9]]);
  assert.equal(r.q.lastProgress!.stateOperators[0]!.customMetrics.numDroppedDuplicateRows, 2);
  assert.equal(r.q.lastProgress!.stateOperators[0]!.numRowsTotal, 3);
});

test("dropDuplicatesWithinWatermark (StreamingDeduplicationWithinWatermarkSuite): a key is suppressed until the watermark reaches its first event time + delay", async (t) => {
  const mem = new MemoryStream(["k", "event_time"]);
  const frame = readStream.memory(mem).withWatermark("event_time", "2 seconds").dropDuplicatesWithinWatermark("k");
  const r = await start(t, mem, frame, "append");
  const e = (k: string, s: number) => ({ k, event_time: sec(s) });
  const out = (rows: Record<string, unknown>[]) => rows.map((x) => `${x.k}@${secOf(x.event_time)}`).sort();
  const state = () => { const o = lastWithData(r.q).stateOperators[0]!; return [o.numRowsTotal, o.numRowsUpdated, o.numRowsDroppedByWatermark]; };
  assert.deepEqual(out(await r.step([e("a", 17)])), ["a@17"]);
  assert.deepEqual(state(), [1, 1, 0]);
  assert.deepEqual(out(await r.step([e("a", 16)])), [], "a duplicate (16 is after the watermark 15)");
  assert.deepEqual(state(), [1, 0, 0]);
  assert.deepEqual(out(await r.step([e("a", 13)])), [], "late: at or before the watermark 15");
  assert.deepEqual(state(), [1, 0, 1]);
  assert.deepEqual(out(await r.step([e("b", 22), e("c", 21)])), ["b@22", "c@21"]);
  assert.equal(r.q.lastProgress!.stateOperators[0]!.numRowsTotal, 2, "a expired at 19 once the watermark reached 20");
  assert.deepEqual(out(await r.step([e("a", 21)])), ["a@21"], "a is new again");
  assert.deepEqual(out(await r.step([e("d", 25)])), ["d@25"]);
  assert.equal(r.q.lastProgress!.stateOperators[0]!.numRowsTotal, 2, "a and c expired at 23");
  assert.equal(r.q.lastProgress!.stateOperators[0]!.operatorName, "dedupeWithinWatermark");
});

test("session windows in append mode (StreamingSessionWindowSuite): sessions per key merge when they touch; emitted once closed", async (t) => {
  const mem = new MemoryStream(["sessionId", "event_time"]);
  const frame = readStream.memory(mem).withWatermark("event_time", "30 seconds").groupBy(sessionWindow("event_time", "10 seconds"), "sessionId").count();
  const r = await start(t, mem, frame, "append");
  const line = (words: string, s: number) => words.split(" ").map((w) => ({ sessionId: w, event_time: sec(s) }));
  const show = (rows: Record<string, unknown>[]) => rows.map((x) => { const w = x.session_window as { start: Date; end: Date }; return `${x.sessionId} ${secOf(w.start)}-${secOf(w.end)} ${x.count}`; }).sort();
  assert.deepEqual(await r.step([...line("hello world spark streaming", 40), ...line("world hello structured streaming", 41)]), []);
  assert.deepEqual(await r.step(line("spark streaming", 25)), []);
  assert.deepEqual(await r.step(line("spark streaming", 0)), []);
  assert.equal(lastWithData(r.q).stateOperators[0]!.numRowsDroppedByWatermark, 2, "sessions [0,10) end before the watermark 11");
  assert.deepEqual(await r.step(line("spark streaming", 30)), []);
  assert.deepEqual(await r.step(line("hello apache spark", 60)), []);
  assert.deepEqual(show(await r.step(line("structured streaming", 90))), ["hello 40-51 2", "spark 25-50 3", "streaming 25-51 4", "structured 41-51 1", "world 40-51 2"]);
});

test("plans Spark refuses are refused when the query starts, with Spark's words", async (t) => {
  const dir = tmpDir(t);
  const mem = new MemoryStream(["k", "event_time"]);
  const ck = (n: string) => ({ checkpointLocation: path.join(dir, n) });
  const e1 = await expectCode(() => readStream.memory(mem).writeStream({ foreachBatch: () => {} }, { ...ck("a"), outputMode: "complete" }), "INVALID_OPTION");
  assert.match(e1.message, /Complete output mode not supported when there are no streaming aggregations/);
  const e2 = await expectCode(() => readStream.memory(mem).groupBy("k").count().writeStream({ foreachBatch: () => {} }, { ...ck("b"), outputMode: "append" }), "INVALID_OPTION");
  assert.match(e2.message, /Append output mode not supported when there are streaming aggregations .* without watermark/);
  const e3 = await expectCode(() => readStream.memory(mem).withWatermark("event_time", "1 minute").groupBy(sessionWindow("event_time", "1 minute"), "k").count().writeStream({ foreachBatch: () => {} }, { ...ck("c"), outputMode: "update" }), "INVALID_OPTION");
  assert.match(e3.message, /Update output mode not supported for session window/);
  const e4 = await expectCode(() => readStream.memory(mem).dropDuplicatesWithinWatermark("k").writeStream({ foreachBatch: () => {} }, ck("d")), "INVALID_OPTION");
  assert.match(e4.message, /dropDuplicatesWithinWatermark is not supported on streaming DataFrames\/DataSets without watermark/);
  const e5 = await expectCode(() => readStream.memory(mem).withWatermark("event_time", "1 minute").groupBy(window("event_time", "1 minute")).count().writeStream({ format: "delta", path: path.join(dir, "t") }, { ...ck("e"), outputMode: "update" }), "INVALID_OPTION");
  assert.match(e5.message, /foreachBatch/);
  await expectCode(() => window("event_time", "5 minutes", "10 minutes"), "INVALID_OPTION");
});
