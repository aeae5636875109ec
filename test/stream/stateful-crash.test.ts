/**
 * Exactly-once for stateful queries across crashes: a real child process runs files → withWatermark
 * → a stateful operator → Delta, and is killed (SIGKILL) at one point of one batch — a data batch,
 * the no-data batch that emits the windows the watermark closed, or the batch whose state version
 * is also a snapshot. A restart runs to the end (availableNow), more files land, a last run reads
 * them. The table must then be exactly the table of a run that never crashed: the same windows
 * with the same counts (nothing counted twice, nothing lost, nothing dropped as late that was on
 * time), the same deduplicated rows, and one Delta commit per batch.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { Duck } from "../../lib/duck";
import { DeltaTable } from "../../lib/delta/table";
import { tmpDir } from "../helpers/tmp";

const lib = path.resolve(__dirname, "../../lib/index.js");

/** Events as [id, station, seconds after 2025-01-01T00:00:00Z]; one file per batch (maxFilesPerTrigger 1). */
type Event = [id: number, station: string, second: number];
const PHASE1: Event[][] = [
  [[1, "a", 1], [2, "b", 2], [3, "a", 5], [4, "c", 8], [5, "b", 12]],
  [[6, "a", 3], [7, "b", 15], [8, "c", 18], [9, "a", 21], [3, "a", 6]],
  // Lateness is judged by the window's end: [0,10) ends after the watermark 2 s the batch before ran with, so a@1 and b@9 still count; this batch emits [0,10).
  [[10, "a", 1], [11, "b", 9], [12, "c", 25], [13, "a", 28], [14, "b", 30], [7, "b", 16]],
  [[15, "c", 5], [16, "a", 19], [17, "b", 33], [18, "c", 35], [19, "a", 40]],
];
// After phase 1 a no-data batch (4) runs with watermark 30 s and emits [20,30). The first row below is late only because it did.
const PHASE2: Event[][] = [
  [[20, "a", 25], [21, "b", 41], [22, "c", 44], [23, "a", 50], [2, "b", 42]],
  [[24, "b", 38], [25, "a", 55], [26, "c", 60], [21, "b", 45]],
  [[27, "c", 45], [28, "b", 65]],
  [[29, "a", 48], [30, "b", 70], [31, "c", 72]],
];

const BASE = Date.UTC(2025, 0, 1);
const iso = (s: number) => new Date(BASE + s * 1000).toISOString().replace("T", " ").replace("Z", "");

/** Lands file `i` with a distinct modification time, so the source takes the files in order. */
function land(landing: string, i: number, events: Event[]): void {
  fs.mkdirSync(landing, { recursive: true });
  const f = path.join(landing, `events-${String(i).padStart(2, "0")}.csv`);
  fs.writeFileSync(f, ["id,station,event_time", ...events.map(([id, st, s]) => `${id},${st},${iso(s)}`)].join("\n") + "\n");
  const t = new Date(BASE + i * 60_000);
  fs.utimesSync(f, t, t);
}

const QUERIES = {
  /** 10-second tumbling counts per station, 10-second watermark, append: a window leaves once, when closed. */
  window: `.withWatermark("event_time", "10 seconds").groupBy(sl.window("event_time", "10 seconds"), "station").count()`,
  /** The first row of each id within the watermark. */
  dedup: `.withWatermark("event_time", "10 seconds").dropDuplicatesWithinWatermark("id")`,
  /** Two stateful operators: a crash can fall between their state commits. */
  chain: `.withWatermark("event_time", "10 seconds").dropDuplicatesWithinWatermark("id").groupBy(sl.window("event_time", "10 seconds"), "station").count()`,
};
type QueryKind = keyof typeof QUERIES;

interface Run {
  status: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  /** [batchId, numInputRows] of each batch the run completed. */
  batches: [number, number][];
}

