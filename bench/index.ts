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
import { spawn, spawnSync } from "node:child_process";
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

/** The line a benchmark's own process ends its output with: its result, for the process that ran it. */
const RESULT = "@@bench-result ";

/** Non-finite numbers survive the trip as JSON (a figure may be NaN or Infinity). */
const NON_FINITE = "@@number ";
const encode = (_k: string, v: unknown) => (typeof v === "number" && !Number.isFinite(v) ? NON_FINITE + String(v) : v);
const decode = (_k: string, v: unknown) => (typeof v === "string" && v.startsWith(NON_FINITE) ? Number(v.slice(NON_FINITE.length)) : v);

/** `--one NAME` (internal): runs one benchmark in this process and prints its result last. */
async function runOne(name: string): Promise<void> {
  const result = await BENCHES[name]!();
  console.log(RESULT + JSON.stringify(result, encode));
}

/**
 * Runs benchmark `name` in a Node process of its own, as a user's query runs: nothing a benchmark
 * before it left (DuckDB instances, memory, caches) weighs on its figures. Its output is echoed as
 * it comes and kept for the report.
 */
function runInProcess(name: string): Promise<{ result?: BenchResult; output: string[]; error?: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [__filename, "--one", name], { stdio: ["ignore", "pipe", "pipe"] });
    const output: string[] = [];
    let result: BenchResult | undefined;
    let rest = "";
    const take = (line: string) => {
      const at = line.indexOf(RESULT);
      if (at >= 0) result = JSON.parse(line.slice(at + RESULT.length), decode) as BenchResult;
      const shown = at >= 0 ? line.slice(0, at) : line;
      if (at < 0 || shown) {
        output.push(shown);
        console.log(shown);
      }
    };
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      const lines = (rest + chunk).split("\n");
      rest = lines.pop()!;
      lines.forEach(take);
    });
    // Its errors are shown as they come, and the last of them say why it failed.
    let errors = "";
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => {
      process.stderr.write(chunk);
      errors = (errors + chunk).slice(-4000);
    });
    child.on("close", (code, signal) => {
      if (rest) take(rest);
      const why = errors.trim().split("\n").slice(-12).join("\n");
      resolve(result ? { result, output } : { output, error: `the benchmark's process ended with ${signal ?? `exit status ${code}`} before its result${why ? `:\n${why}` : ""}` });
    });
  });
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === "--one") return runOne(args[1]!);
  const report = args.includes("--report");
  const wanted = args.filter((a) => a !== "--report");
  const unknown = wanted.filter((w) => !BENCHES[w]);
  if (unknown.length) {
    console.error(`Unknown benchmark ${unknown.join(", ")}. Available: ${Object.keys(BENCHES).join(", ")} (and --report to write docs/performance.md).`);
    process.exit(2);
  }
  const runs: BenchRun[] = [];
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
    const started = performance.now();
    const run = await runInProcess(name);
    if (run.error) {
      failed = true;
      console.error(`bench ${name}: ${run.error}`);
    }
    runs.push({ name, ...run, seconds: (performance.now() - started) / 1000 });
  }
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
