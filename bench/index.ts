/**
 * `npm run bench [-- NAME ...]`: benchmarks that print ratios against baselines measured in the same run.
 * `npm run bench -- --report [NAME ...]`: the same, also writing docs/performance.md and its charts.
 */
import { deltaOpen } from "./delta-open";
import { deltaWrite } from "./delta-write";
import { streamBench } from "./stream";
import { postgresBench } from "./postgres";
import { stateBench } from "./state";
import { scanBench } from "./scan";
import { medallionBench } from "./medallion";
import { batchesBench } from "./batches";
import { latencyBench } from "./latency";
import { startupBench } from "./startup";
import { spawnSync } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { writeReport, type BenchRun } from "./report";
import type { BenchResult } from "./util";

const BENCHES: Record<string, () => Promise<BenchResult>> = {
  "delta-open": deltaOpen,
  "delta-write": deltaWrite,
  stream: streamBench,
  batches: batchesBench,
  latency: latencyBench,
  startup: startupBench,
  postgres: postgresBench,
  state: stateBench,
  scan: scanBench,
  medallion: medallionBench,
};

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const report = args.includes("--report");
  const wanted = args.filter((a) => a !== "--report");
  const unknown = wanted.filter((w) => !BENCHES[w]);
  if (unknown.length) {
    console.error(`Unknown benchmark ${unknown.join(", ")}. Available: ${Object.keys(BENCHES).join(", ")} (and --report to write docs/performance.md).`);
    process.exit(2);
  }
  const runs: BenchRun[] = [];
  // With --report, what each benchmark prints is also kept for the report.
  const log = console.log;
  let captured: string[] = [];
  if (report) {
    console.log = (...a: unknown[]) => {
      captured.push(a.map((x) => (typeof x === "string" ? x : String(x))).join(" "));
      log(...a);
    };
  }
  let failed = false;
  const names = wanted.length ? wanted : Object.keys(BENCHES);
  for (const [i, name] of names.entries()) {
    // Each benchmark starts on a settled machine: the files the one before wrote (and removed) are
    // flushed first, or their write-back shows up in the fsyncs of the next one's commits.
    if (i > 0) {
      spawnSync("sync");
      await sleep(1000);
    }
    console.log(`\n=== bench ${name}`);
    captured = [];
    const started = performance.now();
    try {
      const result = await BENCHES[name]!();
      runs.push({ name, result, output: [...captured], seconds: (performance.now() - started) / 1000 });
    } catch (e) {
      if (!report) throw e;
      failed = true;
      console.error(e);
      runs.push({ name, error: e instanceof Error ? e.message : String(e), output: [...captured], seconds: (performance.now() - started) / 1000 });
    }
  }
  console.log = log;
  if (report) {
    const written = await writeReport(runs);
    console.log(`\nwrote ${written.join(", ")}`);
  }
  if (failed) process.exitCode = 1;
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