/** Runs the query in a child process until the landed files are processed (trigger availableNow), or until it is killed at `crashAt`. */
function runQuery(kind: QueryKind, dir: string, crashAt?: string, trigger = "availableNow"): Run {
  const landing = path.join(dir, "landing");
  const script = `
    const sl = require(${JSON.stringify(lib)});
    (async () => {
      const q = await sl.readStream
        .files(${JSON.stringify(landing)}, { format: "csv", schema: "id INT, station STRING, event_time TIMESTAMP", maxFilesPerTrigger: 1 })
        ${QUERIES[kind]}
        .writeStream({ format: "delta", path: ${JSON.stringify(path.join(dir, "table"))} }, {
          checkpointLocation: ${JSON.stringify(path.join(dir, "ck"))}, queryName: "stateful_crash", trigger: ${JSON.stringify(trigger)}, outputMode: "append",
          listeners: [{ onQueryProgress: (e) => console.log(JSON.stringify([e.progress.batchId, e.progress.numInputRows])) }],
        });
      await q.awaitTermination();
    })().catch((e) => { console.error(e); process.exit(1); });`;
  const r = spawnSync(process.execPath, ["-e", script], { env: { ...process.env, STREAMLAB_CRASH_AT: crashAt ?? "" }, encoding: "utf8" });
  const batches = r.stdout.split("\n").filter((l) => l.startsWith("[")).map((l) => JSON.parse(l) as [number, number]);
  return { status: r.status, signal: r.signal, stderr: r.stderr, batches };
}

const commits = (dir: string) => (fs.existsSync(path.join(dir, "ck", "commits")) ? fs.readdirSync(path.join(dir, "ck", "commits")).filter((f) => /^\d+$/.test(f)).map(Number).sort((a, b) => a - b) : []);

