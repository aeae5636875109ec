/**
 * Schema inference for CSV and JSON lines (Auto Loader style): columns from a sample of the first
 * files, all strings by default, typed by DuckDB's sniffer when inferColumnTypes is on, and
 * schemaHints overriding single columns.
 */
import * as fs from "node:fs";
import type { Duck } from "../duck";
import { sqlString } from "../duck";

import { parseDdl } from "../delta/ddl";
import { deltaTypeOf, type DeltaType, type StructField, type StructType } from "../delta/schema";
import { splitCsvLine, unquoteCsvField } from "../util/csv";
import { sqlFileList, type ListedFile } from "../util/file-listing";

export interface InferenceOptions {
  format: "csv" | "json" | "parquet";
  inferColumnTypes: boolean;
  sep: string;
  header: boolean;
  sampleFiles: number;
  sampleBytes: number;
}

/** The first line of a file (a CSV header), read without loading the file. */
export function firstLine(file: string): string {
  const fd = fs.openSync(file, "r");
  try {
    const buf = Buffer.alloc(64 * 1024);
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    const text = buf.subarray(0, n).toString("utf8");
    const end = text.indexOf("\n");
    return (end < 0 ? text : text.slice(0, end)).replace(/\r$/, "").replace(/^\uFEFF/, "");
  } finally {
    fs.closeSync(fd);
  }
}

/** Column names of a CSV file's header. */
export function csvHeader(file: string, sep: string): string[] {
  const line = firstLine(file);
  return splitCsvLine(line, sep).map((f) => unquoteCsvField(f));
}

function sampleOf(files: ListedFile[], o: InferenceOptions): ListedFile[] {
  const out: ListedFile[] = [];
  let bytes = 0;
  for (const f of files) {
    if (out.length >= o.sampleFiles || (out.length > 0 && bytes + f.size > o.sampleBytes)) break;
    out.push(f);
    bytes += f.size;
  }
  return out;
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

/** Infers a schema from the first files. */
export async function inferSchema(duck: Duck, files: ListedFile[], o: InferenceOptions): Promise<StructType> {
  const sample = sampleOf(files, o);
  const list = sqlFileList(sample.map((f) => f.path));
  const names: string[] = [];
  const add = (n: string) => {
    if (!names.some((x) => x.toLowerCase() === n.toLowerCase())) names.push(n);
  };
  const types = new Map<string, DeltaType>();
  if (o.format === "csv") {
    for (const f of sample) for (const n of csvHeader(f.path, o.sep)) add(n);
    if (o.inferColumnTypes) {
      const cols = await duck.describe(`SELECT * FROM read_csv(${list}, header = ${o.header}, delim = ${sqlString(o.sep)}, union_by_name = true, ignore_errors = true, sample_size = 20480, hive_partitioning = false)`);
      for (const c of cols) types.set(c.name.toLowerCase(), simpleType(c.type));
    }
  } else if (o.format === "json") {
    const keys = await duck.all<{ k: string }>(
      `SELECT k FROM (SELECT unnest(json_keys(line)) AS k, idx FROM (SELECT unnest(string_split(content, chr(10))) AS line, generate_subscripts(string_split(content, chr(10)), 1) AS idx FROM read_text(${list})) WHERE json_valid(line) AND (CASE WHEN json_valid(line) THEN json_type(line) END) = 'OBJECT') GROUP BY k ORDER BY min(idx), k`,
    );
    for (const k of keys) add(k.k);
    if (o.inferColumnTypes) {
      const cols = await duck.describe(`SELECT * FROM read_json(${list}, format = 'newline_delimited', ignore_errors = true, union_by_name = true, hive_partitioning = false)`);
      for (const c of cols) types.set(c.name.toLowerCase(), simpleType(c.type));
    }
  } else {
    const cols = await duck.describe(`SELECT * FROM read_parquet(${list}, union_by_name = true, hive_partitioning = false)`);
    for (const c of cols) {
      add(c.name);
      types.set(c.name.toLowerCase(), deltaTypeOf(c.type));
    }
  }
  return { type: "struct", fields: names.map((n) => ({ name: n, type: types.get(n.toLowerCase()) ?? "string", nullable: true, metadata: {} })) };
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
