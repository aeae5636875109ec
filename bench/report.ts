/**
 * `npm run bench -- --report`: docs/performance.md from one run of the benchmarks — the machine,
 * each benchmark's figures against its targets (met or not, as measured), charts as SVG files in
 * docs/ (rendered by lib/viz from vega-lite specs, offline) and what each benchmark printed.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { execFileSync } from "node:child_process";
import { renderSvg, type VegaLiteSpec } from "../lib/viz/chart";
import { packageRoot } from "../lib/util/paths";
import type { BenchResult, Metric } from "./util";

export interface BenchRun {
  name: string;
  result?: BenchResult;
  error?: string;
  output: string[];
  seconds: number;
}

const fmt = (v: number) => (!Number.isFinite(v) ? String(v) : Math.abs(v) >= 10_000 ? Math.round(v).toLocaleString("en-US") : Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2));
const withUnit = (v: number, unit: string) => (unit === "×" ? `${fmt(v)}×` : unit ? `${fmt(v)} ${unit}` : fmt(v));
const cell = (s: string) => s.replace(/\|/g, "\\|");

/** How far a figure is from its target, as a factor where ≥ 1 is met: value/goal for "≥", goal/value for "≤" and "<". */
function headroom(m: Metric): number | undefined {
  if (!m.goal || !(m.value > 0)) return undefined;
  return m.goal.op === ">=" ? m.value / m.goal.value : m.goal.value / m.value;
}

function summarySpec(runs: BenchRun[]): VegaLiteSpec | undefined {
  const values = runs.flatMap((r) =>
    (r.result?.metrics ?? []).flatMap((m) => {
      const h = headroom(m);
      return h === undefined ? [] : [{ metric: `${r.name}: ${m.label}`, headroom: Number(h.toFixed(3)), status: m.met ? "met" : "not met", figure: `${withUnit(m.value, m.unit)} (target ${m.target})` }];
    }),
  );
  if (!values.length) return undefined;
  return {
    title: "Each target: measured against target (≥ 1 = met)",
    width: 420,
    height: { step: 22 },
    data: { values },
    layer: [
      {
        // Bars from 1 (the target) to the figure: right of the dashed line is met.
        mark: "bar",
        encoding: {
          y: { field: "metric", type: "nominal", sort: null, title: null },
          x: { field: "headroom", type: "quantitative", scale: { type: "log" }, title: "target ÷ measured (for ≤ targets) or measured ÷ target (for ≥), log scale" },
          x2: { datum: 1 },
          color: { field: "status", type: "nominal", scale: { domain: ["met", "not met"], range: ["#4c9a2a", "#c0392b"] }, title: null },
          tooltip: [{ field: "figure" }],
        },
      },
      { mark: { type: "rule", strokeDash: [4, 3] }, encoding: { x: { datum: 1 } } },
    ],
  };
}

function machine(): string[] {
  const cpus = os.cpus();
  let commit = "";
  try {
    commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: packageRoot(), encoding: "utf8" }).trim();
  } catch {
    // not a git checkout
  }
  return [
    `- Date: ${new Date().toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC")}`,
    `- CPU: ${cpus.length} cores${cpus[0] ? `, ${cpus[0].model.trim()}` : ""}`,
    `- Memory: ${(os.totalmem() / 1024 ** 3).toFixed(1)} GB`,
    `- OS: ${os.type()} ${os.release()} (${os.arch()})`,
    `- Node: ${process.version}`,
    `- Load average at the end (1, 5, 15 min): ${os.loadavg().map((l) => l.toFixed(2)).join(", ")} — other work on the machine shows in the figures`,
    ...(commit ? [`- Commit: ${commit}`] : []),
  ];
}

/** Writes docs/performance.md and its SVG charts; returns the paths written. */
export async function writeReport(runs: BenchRun[], docs = path.join(packageRoot(), "docs")): Promise<string[]> {
  fs.mkdirSync(docs, { recursive: true });
  const written: string[] = [];
  const svg = async (file: string, spec: VegaLiteSpec) => {
    const config = { axis: { labelLimit: 480 }, legend: { labelLimit: 400 } };
    const full = JSON.parse(JSON.stringify({ width: 560, height: 240, background: "white", config, ...spec })) as VegaLiteSpec;
    fs.writeFileSync(path.join(docs, file), await renderSvg(full));
    written.push(path.join(docs, file));
  };
  const all = runs.flatMap((r) => r.result?.metrics ?? []);
  const targeted = all.filter((m) => m.met !== undefined);
  const lines: string[] = [
    "# Performance",
    "",
    "Written by `npm run bench -- --report` from one run of the benchmarks (bench/), each in a Node process of its own. Every figure held to a target is a ratio against a baseline measured in the same run on the same machine, or a latency; \"met\" and \"not met\" are what this run measured. Targets: issue 15 (performance) and each benchmark's own.",
    "",
    "## Machine",
    "",
    ...machine(),
    "",
    `Benchmarks run: ${runs.map((r) => `\`${r.name}\` (${r.seconds.toFixed(0)} s${r.error ? ", failed" : ""})`).join(", ")}. Targets met: ${targeted.filter((m) => m.met).length} of ${targeted.length}.`,
    "",
    "## Summary",
    "",
    "| bench | figure | measured | target | |",
    "|---|---|---:|---|---|",
  ];
  for (const r of runs) {
    if (r.error) lines.push(`| ${r.name} | failed: ${cell(r.error.split("\n")[0]!)} | | | ✗ |`);
    for (const m of r.result?.metrics ?? []) lines.push(`| ${r.name} | ${cell(m.label)} | ${withUnit(m.value, m.unit)} | ${m.target ? cell(m.target) : ""} | ${m.met === undefined ? "" : m.met ? "met" : "**not met**"} |`);
  }
  lines.push("");
  const summary = summarySpec(runs);
  if (summary) {
    await svg("perf-summary.svg", summary);
    lines.push("![Each target, measured against target](perf-summary.svg)", "");
  }
  for (const r of runs) {
    lines.push(`## ${r.name}`, "");
    for (const c of r.result?.charts ?? []) {
      await svg(c.file, c.spec);
      lines.push(`![${c.title}](${c.file})`, "");
    }
    if (r.error) lines.push(`Failed: ${r.error}`, "");
    if (r.output.length) lines.push("```", ...r.output, "```", "");
  }
  const md = path.join(docs, "performance.md");
  fs.writeFileSync(md, lines.join("\n"));
  written.unshift(md);
  return written;
}
