/**
 * A damaged checkpoint is reported, never read as valid: each file of the layout (metadata,
 * offsets/N, commits/N, sources/0/N, _schemas/N) emptied, deleted or garbled makes the query fail
 * with STREAM_CHECKPOINT_CORRUPT naming the file — no silent replay, no silently skipped file.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { readStream } from "../../lib/api/read-stream";
import { expectCode, tmpDir } from "../helpers/tmp";
import { EVENT_SCHEMA, landFiles } from "../helpers/stream";
import type { FileSimulator } from "../../lib/sim/index";

interface Setup {
  landing: string;
  ck: string;
  sim: FileSimulator;
  /** Event ids each run delivered to the sink. */
  delivered: string[];
}

/** Three files, one batch each (0, 1, 2), all committed. */
async function committedThree(t: { after(fn: () => void): void }): Promise<Setup> {
  const dir = tmpDir(t);
  const landing = path.join(dir, "landing");
  const s: Setup = { landing, ck: path.join(dir, "ck"), sim: landFiles(landing, 3, 4), delivered: [] };
  await run(s);
  assert.equal(s.delivered.length, 12);
  s.delivered.length = 0;
  return s;
}

async function run(s: Setup): Promise<void> {
  const q = await readStream.files(s.landing, { format: "csv", schema: EVENT_SCHEMA, maxFilesPerTrigger: 1 }).writeStream(
    { foreachBatch: async (b) => void s.delivered.push(...(await b.rows<{ event_id: string }>()).map((r) => r.event_id)) },
    { queryName: "damaged", checkpointLocation: s.ck, trigger: "availableNow" },
  );
  await q.awaitTermination();
}

/** The restart fails with STREAM_CHECKPOINT_CORRUPT naming `file`, says what to do, and delivers nothing. */
async function refused(s: Setup, file: string): Promise<Error> {
  const err = await expectCode(() => run(s), "STREAM_CHECKPOINT_CORRUPT");
  assert.ok(err.message.includes(file), `the message names ${file}: ${err.message}`);
  assert.match(err.message, /restore .*checkpoint|new checkpointLocation/i, "and says what to do");
  assert.deepEqual(s.delivered, [], "no row was delivered again or skipped past");
  return err;
}

test("an emptied sources/0/N of a committed batch is refused (it re-ingested that batch's file)", async (t) => {
  const s = await committedThree(t);
  const f = path.join(s.ck, "sources", "0", "1");
  fs.writeFileSync(f, "");
  await refused(s, f);
});

test("a deleted sources/0/N in the middle of the log is refused (it re-ingested that batch's file)", async (t) => {
  const s = await committedThree(t);
  const f = path.join(s.ck, "sources", "0", "1");
  fs.rmSync(f);
  await refused(s, f);
});

test("a deleted last sources/0/N is refused (a new file was then skipped for good)", async (t) => {
  const s = await committedThree(t);
  const f = path.join(s.ck, "sources", "0", "2");
  fs.rmSync(f);
  s.sim.writeFiles(1);
  await refused(s, f);
});

test("a garbled sources/0/N is refused with its file named", async (t) => {
  const s = await committedThree(t);
  const f = path.join(s.ck, "sources", "0", "1");
  fs.writeFileSync(f, 'v1\n{"path": "/x", "size": ');
  await refused(s, f);
});

test("a garbled offsets/N is refused with its file named", async (t) => {
  const s = await committedThree(t);
  const f = path.join(s.ck, "offsets", "2");
  fs.writeFileSync(f, 'v1\n{"batchWatermarkMs":0,"batchTi');
  await refused(s, f);
});

test("an offsets/N whose offset is not the source's ({\"logOffset\":\"x\"}) is refused, not skipped", async (t) => {
  const s = await committedThree(t);
  const f = path.join(s.ck, "offsets", "2");
  const lines = fs.readFileSync(f, "utf8").split("\n");
  fs.writeFileSync(f, [lines[0], lines[1], '{"logOffset":"x"}'].join("\n"));
  s.sim.writeFiles(1);
  await refused(s, f);
});

test("a garbled commits/N is refused with its file named", async (t) => {
  const s = await committedThree(t);
  const f = path.join(s.ck, "commits", "2");
  fs.writeFileSync(f, "v1\n{nextBatch");
  await refused(s, f);
});

test("a garbled _schemas/N is refused with its file named", async (t) => {
  const s = await committedThree(t);
  const f = path.join(s.ck, "_schemas", "0");
  fs.writeFileSync(f, "v1\n{");
  await refused(s, f);
});

test("a garbled metadata is refused with its file named", async (t) => {
  const s = await committedThree(t);
  const f = path.join(s.ck, "metadata");
  fs.writeFileSync(f, '{"id": ');
  await refused(s, f);
});

test("a deleted metadata is refused when the checkpoint has batches (a new query id would replay them into the sink)", async (t) => {
  const s = await committedThree(t);
  const f = path.join(s.ck, "metadata");
  fs.rmSync(f);
  s.sim.writeFiles(1);
  await refused(s, f);
  assert.equal(fs.existsSync(f), false, "no new query id was made");
});

test("a missing metadata is fine in a checkpoint without batches (a query that never planned one)", async (t) => {
  const dir = tmpDir(t);
  const landing = path.join(dir, "landing");
  const s: Setup = { landing, ck: path.join(dir, "ck"), sim: landFiles(landing, 2, 3), delivered: [] };
  fs.mkdirSync(path.join(s.ck, "offsets"), { recursive: true });
  fs.mkdirSync(path.join(s.ck, "commits"), { recursive: true });
  await run(s);
  assert.equal(s.delivered.length, 6);
  assert.ok(fs.existsSync(path.join(s.ck, "metadata")));
});
