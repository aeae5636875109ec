import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { readStream } from "../../lib/api/read-stream";
import { MemoryStream } from "../../lib/sources/memory-source";
import { duck as sharedDuck } from "../../lib/duck";
import { expectCode, tmpDir } from "../helpers/tmp";
import { EVENT_SCHEMA, landFiles, sleep } from "../helpers/stream";

const files = (dir: string, opts: Record<string, unknown> = {}) => readStream.files(dir, { format: "csv", schema: EVENT_SCHEMA, ...opts });

async function runAvailableNow(frame: ReturnType<typeof files>, dir: string, name: string) {
  const seen: { batchId: number; files: string[]; rows: number }[] = [];
  const q = await frame.writeStream(
    {
      foreachBatch: async (b, batchId) => {
        const cols = (await b.duck.describe(b.sql)).map((c) => c.name);
        const names = cols.includes("_metadata") ? (await b.duck.all<{ f: string }>(`SELECT DISTINCT _metadata.file_name AS f FROM ${b.table} ORDER BY 1`)).map((r) => r.f) : [];
        seen.push({ batchId, files: names, rows: await b.count() });
      },
    },
    { queryName: name, checkpointLocation: path.join(dir, `ck-${name}`), trigger: "availableNow" },
  );
  await q.awaitTermination();
  return { q, seen };
}

test("maxFilesPerTrigger and maxBytesPerTrigger (soft: at least one file) size the batches", async (t) => {
  const dir = tmpDir(t);
  const landing = path.join(dir, "landing");
  const sim = landFiles(landing, 7, 10);
  const byFiles = await runAvailableNow(files(landing, { maxFilesPerTrigger: 3 }), dir, "f");
  assert.deepEqual(byFiles.seen.map((s) => s.rows), [30, 30, 10]);
  const size = sim.manifests[0]!.bytes;
  const byBytes = await runAvailableNow(files(landing, { maxBytesPerTrigger: size * 2 + 10 }), dir, "b");
  assert.deepEqual(byBytes.seen.map((s) => s.rows), [20, 20, 20, 10]);
  const tiny = await runAvailableNow(files(landing, { "cloudFiles.maxBytesPerTrigger": "1b" }), dir, "tiny");
  assert.equal(tiny.seen.length, 7, "a file bigger than the limit still makes a batch of one");
});

test("hidden, temporary and filtered files are ignored; sub-folders are read; _metadata describes each row's file", async (t) => {
  const dir = tmpDir(t);
  const landing = path.join(dir, "landing");
  landFiles(landing, 2, 3);
  landFiles(path.join(landing, "2026-01-02"), 1, 3, 7, "2026-01-02T00:00:00Z");
  const header = "event_id,user_id,event_type,product_id,price,event_timestamp\n";
  fs.writeFileSync(path.join(landing, ".hidden.csv"), header + "x,u,view,p,1,2026-01-01T00:00:00Z\n");
  fs.writeFileSync(path.join(landing, "_SUCCESS"), "");
  fs.writeFileSync(path.join(landing, "partial.csv.tmp"), header);
  fs.writeFileSync(path.join(landing, "notes.txt"), "not data");
  const { seen } = await runAvailableNow(files(landing, { pathGlobFilter: "*.csv", includeMetadata: true }), dir, "m");
  const all = seen.flatMap((s) => s.files).sort();
  assert.equal(all.length, 3);
  assert.ok(all.every((f) => /^events-.*\.csv$/.test(f)));
  const flat = await runAvailableNow(files(landing, { pathGlobFilter: "*.csv", recursiveFileLookup: false }), dir, "flat");
  assert.equal(flat.seen.reduce((s, b) => s + b.rows, 0), 6, "without recursion the sub-folder is skipped");
});

test("_metadata has file_path, file_name, file_size and file_modification_time", async (t) => {
  const dir = tmpDir(t);
  const landing = path.join(dir, "landing");
  const sim = landFiles(landing, 1, 2);
  const mem: unknown[] = [];
  const q = await files(landing, { includeMetadata: true }).select("_metadata").writeStream({ foreachBatch: async (b) => void mem.push(...(await b.rows())) }, { queryName: "md", checkpointLocation: path.join(dir, "ck"), trigger: "once" });
  await q.awaitTermination();
  const m = (mem[0] as { _metadata: Record<string, unknown> })._metadata;
  assert.equal(m.file_path, sim.manifests[0]!.path);
  assert.equal(m.file_name, sim.manifests[0]!.name);
  assert.equal(Number(m.file_size), sim.manifests[0]!.bytes);
  assert.ok(m.file_modification_time instanceof Date);
});

