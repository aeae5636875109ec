import { test } from "node:test";
import assert from "node:assert/strict";
import { tmpDir } from "../helpers/tmp";
import { runJob, verify } from "./job";

test("npm start on a fresh folder: bronze, quarantine and PostgreSQL agree with the files; a second run continues without duplicates", { timeout: 180_000 }, async (t) => {
  const root = tmpDir(t);
  const first = await runJob(root, "6s");
  assert.equal(first.code, 0, first.out);
  assert.match(first.out, /psql postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres/);
  assert.match(first.out, /\[events_bronze\] batch 0: \d+ rows/);
  assert.match(first.out, /Summary[\s\S]*latency p50 \/ p95/);
  const a = await verify(root);
  assert.ok(a.lines > 100, `the simulator wrote ${a.lines} lines`);
  const second = await runJob(root, "3s");
  assert.equal(second.code, 0, second.out);
  const b = await verify(root);
  assert.ok(b.lines > a.lines, "the second run added events");
});
