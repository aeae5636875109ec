/**
 * Partition pruning and data skipping: which active files can be left out of a scan because
 * their partition values or their min/max/null-count stats prove that no row matches the filter.
 * Only simple conjuncts (`col op literal`, `col IS [NOT] NULL`, `col IN (...)`) are used; the full
 * filter is always applied to the rows too, so skipping never changes a result.
 */
import type { AddFile } from "./actions";
import { isStruct, physicalName, type ColumnMappingMode, type StructType } from "./schema";

export type Op = "=" | "!=" | "<" | "<=" | ">" | ">=" | "is null" | "is not null" | "in";

export interface Conjunct {
  column: string;
  op: Op;
  value?: unknown;
  values?: unknown[];
}

/** Splits a SQL predicate on top-level AND and keeps the conjuncts it understands. */
export function parseConjuncts(filter: string): Conjunct[] {
  const parts: string[] = [];
  let depth = 0, quoted = false, start = 0;
  const s = filter;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === "'") quoted = !quoted;
    if (quoted) continue;
    if (c === "(") depth++;
    else if (c === ")") depth--;
    else if (depth === 0 && /^\s+and\s+/i.test(s.slice(i, i + 6)) && /\s/.test(c)) {
      const m = /^\s+and\s+/i.exec(s.slice(i))!;
      parts.push(s.slice(start, i));
      i += m[0].length - 1;
      start = i + 1;
    }
  }
  parts.push(s.slice(start));
  // A top-level OR anywhere makes the split meaningless: use nothing.
  if (parts.some((p) => /\bor\b/i.test(p.replace(/'[^']*'/g, "")))) return [];
  return parts.map((p) => p.trim().replace(/^\((.*)\)$/s, "$1").trim()).flatMap((p) => parseOne(p) ?? []);
}

const IDENT = `("(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_]*)`;
const LITERAL = `('(?:[^']|'')*'|-?\\d+(?:\\.\\d+)?(?:[eE][-+]?\\d+)?|true|false|null)`;

function ident(s: string): string {
  return s.startsWith('"') ? s.slice(1, -1).replaceAll('""', '"') : s;
}

function literal(s: string): unknown {
  if (s.startsWith("'")) return s.slice(1, -1).replaceAll("''", "'");
  if (/^(true|false)$/i.test(s)) return s.toLowerCase() === "true";
  if (/^null$/i.test(s)) return null;
  return Number(s);
}

function parseOne(p: string): Conjunct | undefined {
  let m = new RegExp(`^${IDENT}\\s*(=|==|!=|<>|<=|>=|<|>)\\s*${LITERAL}$`, "i").exec(p);
  if (m) {
    const op = m[2] === "==" ? "=" : m[2] === "<>" ? "!=" : (m[2] as Op);
    return { column: ident(m[1]!), op, value: literal(m[3]!) };
  }
  m = new RegExp(`^${LITERAL}\\s*(=|<=|>=|<|>)\\s*${IDENT}$`, "i").exec(p);
  if (m) {
    const flip: Record<string, Op> = { "=": "=", "<": ">", "<=": ">=", ">": "<", ">=": "<=" };
    return { column: ident(m[3]!), op: flip[m[2]!]!, value: literal(m[1]!) };
  }
  m = new RegExp(`^${IDENT}\\s+is\\s+(not\\s+)?null$`, "i").exec(p);
  if (m) return { column: ident(m[1]!), op: m[2] ? "is not null" : "is null" };
  m = new RegExp(`^${IDENT}\\s+in\\s*\\((.*)\\)$`, "is").exec(p);
  if (m) {
    const items = m[2]!.split(",").map((x) => x.trim());
    if (items.every((x) => new RegExp(`^${LITERAL}$`, "i").test(x))) return { column: ident(m[1]!), op: "in", values: items.map(literal) };
  }
  return undefined;
}

/** A file's stats, as the `stats` JSON of its add action has them. */
export interface Stats {
  numRecords?: number;
  minValues?: Record<string, unknown>;
  maxValues?: Record<string, unknown>;
  nullCount?: Record<string, unknown>;
}

function comparable(a: unknown, b: unknown): boolean {
  return (typeof a === "number" && typeof b === "number") || (typeof a === "string" && typeof b === "string");
}

function cmp(a: unknown, b: unknown): number {
  return (a as number | string) < (b as number | string) ? -1 : (a as number | string) > (b as number | string) ? 1 : 0;
}

/** May a file with these partition values and stats hold a row matching every conjunct? */
export function mayMatch(
  add: AddFile,
  conjuncts: Conjunct[],
  schema: StructType,
  partitionColumns: string[],
  mode: ColumnMappingMode,
): boolean {
  let stats: Stats | undefined;
  for (const c of conjuncts) {
    const field = schema.fields.find((f) => f.name === c.column);
    if (!field) continue;
    const phys = physicalName(field, mode);
    if (partitionColumns.includes(c.column)) {
      const raw = add.partitionValues?.[phys] ?? add.partitionValues?.[c.column] ?? null;
      const numeric = typeof field.type === "string" && /^(long|integer|short|byte|float|double|decimal)/.test(field.type);
      const v = raw === null || raw === "" ? null : numeric ? Number(raw) : raw;
      if (!partitionMatches(v, c)) return false;
      continue;
    }
    if (isStruct(field.type) || typeof field.type !== "string" || /^(timestamp|binary|boolean)/.test(field.type)) continue;
    stats ??= statsOf(add);
    if (!stats) return true;
    if (!statsMayMatch(stats, phys, c, field.type === "string")) return false;
  }
  return true;
}

function partitionMatches(v: unknown, c: Conjunct): boolean {
  switch (c.op) {
    case "is null": return v === null;
    case "is not null": return v !== null;
    case "in": return v !== null && (c.values ?? []).some((x) => comparable(v, x) && cmp(v, x) === 0);
  }
  if (v === null || c.value === null) return false; // comparisons with NULL are never true
  if (!comparable(v, c.value)) return true;
  const d = cmp(v, c.value);
  switch (c.op) {
    case "=": return d === 0;
    case "!=": return d !== 0;
    case "<": return d < 0;
    case "<=": return d <= 0;
    case ">": return d > 0;
    case ">=": return d >= 0;
  }
  return true;
}

/** Parsed stats by add action: a scan, its skipping and its row count read each file's stats once. */
const statsByAdd = new WeakMap<object, Stats | undefined>();

/** The stats of an add action (parsed once per action object); undefined when it has none or they are not JSON. */
export function statsOf(add: { stats?: string | null }): Stats | undefined {
  if (statsByAdd.has(add)) return statsByAdd.get(add);
  const stats = parseStats(add.stats);
  statsByAdd.set(add, stats);
  return stats;
}

/** Stats JSON as an add action carries it; undefined when there is none or it is not JSON. */
export function parseStats(s: string | null | undefined): Stats | undefined {
  if (!s) return undefined;
  try {
    return JSON.parse(s) as Stats;
  } catch {
    return undefined;
  }
}

function statsMayMatch(stats: Stats, col: string, c: Conjunct, isString: boolean): boolean {
  const nulls = stats.nullCount?.[col];
  const n = stats.numRecords;
  if (c.op === "is null") return typeof nulls !== "number" || nulls > 0;
  if (c.op === "is not null") return typeof nulls !== "number" || typeof n !== "number" || nulls < n;
  if (typeof nulls === "number" && typeof n === "number" && n > 0 && nulls === n) return false; // all null: no comparison is true
  const min = stats.minValues?.[col];
  const max = stats.maxValues?.[col];
  const values = c.op === "in" ? c.values ?? [] : [c.value];
  return values.some((v) => {
    if (v === null) return false;
    // Writers truncate long string stats (Spark at 32 characters): a truncated minimum is a prefix, so
    // still a lower bound, but not every writer keeps a truncated maximum an upper bound, so it is not used.
    const lo = comparable(min, v) ? cmp(min, v) : undefined;
    const maxUsable = !(isString && typeof max === "string" && [...max].length >= 32);
    const hi = maxUsable && comparable(max, v) ? cmp(max, v) : undefined;
    switch (c.op) {
      case "=":
      case "in":
        return !(lo !== undefined && lo > 0) && !(hi !== undefined && hi < 0);
      case "<": return !(lo !== undefined && lo >= 0);
      case "<=": return !(lo !== undefined && lo > 0);
      case ">": return !(hi !== undefined && hi <= 0);
      case ">=": return !(hi !== undefined && hi < 0);
      default: return true;
    }
  });
}
