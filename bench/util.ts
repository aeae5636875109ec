/** Small helpers for benchmarks: timing, medians, and the figures each benchmark returns. */
import { spawnSync } from "node:child_process";
import type { VegaLiteSpec } from "../lib/viz/chart";
import { parseDdl } from "../lib/delta/ddl";
import { csvColumns } from "../lib/sources/file-reader";
import { EVENTS_SCHEMA } from "../lib/sim/schemas";

export async function time<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t = performance.now();
  const value = await fn();
  return { ms: performance.now() - t, value };
}

export { median, quantile } from "../lib/util/stats";

/** One figure a benchmark measured; `target` and `met` when the figure is held to a target. */
export interface Metric {
  label: string;
  value: number;
  unit: string;
  /** The target as text, e.g. "≥ 0.9" or "< 20 ms". */
  target?: string;
  met?: boolean;
  /** The target as a number, for charts: the value must be op goal. */
  goal?: { op: ">=" | "<=" | "<"; value: number };
}

/** A chart for the report: a vega-lite spec (data inline), written as docs/<file>.svg. */
export interface BenchChart {
  file: string;
  title: string;
  spec: VegaLiteSpec;
}

/** What a benchmark returns besides what it prints: its key figures, and charts for the report. */
export interface BenchResult {
  name: string;
  metrics: Metric[];
  charts?: BenchChart[];
}

/** A figure held to "at least" / "at most" / "below" a target. */
export function atLeast(label: string, value: number, unit: string, min: number): Metric {
  return { label, value, unit, target: `≥ ${min}${unit && unit !== "×" ? ` ${unit}` : ""}`, met: value >= min, goal: { op: ">=", value: min } };
}
export function atMost(label: string, value: number, unit: string, max: number): Metric {
  return { label, value, unit, target: `≤ ${max}${unit && unit !== "×" ? ` ${unit}` : ""}`, met: value <= max, goal: { op: "<=", value: max } };
}
export function below(label: string, value: number, unit: string, max: number): Metric {
  return { label, value, unit, target: `< ${max}${unit && unit !== "×" ? ` ${unit}` : ""}`, met: value < max, goal: { op: "<", value: max } };
}
export function figure(label: string, value: number, unit: string): Metric {
  return { label, value, unit };
}

/**
 * read_csv's columns for the events feed's CSV files (no sniffing), as the baselines read them: the
 * DuckDB types of the feed's schema, so a baseline writes the same Parquet columns as the table the
 * stream writes (the feed's TIMESTAMP is Delta's timestamp, an instant: DuckDB's TIMESTAMPTZ).
 */
export const EVENTS_CSV_COLUMNS = csvColumns(parseDdl(EVENTS_SCHEMA));

/** `n` rows of the events feed as SQL; event ids are unique across seeds as long as `n` ≤ `stride`. */
export function eventsSql(n: number, seed: number, stride = 1_000_000): string {
  return `SELECT md5((range + ${seed * stride})::VARCHAR)::UUID::VARCHAR AS event_id, 'u_' || lpad((range % 500)::VARCHAR, 5, '0') AS user_id,
    ['view','view','view','add_to_cart','purchase'][range % 5 + 1] AS event_type, 'p_' || lpad((range % 50)::VARCHAR, 4, '0') AS product_id,
    ((range % 40000) / 100)::DECIMAL(10,2) AS price, TIMESTAMP '2026-01-01 00:00:00' + to_milliseconds(range * 10) AS event_timestamp FROM range(${n})`;
}

/** Runs `node ARGS` as a fresh process: its wall time, and when it was launched (epoch ms). Throws when it fails. */
export function runNode(args: string[]): { ms: number; launchedAt: number } {
  const launchedAt = Date.now();
  const t = performance.now();
  const r = spawnSync(process.execPath, args, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`node ${args.join(" ")} failed (${r.status}): ${r.stderr}`);
  return { ms: performance.now() - t, launchedAt };
}
