/**
 * Schema inference for CSV and JSON lines (Auto Loader style): columns from a sample of the first
 * files, all strings by default, typed by DuckDB's sniffer when inferColumnTypes is on, and
 * schemaHints overriding single columns.
 */
import type { Duck } from "../duck";
import { sqlString } from "../duck";

import { parseDdl } from "../delta/ddl";
import { deltaTypeOf, type DeltaType, type StructField, type StructType } from "../delta/schema";
import { csvHeader } from "../util/csv";
import { sqlFileList, type ListedFile } from "../util/file-listing";
import { probeFile, readSkippingUnreadable } from "./file-probe";
import { JSON_BAD_KEY, JSON_OBJECT } from "./file-reader";
import type { FileFormat } from "./file-source-options";

export interface InferenceOptions {
  format: FileFormat;
  inferColumnTypes: boolean;
  sep: string;
  quote?: string;
  escape?: string;
  header: boolean;
  sampleFiles: number;
  sampleBytes: number;
}

/** Simple Delta types only: anything DuckDB sniffs as something else stays a string. */
function simpleType(duckTypeName: string): DeltaType {
  try {
    const t = deltaTypeOf(duckTypeName);
    return typeof t === "string" && t !== "binary" ? (t === "timestamp_ntz" ? "timestamp" : t) : "string";
  } catch {
    return "string";
  }
}

export interface Inference {
  /** Undefined when no file could be read. */
  schema?: StructType;
  /** Files skipped because they cannot be read, with why. */
  unreadable: { file: string; reason: string }[];
}

/**
 * Infers a schema from the first readable files (up to sampleFiles / sampleBytes). Unreadable files
 * are skipped and reported, never sampled: a binary or UTF-16 file would give columns named "" or garbage.
 */
export async function inferSchema(duck: Duck, files: ListedFile[], o: InferenceOptions): Promise<Inference> {
  const unreadable: Inference["unreadable"] = [];
  const skip = (file: string, reason: string) => void (unreadable.some((u) => u.file === file) || unreadable.push({ file, reason }));
  const readable = () => sample.map((f) => f.path).filter((p) => !unreadable.some((u) => u.file === p));
  const sample: ListedFile[] = [];
  const headers = new Map<string, string[]>();
  let bytes = 0;
  for (const f of files) {
    if (sample.length >= o.sampleFiles || (sample.length > 0 && bytes + f.size > o.sampleBytes)) break;
    const problem = probeFile(f.path, o.format, o.header);
    if (problem) {
      if (problem.kind === "corrupt") skip(f.path, problem.reason); // a file gone since the listing is simply not there
      continue;
    }
    if (o.format === "csv") {
      const h = csvHeader(f.path, o.sep, o.quote, o.escape);
      if ("problem" in h) {
        skip(f.path, h.problem);
        continue;
      }
      // Without a header, Spark names the columns _c0, _c1, …
      headers.set(f.path, o.header ? h.names : h.names.map((_, i) => `_c${i}`));
    }
    sample.push(f);
    bytes += f.size;
  }
  const names: string[] = [];
  const seen = new Set<string>(); // a Set, not a search: a header can have 10,000 columns
  const add = (n: string) => {
    if (!seen.has(n.toLowerCase())) seen.add(n.toLowerCase()) && names.push(n);
  };
  const types = new Map<string, DeltaType>();
  // DuckDB may still fail on a sampled file (binary data after the part checked): it is left out like the others.
  const describe = async (reader: (list: string) => string) =>
    (await readSkippingUnreadable(readable(), (paths) => duck.describe(`SELECT * FROM ${reader(sqlFileList(paths))}`), skip)).result ?? [];
  if (o.format === "csv") {
    if (o.inferColumnTypes) {
      const quoting = `${o.quote !== undefined ? `, quote = ${sqlString(o.quote)}` : ""}${o.escape !== undefined ? `, escape = ${sqlString(o.escape)}` : ""}`;
      const cols = await describe((list) => `read_csv(${list}, header = ${o.header}, delim = ${sqlString(o.sep)}${quoting}, union_by_name = true, ignore_errors = true, sample_size = 20480, hive_partitioning = false)`);
      cols.forEach((c, i) => types.set(o.header ? c.name.toLowerCase() : `_c${i}`, simpleType(c.type)));
    }
    for (const p of readable()) headers.get(p)!.forEach(add);
  } else if (o.format === "json") {
    const keys = await readSkippingUnreadable(
      readable(),
      (paths) =>
        duck.all<{ k: string }>(
          `SELECT k FROM (SELECT unnest(json_keys(line)) AS k, idx FROM (SELECT unnest(string_split(content, chr(10))) AS line, generate_subscripts(string_split(content, chr(10)), 1) AS idx FROM read_text(${sqlFileList(paths)})) WHERE ${JSON_OBJECT} AND NOT (${JSON_BAD_KEY})) GROUP BY k ORDER BY min(idx), k`,
        ),
      skip,
    );
    for (const k of keys.result ?? []) add(k.k);
    if (keys.files.length > 0 && o.inferColumnTypes) {
      const cols = await describe((list) => `read_json(${list}, format = 'newline_delimited', ignore_errors = true, union_by_name = true, hive_partitioning = false)`);
      for (const c of cols) types.set(c.name.toLowerCase(), simpleType(c.type));
    }
  } else {
    for (const c of await describe((list) => `read_parquet(${list}, union_by_name = true, hive_partitioning = false)`)) {
      add(c.name);
      types.set(c.name.toLowerCase(), deltaTypeOf(c.type));
    }
  }
  if (readable().length === 0) return { unreadable };
  return { schema: { type: "struct", fields: names.map((n) => ({ name: n, type: types.get(n.toLowerCase()) ?? "string", nullable: true, metadata: {} })) }, unreadable };
}

/** Applies schemaHints ("price DECIMAL(10,2), event_timestamp TIMESTAMP"): each hinted column gets that type (and is added if missing). */
export function applyHints(schema: StructType, hints: string | undefined): StructType {
  if (!hints) return schema;
  const fields: StructField[] = schema.fields.map((f) => ({ ...f }));
  for (const h of parseDdl(hints).fields) {
    const i = fields.findIndex((f) => f.name.toLowerCase() === h.name.toLowerCase());
    if (i >= 0) fields[i] = { ...fields[i]!, type: h.type, nullable: h.nullable };
    else fields.push(h);
  }
  return { type: "struct", fields };
}
