/** parseTrigger: every way a trigger can be written (API objects, CLI strings), and the errors. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { describeTrigger, parseTrigger } from "../../lib/stream/trigger";
import { expectCode } from "../helpers/tmp";

test("parseTrigger reads the API forms", () => {
  assert.deepEqual(parseTrigger(undefined), { kind: "default" });
  assert.deepEqual(parseTrigger("default"), { kind: "default" });
  assert.deepEqual(parseTrigger({ processingTime: "2s" }), { kind: "processingTime", intervalMs: 2000 });
  assert.deepEqual(parseTrigger({ processingTime: 1500 }), { kind: "processingTime", intervalMs: 1500 });
  assert.deepEqual(parseTrigger({ availableNow: true }), { kind: "availableNow" });
  assert.deepEqual(parseTrigger({ once: true }), { kind: "once" });
  assert.deepEqual(parseTrigger({ kind: "processingTime", intervalMs: 10 }), { kind: "processingTime", intervalMs: 10 });
});

test("parseTrigger reads the CLI forms", () => {
  assert.deepEqual(parseTrigger("availableNow"), { kind: "availableNow" });
  assert.deepEqual(parseTrigger("once"), { kind: "once" });
  assert.deepEqual(parseTrigger("processingTime=2s"), { kind: "processingTime", intervalMs: 2000 });
  assert.deepEqual(parseTrigger("processingTime = 250ms"), { kind: "processingTime", intervalMs: 250 });
  assert.deepEqual(parseTrigger("PROCESSINGTIME=1m"), { kind: "processingTime", intervalMs: 60_000 });
});

test("a processingTime of 0 is the default trigger, as in Spark", () => {
  assert.deepEqual(parseTrigger({ processingTime: 0 }), { kind: "default" });
  assert.deepEqual(parseTrigger("processingTime=0s"), { kind: "default" });
});

test("unknown triggers and bad intervals are INVALID_OPTION", async () => {
  await expectCode(() => parseTrigger("sometimes"), "INVALID_OPTION");
  await expectCode(() => parseTrigger("processingTime=soon"), "INVALID_OPTION");
  await expectCode(() => parseTrigger({ processingTime: "-1s" }), "INVALID_OPTION");
  await expectCode(() => parseTrigger({ every: "1s" } as never), "INVALID_OPTION");
});

test("describeTrigger writes Spark's names, as in offsets/N's conf", () => {
  assert.equal(describeTrigger({ kind: "default" }), "ProcessingTime(0 ms)");
  assert.equal(describeTrigger({ kind: "processingTime", intervalMs: 2000 }), "ProcessingTime(2000 ms)");
  assert.equal(describeTrigger({ kind: "once" }), "Once");
  assert.equal(describeTrigger({ kind: "availableNow" }), "AvailableNow");
});
