/**
 * batches: the fixed cost of a micro-batch, and whether it grows with the table. One 1,000-row CSV
 * file per batch (maxFilesPerTrigger 1, availableNow): 150 batches into a fresh Delta table, then a
 * second run of the same query (same checkpoint, same table) over 150 more files. Start-up is
 * subtracted two ways: the sum of each batch's durationMs.triggerExecution over the batches, and the
 * wall time from the end of the run's first batch to its end over the batches after the first.
 * Three rounds from scratch; the round of median growth is reported.
 * Baseline, in the same run: DuckDB reading the same 300 files one statement per file into Parquet.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { EVENTS_SCHEMA } from "../lib/sim/schemas";
import { Duck, sqlString } from "../lib/duck";
import { DeltaTable } from "../lib/delta/table";
import { readStream } from "../lib/api/read-stream";
import type { StreamingQueryProgress } from "../lib/stream/progress";
import { atMost, EVENTS_CSV_COLUMNS, eventsSql, figure, median, type BenchResult } from "./util";

const BATCHES = 150;
const ROWS = 1_000;
const ROUNDS = 3;

interface RunFigures {
  batches: number;
  /** Sum of triggerExecution over the batches / batches. */
  triggerMs: number;
  /** (end − end of the first batch) / (batches − 1). */
  wallMs: number;
  /** Launch → end of the first batch. */
  firstBatchMs: number;
  /** Mean of each durationMs phase over the batches. */
  phases: Record<string, number>;
  progress: StreamingQueryProgress[];
}

async function runQuery(duck: Duck, landing: string, table: string, ck: string): Promise<RunFigures> {
  const progress: StreamingQueryProgress[] = [];
  let firstAt = 0;
  const started = performance.now();
  const q = await readStream.files(landing, { format: "csv", schema: EVENTS_SCHEMA, maxFilesPerTrigger: 1 }).writeStream(
    { format: "delta", path: table },
    {
      checkpointLocation: ck,
      queryName: "bench_batches",
      trigger: "availableNow",
      duck,
      listeners: [
        {
          onQueryProgress: (e) => {
            if (!progress.length) firstAt = performance.now();
            progress.push(e.progress);
          },
        },
      ],
    },
  );
  await q.awaitTermination();
  const ended = performance.now();
  const n = progress.length;
  const phases: Record<string, number> = {};
  for (const p of progress) for (const [k, v] of Object.entries(p.durationMs)) phases[k] = (phases[k] ?? 0) + v / n;
  return {
    batches: n,
    triggerMs: progress.reduce((s, p) => s + p.durationMs.triggerExecution, 0) / n,
    wallMs: n > 1 ? (ended - firstAt) / (n - 1) : NaN,
    firstBatchMs: firstAt - started,
    phases,
    progress,
  };
}

