/** Small helpers for benchmarks: timing, medians, and the figures each benchmark returns. */
import type { VegaLiteSpec } from "../lib/viz/chart";
import { sqlString } from "../lib/sql-text";
import { parseDdl } from "../lib/delta/ddl";
import { duckType } from "../lib/delta/schema";
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
export const EVENTS_CSV_COLUMNS = `{${parseDdl(EVENTS_SCHEMA)
  .fields.map((f) => `${sqlString(f.name)}: ${sqlString(duckType(f.type))}`)
  .join(", ")}}`;

/** `n` rows of the events feed as SQL; event ids are unique across seeds as long as `n` ≤ `stride`. */
export function eventsSql(n: number, seed: number, stride = 1_000_000): string {
  return `SELECT md5((range + ${seed * stride})::VARCHAR)::UUID::VARCHAR AS event_id, 'u_' || lpad((range % 500)::VARCHAR, 5, '0') AS user_id,
    ['view','view','view','add_to_cart','purchase'][range % 5 + 1] AS event_type, 'p_' || lpad((range % 50)::VARCHAR, 4, '0') AS product_id,
    ((range % 40000) / 100)::DECIMAL(10,2) AS price, TIMESTAMP '2026-01-01 00:00:00' + to_milliseconds(range * 10) AS event_timestamp FROM range(${n})`;
}