test("includeExistingFiles: false skips what was there at the first start", async (t) => {
  const dir = tmpDir(t);
  const landing = path.join(dir, "landing");
  const sim = landFiles(landing, 3, 2);
  const first = await runAvailableNow(files(landing, { includeExistingFiles: false }), dir, "ie");
  assert.equal(first.seen.length, 0);
  sim.writeFiles(2);
  const second = await runAvailableNow(files(landing, { includeExistingFiles: false }), dir, "ie");
  assert.deepEqual(second.seen.map((s) => s.rows), [4], "only the new files, and the old ones stay skipped");
});

test("a file is taken once by path; a changed file is re-read only with allowOverwrites", async (t) => {
  const dir = tmpDir(t);
  const landing = path.join(dir, "landing");
  const sim = landFiles(landing, 1, 2);
  const f = sim.manifests[0]!.path;
  const run = async (name: string, opts: Record<string, unknown>) => (await runAvailableNow(files(landing, opts), dir, name)).seen.map((s) => s.rows);
  assert.deepEqual(await run("ow", {}), [2]);
  assert.deepEqual(await run("ow2", { allowOverwrites: true }), [2]);
  fs.appendFileSync(f, "e9,u,view,p,1.00,2026-01-01T00:00:00Z\n");
  fs.utimesSync(f, new Date(), new Date(Date.now() + 5000));
  assert.deepEqual(await run("ow", {}), [], "changed, but not re-read");
  assert.deepEqual(await run("ow2", { allowOverwrites: true }), [3], "re-read with allowOverwrites");
});

test("cleanSource archive and delete act only after the batch commits", async (t) => {
  const dir = tmpDir(t);
  const landing = path.join(dir, "landing");
  const archive = path.join(dir, "archive");
  const sim = landFiles(landing, 3, 2);
  let present: boolean[] = [];
  const q = await files(landing, { cleanSource: "archive", sourceArchiveDir: archive, maxFilesPerTrigger: 1 }).writeStream(
    { foreachBatch: () => void (present = sim.manifests.map((m) => fs.existsSync(m.path))) },
    { queryName: "arch", checkpointLocation: path.join(dir, "ck"), trigger: "availableNow" },
  );
  await q.awaitTermination();
  assert.deepEqual(present, [false, false, true], "while batch 2 runs, only the files of committed batches 0 and 1 are gone");
  assert.deepEqual(fs.readdirSync(landing), []);
  assert.deepEqual(fs.readdirSync(archive).sort(), sim.manifests.map((m) => m.name).sort());
  const landing2 = path.join(dir, "landing2");
  landFiles(landing2, 2, 2);
  const d = await runAvailableNow(files(landing2, { cleanSource: "delete" }), dir, "del");
  assert.equal(d.seen.length, 1);
  assert.deepEqual(fs.readdirSync(landing2), []);
  await expectCode(() => files(landing2, { cleanSource: "archive" }), "INVALID_OPTION");
  await expectCode(() => files(landing2, { cleanSource: "archive", sourceArchiveDir: path.join(landing2, "done") }), "INVALID_OPTION");
});

test("notifications wake an idle query as soon as a file lands", async (t) => {
  const dir = tmpDir(t);
  const landing = path.join(dir, "landing");
  fs.mkdirSync(landing);
  const q = await files(landing, { useNotifications: true }).writeStream({ format: "memory" }, { queryName: "notify_q", checkpointLocation: path.join(dir, "ck"), pollIntervalMs: 60_000 });
  await sleep(300); // the watcher is ready
  landFiles(landing, 1, 3);
  const t0 = Date.now();
  while (q.recentProgress.length === 0 && Date.now() - t0 < 10_000) await sleep(10);
  await q.stop();
  assert.equal(q.recentProgress[0]?.numInputRows, 3, "picked up long before the 60 s listing interval");
});

