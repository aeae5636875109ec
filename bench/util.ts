/** Small helpers for benchmarks: timing, medians, and the figures each benchmark returns. */
import type { VegaLiteSpec } from "../lib/viz/chart";

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