/** Plain values for comparison: BigInt → number, Date → ISO text, structs recursively. */
function plain(v: unknown): unknown {
  if (typeof v === "bigint") return Number(v);
  if (v instanceof Date) return v.toISOString();
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

interface Outcome {
  /** The table's rows, each as JSON, sorted. */
  rows: string[];
  /** epochId of each Delta commit, oldest first: one per batch. */
  epochs: string[];
  /** What each run did, in order. */
  runs: Run[];
}

async function tableOf(dir: string, runs: Run[]): Promise<Outcome> {
  const duck = await Duck.open();
  try {
    const t = DeltaTable.forPath(path.join(dir, "table"), duck);
    const rows = (await t.toRows()).map((r) => JSON.stringify(plain(r))).sort();
    const epochs = t.history().reverse().map((h) => String(h.operationParameters.epochId));
    return { rows, epochs, runs };
  } finally {
    await duck.close();
  }
}

/**
 * Phase 1 (4 files: batches 0–3, then no-data batch 4), then phase 2 (4 more files: batches 5–8,
 * then no-data batch 9). With `crash`, the run of its phase is killed there and restarted once.
 */
async function scenario(kind: QueryKind, dir: string, crash?: { phase: 1 | 2; at: string }, atCrash?: () => void): Promise<Outcome> {
  const runs: Run[] = [];
  const landing = path.join(dir, "landing");
  for (const [phase, files, offset] of [[1, PHASE1, 0], [2, PHASE2, PHASE1.length]] as const) {
    files.forEach((events, i) => land(landing, offset + i, events));
    if (crash?.phase === phase) {
      const crashed = runQuery(kind, dir, crash.at);
      runs.push(crashed);
      assert.equal(crashed.signal, "SIGKILL", `the run was killed at ${crash.at} (status ${crashed.status}, stderr: ${crashed.stderr})`);
      const batch = Number(crash.at.split("@")[1]);
      assert.deepEqual(commits(dir), Array.from({ length: batch }, (_, i) => i), `batches before ${batch} committed, ${batch} not`);
      atCrash?.();
    }
    const r = runQuery(kind, dir);
    runs.push(r);
    assert.equal(r.status, 0, r.stderr);
  }
  return tableOf(dir, runs);
}

const refRoot = fs.mkdtempSync(path.join(os.tmpdir(), "streamlab-stateful-ref-"));
after(() => fs.rmSync(refRoot, { recursive: true, force: true }));
const references = new Map<QueryKind, Promise<Outcome>>();
/** The uninterrupted run of `kind`, made once per query kind. */
function reference(kind: QueryKind): Promise<Outcome> {
  if (!references.has(kind)) references.set(kind, scenario(kind, fs.mkdtempSync(path.join(refRoot, `${kind}-`))));
  return references.get(kind)!;
}

test("the uninterrupted windowed count: batch 4 and 9 are no-data batches emitting closed windows; late rows are dropped", async () => {
  const ref = await reference("window");
  assert.deepEqual(ref.runs.map((r) => r.batches), [
    [[0, 5], [1, 5], [2, 6], [3, 5], [4, 0]],
    [[5, 5], [6, 4], [7, 2], [8, 3], [9, 0]],
  ]);
  const show = ref.rows.map((j) => {
    const r = JSON.parse(j) as { window: { start: string; end: string }; station: string; count: number };
    return `${(Date.parse(r.window.start) - BASE) / 1000}-${(Date.parse(r.window.end) - BASE) / 1000} ${r.station} ${r.count}`;
  });
  // Open at the end (in state, never emitted): [60,70) c, b; [70,80) b, c. Late and dropped: c@5 ([0,10) after watermark 11), a@25 ([20,30) after 30), a@48 ([40,50) after 50).
  assert.deepEqual(show.sort(), [
    "0-10 a 5", "0-10 b 2", "0-10 c 1",
    "10-20 a 1", "10-20 b 3", "10-20 c 1",
    "20-30 a 2", "20-30 c 1",
    "30-40 b 3", "30-40 c 1",
    "40-50 a 1", "40-50 b 3", "40-50 c 2",
    "50-60 a 2",
  ].sort());
  assert.deepEqual(ref.epochs, ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);
});

/** The same table, and the same batches (ids, input rows) completed once each across the runs. */
function assertSameOutcome(got: Outcome, ref: Outcome): void {
  assert.deepEqual(got.rows, ref.rows, "the same rows, each once");
  assert.deepEqual(got.epochs, ref.epochs, "one Delta commit per batch, whichever run made it");
  assert.deepEqual(got.runs.flatMap((r) => r.batches), ref.runs.flatMap((r) => r.batches), "each batch completed once, no-data batches at the same ids");
}

const stateFiles = (dir: string, op = 0) => {
  const d = path.join(dir, "ck", "state", String(op), "0");
  return fs.existsSync(d) ? fs.readdirSync(d).filter((f) => f.endsWith(".parquet")).sort() : [];
};

/** Where each case kills the query: points of data batch 2, of no-data batch 4, and of batch 9, whose state version 10 is also a snapshot. */
const WINDOW_CASES: { phase: 1 | 2; at: string; atCrash?: (dir: string) => void }[] = [
  { phase: 1, at: "beforeOffsets@2" },
  { phase: 1, at: "beforeSink@2" },
  { phase: 1, at: "delta.beforeCommit@2" },
  { phase: 1, at: "afterSinkCommit@2" },
  { phase: 1, at: "stateStore.afterDelta@2", atCrash: (dir) => assert.ok(stateFiles(dir).includes("3.delta.parquet"), "version 3 was on disk at the crash") },
  { phase: 1, at: "afterStateCommit@2" },
  { phase: 1, at: "beforeOffsets@4" },
  { phase: 1, at: "afterOffsets@4" },
  { phase: 1, at: "afterSinkCommit@4" },
  { phase: 1, at: "stateStore.afterDelta@4" },
  { phase: 1, at: "afterStateCommit@4" },
  {
    phase: 2,
    at: "stateStore.afterDelta@9",
    atCrash: (dir) => assert.deepEqual(stateFiles(dir).filter((f) => f.startsWith("10.")), ["10.delta.parquet"], "killed between version 10's delta and its snapshot"),
  },
];

for (const crash of WINDOW_CASES) {
  test(`windowed count killed at ${crash.at} and restarted: the same windows and counts as an uninterrupted run`, async (t) => {
    const ref = await reference("window");
    const dir = tmpDir(t);
    const got = await scenario("window", dir, crash, () => crash.atCrash?.(dir));
    assertSameOutcome(got, ref);
    if (crash.at.endsWith("@9")) assert.ok(stateFiles(dir).includes("10.snapshot.parquet"), "the re-run wrote the snapshot");
  });
}

test("a no-data batch left uncommitted is re-run by a restart with trigger once, and the query goes on from there", async (t) => {
  const ref = await reference("window");
  const dir = tmpDir(t);
  PHASE1.forEach((events, i) => land(path.join(dir, "landing"), i, events));
  assert.equal(runQuery("window", dir, "afterOffsets@4").signal, "SIGKILL");
  const once = runQuery("window", dir, undefined, "once");
  assert.equal(once.status, 0, once.stderr);
  assert.deepEqual(once.batches, [[4, 0]], "trigger once runs the recorded no-data batch");
  PHASE2.forEach((events, i) => land(path.join(dir, "landing"), PHASE1.length + i, events));
  const rest = runQuery("window", dir);
  assert.equal(rest.status, 0, rest.stderr);
  assert.deepEqual(rest.batches.map(([id]) => id), [5, 6, 7, 8, 9]);
  const got = await tableOf(dir, []);
  assert.deepEqual(got.rows, ref.rows);
});

test("a no-data batch to re-run after a commit without the input's columns (an earlier Streamlab's) is reported, not skipped", async (t) => {
  const dir = tmpDir(t);
  PHASE1.forEach((events, i) => land(path.join(dir, "landing"), i, events));
  assert.equal(runQuery("window", dir, "afterOffsets@4").signal, "SIGKILL");
  const commit3 = path.join(dir, "ck", "commits", "3");
  const [v1, meta] = fs.readFileSync(commit3, "utf8").split("\n");
  const parsed = JSON.parse(meta!) as { nextBatchWatermarkMs: number; inputSchema?: string };
  assert.equal(parsed.inputSchema, '"id" INTEGER, "station" VARCHAR, "event_time" TIMESTAMP WITH TIME ZONE', "commits/N records the input's columns");
  fs.writeFileSync(commit3, `${v1}\n${JSON.stringify({ nextBatchWatermarkMs: parsed.nextBatchWatermarkMs })}`);
  const r = runQuery("window", dir);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /STREAM_CHECKPOINT_CORRUPT/);
  assert.match(r.stderr, /no-data batch 4/);
});

