/**
 * Per-file statistics for `add.stats` (PROTOCOL.md, "Per-file Statistics"), built from the
 * column statistics DuckDB returns when it writes a Parquet file (COPY … RETURN_STATS).
 * Strings are truncated as Delta writers do; timestamps keep millisecond precision with the
 * bounds widened so they still bound the data.
 */
import { isStruct, type DeltaType, type StructType } from "./schema";

/** Longest string prefix kept in min/max stats (Spark's default). */
export const STRING_PREFIX = 32;
/** Appended to a truncated maximum so it stays ≥ every value with that prefix. */
const TIE_BREAKER = "\u{10FFFF}";

export type ColumnStats = Map<string, Record<string, string>>;

/** DuckDB's RETURN_STATS column_statistics (a list of {key, value} pairs) keyed by column path. */
export function columnStatsFromJson(raw: unknown): ColumnStats {
  const out: ColumnStats = new Map();
  const entries = (Array.isArray(raw) ? raw : Object.entries(raw ?? {}).map(([key, value]) => ({ key, value }))) as { key: string; value: unknown }[];
  for (const { key, value } of entries) {
    const props = (Array.isArray(value) ? value : Object.entries(value ?? {}).map(([k, v]) => ({ key: k, value: v }))) as { key: string; value: string }[];
    out.set(key, Object.fromEntries(props.map((p) => [p.key, p.value])));
  }
  return out;
}

function pathKey(path: string[]): string {
  return path.map((p) => `"${p.replaceAll('"', '""')}"`).join(".");
}

function truncateMin(s: string): string {
  const cps = [...s];
  return cps.length > STRING_PREFIX ? cps.slice(0, STRING_PREFIX).join("") : s;
}

function truncateMax(s: string): string {
  const cps = [...s];
  return cps.length > STRING_PREFIX ? cps.slice(0, STRING_PREFIX).join("") + TIE_BREAKER : s;
}

/** A DuckDB timestamp text ("2026-01-01 00:00:00.123456+00" or without zone) as Delta's ISO stats form. */
function timestampStat(v: string, bound: "min" | "max", zoned: boolean): string | undefined {
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d+))?(.*)$/.exec(v);
  if (!m) return undefined;
  const frac = (m[3] ?? "").padEnd(6, "0");
  let ms = Date.parse(`${m[1]}T${m[2]}.${frac.slice(0, 3)}${zoned ? normaliseZone(m[4]!) : "Z"}`);
  if (Number.isNaN(ms)) return undefined;
  if (bound === "max" && Number(frac.slice(3)) > 0) ms += 1; // microseconds beyond the millisecond: round the bound up
  const iso = new Date(ms).toISOString();
  return zoned ? iso : iso.slice(0, -1);
}

function normaliseZone(z: string): string {
  if (z === "" || z === "Z") return "Z";
  const m = /^([+-])(\d{2})(?::?(\d{2}))?$/.exec(z);
  return m ? `${m[1]}${m[2]}:${m[3] ?? "00"}` : "Z";
}

function statValue(t: DeltaType, v: string | undefined, bound: "min" | "max"): unknown {
  if (v === undefined) return undefined;
  if (typeof t !== "string") return undefined;
  switch (t) {
    case "string": return bound === "min" ? truncateMin(v) : truncateMax(v);
    case "long": case "integer": case "short": case "byte": {
      const n = Number(v);
      return Number.isSafeInteger(n) ? n : undefined;
    }
    case "float": case "double": {
      const n = Number(v);
      return Number.isFinite(n) ? n : undefined;
    }
    case "date": return /^\d{4}-\d{2}-\d{2}$/.test(v) ? v : undefined;
    case "timestamp": return timestampStat(v, bound, true);
    case "timestamp_ntz": return timestampStat(v, bound, false);
  }
  if (t.startsWith("decimal")) {
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined; // boolean, binary: no min/max, as Delta writers do
}

export interface FileStats {
  numRecords: number;
  minValues: Record<string, unknown>;
  maxValues: Record<string, unknown>;
  nullCount: Record<string, unknown>;
}

/** Delta stats for a file whose physical columns are `schema`'s fields (without partition columns). */
export function deltaStats(schema: StructType, numRecords: number, cols: ColumnStats): FileStats {
  const walk = (s: StructType, prefix: string[]) => {
    const minValues: Record<string, unknown> = {};
    const maxValues: Record<string, unknown> = {};
    const nullCount: Record<string, unknown> = {};
    for (const f of s.fields) {
      const p = [...prefix, f.name];
      if (isStruct(f.type)) {
        const inner = walk(f.type, p);
        if (Object.keys(inner.minValues).length) minValues[f.name] = inner.minValues;
        if (Object.keys(inner.maxValues).length) maxValues[f.name] = inner.maxValues;
        if (Object.keys(inner.nullCount).length) nullCount[f.name] = inner.nullCount;
        continue;
      }
      const c = cols.get(pathKey(p));
      if (!c) continue;
      if (c.null_count !== undefined) nullCount[f.name] = Number(c.null_count);
      if (c.has_nan === "true") continue; // NaN makes min/max meaningless for skipping
      const lo = statValue(f.type, c.min, "min");
      const hi = statValue(f.type, c.max, "max");
      if (lo !== undefined && hi !== undefined) {
        minValues[f.name] = lo;
        maxValues[f.name] = hi;
      }
    }
    return { minValues, maxValues, nullCount };
  };
  return { numRecords, ...walk(schema, []) };
}