export async function batchesBench(): Promise<BenchResult> {
  const duck = await Duck.open();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "streamlab-bench-batches-"));
  try {
    const staging = path.join(dir, "staging");
    fs.mkdirSync(staging);
    const name = (i: number) => `f-${String(i).padStart(5, "0")}.csv`;
    for (let i = 0; i < 2 * BATCHES; i++) await duck.run(`COPY (${eventsSql(ROWS, i)}) TO ${sqlString(path.join(staging, name(i)))} (FORMAT csv, HEADER true)`);

    // Baseline: DuckDB alone, one statement per file, CSV → Parquet (the same 300 files).
    const out = path.join(dir, "direct");
    fs.mkdirSync(out);
    const direct: number[] = [];
    for (let i = 0; i < 2 * BATCHES; i++) {
      const t = performance.now();
      await duck.run(`COPY (SELECT * FROM read_csv(${sqlString(path.join(staging, name(i)))}, header = true, columns = ${EVENTS_CSV_COLUMNS}, auto_detect = false)) TO ${sqlString(path.join(out, `${i}.parquet`))} (FORMAT parquet, COMPRESSION snappy)`);
      direct.push(performance.now() - t);
    }
    const directMs = direct.reduce((s, x) => s + x, 0) / direct.length;

    // Rounds from scratch (fresh table, checkpoint and landing folder each); the round of median growth is reported.
    const rounds: { first: RunFigures; second: RunFigures }[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const landing = path.join(dir, `landing-${round}`);
      fs.mkdirSync(landing);
      const table = path.join(dir, `table-${round}`);
      const ck = path.join(dir, `ck-${round}`);
      const copy = (from: number, to: number) => {
        for (let i = from; i < to; i++) fs.copyFileSync(path.join(staging, name(i)), path.join(landing, name(i)));
      };
      copy(0, BATCHES);
      const first = await runQuery(duck, landing, table, ck);
      copy(BATCHES, 2 * BATCHES);
      const second = await runQuery(duck, landing, table, ck);
      const rows = await DeltaTable.forPath(table, duck).count();
      if (first.batches !== BATCHES || second.batches !== BATCHES || rows !== 2 * BATCHES * ROWS) throw new Error(`expected ${BATCHES} + ${BATCHES} batches and ${2 * BATCHES * ROWS} rows, got ${first.batches} + ${second.batches} batches and ${rows} rows`);
      console.log(`  round ${round + 1}: ${first.triggerMs.toFixed(1)} → ${second.triggerMs.toFixed(1)} ms/batch`);
      rounds.push({ first, second });
    }
    rounds.sort((x, y) => x.second.triggerMs / x.first.triggerMs - y.second.triggerMs / y.first.triggerMs);
    const { first, second } = rounds[Math.floor(ROUNDS / 2)]!;

    const show = (label: string, r: RunFigures) => {
      console.log(`${label}: ${r.triggerMs.toFixed(1)} ms/batch (Σ triggerExecution / ${r.batches}), ${r.wallMs.toFixed(1)} ms/batch wall after the first batch (first batch done ${r.firstBatchMs.toFixed(0)} ms after launch)`);
      console.log(`  phases (mean ms): ${Object.entries(r.phases).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(", ")}`);
    };
    console.log(`one ${ROWS}-row CSV file per batch, availableNow, maxFilesPerTrigger 1 (the round of median growth of ${ROUNDS}):`);
    show(`batches 0–${BATCHES - 1} (fresh table)`, first);
    show(`batches ${BATCHES}–${2 * BATCHES - 1} (second run, same table)`, second);
    console.log(`DuckDB alone, one COPY read_csv → Parquet per file: ${directMs.toFixed(1)} ms/file (median ${median(direct).toFixed(1)} ms, ${direct.length} files)`);
    const growth = second.triggerMs / first.triggerMs;
    const wallGrowth = second.wallMs / first.wallMs;
    console.log(`ratio: second 150 / first 150 = ${growth.toFixed(2)} (triggerExecution), ${wallGrowth.toFixed(2)} (wall) (target ≤ 1.3)`);
    console.log(`per-batch cost: ${first.triggerMs.toFixed(1)} / ${second.triggerMs.toFixed(1)} ms (target ≤ 10 ms); DuckDB's per-file statement ${directMs.toFixed(1)} ms → a batch costs ${(second.triggerMs / directMs).toFixed(1)}× DuckDB's statement`);

    const worst = Math.max(first.triggerMs, second.triggerMs);
    const points = [...first.progress, ...second.progress].map((p, i) => ({ batch: i, ms: p.durationMs.triggerExecution, series: "streamlab batch (triggerExecution)" }));
    const base = direct.map((ms, i) => ({ batch: i, ms, series: "DuckDB COPY per file" }));
    return {
      name: "batches",
      metrics: [
        atMost("per-batch cost, first 150 (Σ triggerExecution / batches)", first.triggerMs, "ms", 10),
        atMost("per-batch cost, second 150 (Σ triggerExecution / batches)", second.triggerMs, "ms", 10),
        atMost("per-batch cost, worst of the two halves", worst, "ms", 10),
        atMost("growth: second 150 / first 150 (triggerExecution)", growth, "×", 1.3),
        figure("wall per batch after the first, first 150", first.wallMs, "ms"),
        figure("wall per batch after the first, second 150", second.wallMs, "ms"),
        figure("growth: second 150 / first 150 (wall)", wallGrowth, "×"),
        figure("baseline: DuckDB COPY read_csv → Parquet, per file", directMs, "ms"),
        figure("per-batch cost / DuckDB per-file statement", second.triggerMs / directMs, "×"),
      ],
      charts: [
        {
          file: "perf-batches.svg",
          title: "Per-batch time, one 1,000-row file per batch (batches 150+ on the same table)",
          spec: {
            title: "Per-batch time: 150 batches on a fresh table, then 150 more",
            layer: [
              {
                data: { values: [...points, ...base] },
                mark: { type: "line", strokeWidth: 1 },
                encoding: {
                  x: { field: "batch", type: "quantitative", title: "batch (or file) number" },
                  y: { field: "ms", type: "quantitative", title: "ms" },
                  color: { field: "series", type: "nominal", title: null },
                },
              },
              { data: { values: [{ ms: 10 }] }, mark: { type: "rule", strokeDash: [4, 3] }, encoding: { y: { field: "ms", type: "quantitative" } } },
              { data: { values: [{ batch: 0, ms: 10 }] }, mark: { type: "text", align: "left", dx: 4, dy: -6 }, encoding: { x: { field: "batch", type: "quantitative" }, y: { field: "ms", type: "quantitative" }, text: { value: "target: 10 ms a batch" } } },
              { data: { values: [{ batch: BATCHES - 0.5 }] }, mark: { type: "rule", color: "gray" }, encoding: { x: { field: "batch", type: "quantitative" } } },
            ],
          },
        },
      ],
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    duck.close();
  }
}
