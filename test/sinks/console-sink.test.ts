/** The console sink: each batch printed as a table under "Batch: N", as Spark's. */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import { readStream } from "../../lib/api/read-stream";
import { MemoryStream } from "../../lib/sources/memory-source";
import { tmpDir } from "../helpers/tmp";

test("prints each batch under its batch id, at most numRows rows, and reports every row as output", async (t) => {
  const dir = tmpDir(t);
  const mem = new MemoryStream(["id", "word"]);
  const printed: string[] = [];
  const q = await readStream.memory(mem).writeStream({ format: "console", options: { numRows: 2, print: (s) => printed.push(s) } }, { queryName: "console_q", checkpointLocation: path.join(dir, "ck") });
  mem.addData({ id: 1, word: "alpha" }, { id: 2, word: "beta" }, { id: 3, word: "gamma" });
  await q.processAllAvailable();
  mem.addData({ id: 4, word: "delta" });
  await q.processAllAvailable();
  await q.stop();
  assert.equal(printed.length, 2);
  assert.match(printed[0]!, /^-+\nBatch: 0\n-+\n/);
  assert.match(printed[1]!, /^-+\nBatch: 1\n-+\n/);
  assert.match(printed[0]!, /alpha/);
  assert.match(printed[0]!, /beta/);
  assert.doesNotMatch(printed[0]!, /gamma/, "only numRows rows are shown");
  assert.match(printed[1]!, /delta/);
  assert.deepEqual(q.recentProgress.map((p) => p.sink.numOutputRows), [3, 1], "the count is of the whole batch");
  assert.equal(q.recentProgress[0]!.sink.description, "ConsoleSink");
});
