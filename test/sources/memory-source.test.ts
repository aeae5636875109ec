/** The memory stream: rows pushed from code, read batch by batch; offsets are row counts. */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import { Duck } from "../../lib/duck";
import { MemoryStream } from "../../lib/sources/memory-source";
import { readStream } from "../../lib/api/read-stream";
import { expectCode, tmpDir } from "../helpers/tmp";

test("offsets count rows; a batch is the rows between two offsets; the cap bounds availableNow", async (t) => {
  const duck = await Duck.open();
  t.after(() => duck.close());
  const mem = new MemoryStream(["id", "name"], "people");
  const r = mem.reader();
  await r.open({ duck, dir: "", queryId: "q", queryName: "q" });
  assert.equal(await r.latestOffset(null, {}), null, "nothing yet");
  assert.equal(mem.addData({ id: 1, name: "a" }, [{ id: 2, name: "b" }, { id: 3, name: "c" }]), 3);
  assert.equal(await r.latestOffset(null, {}), "3");
  assert.equal(await r.latestOffset("3", {}), "3", "nothing new after 3");
  assert.equal(await r.latestOffset("1", { cap: "2" }), "2");
  await r.getBatch("1", "3", "b", 0);
  assert.deepEqual(await duck.json("SELECT * FROM b"), [{ id: 2, name: "b" }, { id: 3, name: "c" }]);
  assert.deepEqual(r.describeBatch!("1", "3"), { rows: 2 });
  assert.equal(r.description, "MemoryStream[people]");
  await expectCode(() => r.getBatch("3", "9", "x", 1), "STREAM_SOURCE_CHANGED");
  assert.throws(() => r.deserializeOffset!("x"));
});

test("several queries read one stream, each through its own reader", async (t) => {
  const dir = tmpDir(t);
  const mem = new MemoryStream(["v"]);
  const got: number[][] = [[], []];
  const qs = await Promise.all(
    [0, 1].map((i) => readStream.memory(mem).writeStream({ foreachBatch: async (b) => void got[i]!.push(...(await b.rows<{ v: number }>()).map((r) => r.v)) }, { queryName: `shared_${i}`, checkpointLocation: path.join(dir, `ck${i}`) })),
  );
  mem.addData({ v: 1 }, { v: 2 });
  await Promise.all(qs.map((q) => q.processAllAvailable()));
  await Promise.all(qs.map((q) => q.stop()));
  assert.deepEqual(got, [[1, 2], [1, 2]]);
});