test("bad options, a missing folder, an unwritable or foreign checkpoint are clear errors", async (t) => {
  const dir = tmpDir(t);
  const landing = path.join(dir, "landing");
  landFiles(landing, 1, 2);
  await expectCode(() => files(path.join(dir, "nope")), "PATH_NOT_FOUND");
  await expectCode(() => files(landing, { maxFilesPerTrigger: 0 }), "INVALID_OPTION");
  await expectCode(() => files(landing, { maxFilesPerTrigger: "many" }), "INVALID_OPTION");
  await expectCode(() => files(landing, { maxBytesPerTrigger: "lots" }), "INVALID_OPTION");
  await expectCode(() => files(landing, { cloudFilesFormat: "csv" }), "INVALID_OPTION");
  await expectCode(() => files(landing, { format: "xml" }), "INVALID_OPTION");
  await expectCode(() => files(landing, { schema: "id INTEGR" }), "INVALID_OPTION");
  fs.writeFileSync(path.join(dir, "file"), "");
  await expectCode(() => files(landing).writeStream({ format: "console" }, { checkpointLocation: path.join(dir, "file", "ck") }), "PATH_NOT_WRITABLE");
  await expectCode(() => files(landing).writeStream({ format: "console" }, {}), "INVALID_OPTION");
  await expectCode(() => files(landing).writeStream({ format: "console" }, { checkpointLocation: path.join(dir, "ck"), trigger: "sometimes" }), "INVALID_OPTION");
  // A checkpoint made by a query of another shape is refused.
  const q = await files(landing).writeStream({ format: "console", options: { print: () => {} } }, { checkpointLocation: path.join(dir, "ck"), trigger: "once" });
  await q.awaitTermination();
  const mem = new MemoryStream(["a"]);
  const err = await expectCode(() => readStream.memory(mem).writeStream({ format: "console" }, { checkpointLocation: path.join(dir, "ck") }), "STREAM_CHECKPOINT_MISMATCH");
  assert.match(err.message, /another shape/);
});

test("a transformation SQL error stops the query without committing; after the fix the same batch runs", async (t) => {
  const dir = tmpDir(t);
  const landing = path.join(dir, "landing");
  landFiles(landing, 2, 5);
  const ck = path.join(dir, "ck");
  const bad = await files(landing, { maxFilesPerTrigger: 1 }).where("no_such_column > 1").writeStream({ format: "memory" }, { queryName: "sqlerr", checkpointLocation: ck });
  await assert.rejects(() => bad.awaitTermination(), (e: Error & { code?: string }) => e.code === "SQL_ERROR" && /no_such_column/.test(e.message));
  assert.equal(bad.exception?.code, "SQL_ERROR");
  assert.ok(fs.existsSync(path.join(ck, "offsets", "0")) && !fs.existsSync(path.join(ck, "commits", "0")), "offsets written, batch not committed");
  const good = await files(landing, { maxFilesPerTrigger: 1 }).where("price > 0").writeStream({ format: "memory" }, { queryName: "sqlerr", checkpointLocation: ck, trigger: "availableNow" });
  await good.awaitTermination();
  assert.deepEqual(good.recentProgress.map((p) => [p.batchId, p.numInputRows]), [[0, 5], [1, 5]], "batch 0 re-ran with the same file");
  const d = await sharedDuck();
  assert.equal(Number(await d.value("SELECT count(*) FROM sqlerr")), 10, "the memory sink's table is visible to the notebook's DuckDB");
});

test("a cleanSource that cannot move a file after a commit is a warning: the query goes on, nothing is lost", async (t) => {
  const dir = tmpDir(t);
  const landing = path.join(dir, "landing");
  const sim = landFiles(landing, 2, 3);
  // The archive folder cannot be created: a file stands in its place.
  const archive = path.join(dir, "archive");
  fs.writeFileSync(archive, "not a folder");
  const warnings: Error[] = [];
  const onWarning = (w: Error) => warnings.push(w);
  process.on("warning", onWarning);
  t.after(() => process.off("warning", onWarning));
  const rows: number[] = [];
  const q = await files(landing, { cleanSource: "archive", sourceArchiveDir: archive, maxFilesPerTrigger: 1 }).writeStream(
    { foreachBatch: async (b) => void rows.push(await b.count()) },
    { queryName: "clean_fail", checkpointLocation: path.join(dir, "ck"), trigger: "availableNow" },
  );
  await q.awaitTermination();
  assert.equal(q.exception, undefined, "the query did not fail");
  assert.deepEqual(rows, [3, 3], "both batches ran");
  assert.deepEqual(fs.readdirSync(path.join(dir, "ck", "commits")).sort(), ["0", "1"]);
  assert.match(q.recentProgress[0]!.sources[0]!.metrics.commitWarning ?? "", /Batch 0 committed, but .* could not clean up/);
  await new Promise((r) => setImmediate(r)); // warnings are emitted on the next tick
  assert.ok(warnings.some((w) => (w as Error & { code?: string }).code === "STREAM_SOURCE_COMMIT_FAILED"), "a process warning was emitted");
  assert.deepEqual(fs.readdirSync(landing).sort(), sim.manifests.map((m) => m.name).sort(), "the files stay where they were");
});