test("the uninterrupted dedup passes each id once within the watermark; an id again after its state expired passes again", async () => {
  const ref = await reference("dedup");
  const ids = ref.rows.map((j) => (JSON.parse(j) as { id: number }).id).sort((a, b) => a - b);
  // Dropped: duplicates 3, 7, 21 (within the watermark); late 10, 15, 20, 29. Id 2 again at 42 s: its state expired at 12 s.
  assert.deepEqual(ids, [1, 2, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 16, 17, 18, 19, 21, 22, 23, 24, 25, 26, 27, 28, 30, 31]);
});

for (const crash of [
  { phase: 1, at: "afterSinkCommit@2" },
  { phase: 1, at: "stateStore.afterDelta@2" },
  { phase: 1, at: "afterOffsets@4" },
  { phase: 1, at: "afterStateCommit@4" },
] as const) {
  test(`dropDuplicatesWithinWatermark killed at ${crash.at} and restarted: the same rows as an uninterrupted run`, async (t) => {
    const ref = await reference("dedup");
    const got = await scenario("dedup", tmpDir(t), crash);
    assertSameOutcome(got, ref);
  });
}

test("dedup → windowed count killed between the two operators' state commits of batch 2: the same windows as an uninterrupted run", async (t) => {
  const ref = await reference("chain");
  const dir = tmpDir(t);
  // stateStore.afterDelta fires at the first store to commit in batch 2: the dedup's (plan order); the count's is not written yet.
  const got = await scenario("chain", dir, { phase: 1, at: "stateStore.afterDelta@2" }, () => {
    assert.deepEqual([stateFiles(dir, 0).includes("3.delta.parquet"), stateFiles(dir, 1).includes("3.delta.parquet")], [true, false], "killed after the dedup's version 3, before the count's");
  });
  assert.ok(ref.rows.length > 0);
  assertSameOutcome(got, ref);
});
