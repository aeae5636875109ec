/**
 * Aggregate expressions of a streaming `groupBy(...).agg(...)`, split as Spark splits them into a
 * partial aggregate per batch, a merge of partials (batch with state) and a final value: count,
 * sum, min, max, avg, and count(DISTINCT x) / approx_count_distinct(x) (kept exactly, as the set
 * of distinct values per group).
 */
import { sqlIdent } from "../../duck";
import { StreamlabError } from "../../errors";

export interface AggregateExpr {
  /** The output column. */
  alias: string;
  /** State columns: their name, the partial (over input rows) and the merge (over partials). */
  partials: { name: string; partial: string; merge: string }[];
  /** The final value, over the state columns. */
  final: string;
}

const FUNCS = ["count", "sum", "min", "max", "avg", "mean", "approx_count_distinct"];

/** Parses "avg(temperature) AS avg_temp", "count(*)", "count(DISTINCT user_id) AS users" into partial, merge and final. */
export function parseAggregate(text: string, index: number): AggregateExpr {
  const m = /^\s*([a-z_]+)\s*\(\s*(distinct\s+)?(.*?)\s*\)\s*(?:as\s+("(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_]*))?\s*$/is.exec(text);
  const fn = m?.[1]?.toLowerCase();
  if (!m || !fn || !FUNCS.includes(fn) || m[3] === "") {
    throw new StreamlabError("INVALID_ARGUMENT", `Cannot aggregate ${JSON.stringify(text)} in a streaming query.`, {
      hint: 'Write one aggregate per expression: count(*), count(x), sum(x), min(x), max(x), avg(x), count(DISTINCT x) or approx_count_distinct(x), optionally "AS name".',
    });
  }
  const distinct = Boolean(m[2]);
  const arg = m[3]!;
  const alias = m[4] ? m[4].replace(/^"(.*)"$/s, "$1").replaceAll('""', '"') : `${fn}(${distinct ? "DISTINCT " : ""}${arg})`;
  const p = (suffix = "") => `__sl_a${index}${suffix}`;
  const q = (suffix = "") => sqlIdent(p(suffix));
  if ((fn === "count" && distinct) || fn === "approx_count_distinct") {
    // The distinct values themselves: exact, and mergeable across batches.
    return { alias, partials: [{ name: p(), partial: `list(DISTINCT (${arg})) FILTER (WHERE (${arg}) IS NOT NULL)`, merge: `list_distinct(flatten(list(${q()})))` }], final: `coalesce(len(${q()}), 0)::BIGINT` };
  }
  if (distinct) throw new StreamlabError("INVALID_ARGUMENT", `${fn}(DISTINCT …) is not supported in a streaming aggregation.`, { hint: "Use count(DISTINCT x) or approx_count_distinct(x)." });
  switch (fn) {
    case "count":
      return { alias, partials: [{ name: p(), partial: `count(${arg})`, merge: `sum(${q()})` }], final: `coalesce(${q()}, 0)::BIGINT` };
    case "sum":
    case "min":
    case "max":
      return { alias, partials: [{ name: p(), partial: `${fn}(${arg})`, merge: `${fn}(${q()})` }], final: q() };
    default: // avg, mean
      return {
        alias,
        partials: [
          { name: p("_sum"), partial: `sum(${arg})`, merge: `sum(${q("_sum")})` },
          { name: p("_n"), partial: `count(${arg})`, merge: `sum(${q("_n")})` },
        ],
        final: `CASE WHEN ${q("_n")} > 0 THEN ${q("_sum")}::DOUBLE / ${q("_n")} END`,
      };
  }
}

/** A grouping key: a column, or "expr AS name". */
export interface GroupKey {
  expr: string;
  name: string;
}

export function parseKey(text: string): GroupKey {
  const m = /^\s*(.+?)\s+as\s+("(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_]*)\s*$/is.exec(text);
  if (m) return { expr: m[1]!, name: m[2]!.replace(/^"(.*)"$/s, "$1").replaceAll('""', '"') };
  const t = text.trim();
  if (t === "") throw new StreamlabError("INVALID_ARGUMENT", "An empty groupBy key.");
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(t) || /^"(?:[^"]|"")+"$/.test(t) ? { expr: t.startsWith('"') ? t : sqlIdent(t), name: t.replace(/^"(.*)"$/s, "$1").replaceAll('""', '"') } : { expr: t, name: t };
}

/**
 * The keys and aggregates of a grouped aggregation, checked as one: at least one aggregate, and no
 * two output columns of one name (`windowColumn` is the window's column, when there is one).
 */
export function parseGrouping(keyTexts: string[], windowColumn: string | undefined, aggTexts: string[]): { keys: GroupKey[]; aggs: AggregateExpr[] } {
  const keys = keyTexts.map(parseKey);
  if (aggTexts.length === 0) throw new StreamlabError("INVALID_ARGUMENT", "agg() needs at least one aggregate expression.", { hint: 'e.g. .agg("avg(temperature) AS avg_temp")' });
  const aggs = aggTexts.map((a, i) => parseAggregate(a, i));
  const names = [...(windowColumn ? [windowColumn] : []), ...keys.map((k) => k.name), ...aggs.map((a) => a.alias)];
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new StreamlabError("INVALID_ARGUMENT", `The aggregation would have two columns named "${dup}".`, { hint: "Give the aggregates distinct names with AS." });
  return { keys, aggs };
}

/** The output of an aggregation's state rows in `from`: the key columns, then each aggregate's final value. */
export function finalSelect(keyColumns: string[], aggs: AggregateExpr[], from: string): string {
  return `SELECT ${[...keyColumns.map(sqlIdent), ...aggs.map((a) => `${a.final} AS ${sqlIdent(a.alias)}`)].join(", ")} FROM ${from}`;
}
