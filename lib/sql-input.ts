/** Turns what users pass as data (a query, a view name, a file, rows) into DuckDB SQL. */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { rowsSql, sqlIdent, sqlString, type Row } from "./duck";
import { StreamlabError } from "./errors";

export type FileFormatName = "csv" | "json" | "parquet";

export type DataInput =
  /** A query (SELECT/WITH/FROM/VALUES…) or the name of a DuckDB table or view. */
  | string
  | { sql: string }
  | { path: string; format?: FileFormatName; options?: Record<string, string | number | boolean> }
  | Row[];

export interface SqlInput {
  sql: string;
  /** Removes temporary files made for the input. */
  cleanup(): void;
}

const QUERY = /^\s*(\(|select\b|with\b|from\b|values\b|table\b|pivot\b|unpivot\b|describe\b|summarize\b)/i;

export function formatOf(file: string, format?: string): FileFormatName {
  const f = (format ?? path.extname(file).slice(1)).toLowerCase();
  if (f === "csv" || f === "tsv") return "csv";
  if (f === "json" || f === "jsonl" || f === "ndjson") return "json";
  if (f === "parquet") return "parquet";
  throw new StreamlabError("INVALID_OPTION", `Cannot tell the format of ${file}${format ? ` ("${format}")` : ""}.`, { hint: "Pass format: csv, json (JSON lines) or parquet." });
}

/** DuckDB's reader for a file (or glob) of a format, with extra reader options. */
export function readerSql(file: string, format: FileFormatName, options: Record<string, string | number | boolean> = {}): string {
  const opts = Object.entries(options).map(([k, v]) => `, ${k} = ${typeof v === "string" ? sqlString(v) : String(v)}`).join("");
  switch (format) {
    case "csv": return `read_csv(${sqlString(file)}, header = true, auto_detect = true${opts})`;
    case "json": return `read_json(${sqlString(file)}, format = 'newline_delimited'${opts})`;
    case "parquet": return `read_parquet(${sqlString(file)}${opts})`;
  }
}

export interface ToSqlOptions {
  /**
   * Where to put the temporary file large row arrays are staged in (default: the system temp
   * folder). Writers pass a folder inside the table, so a crash never leaves files elsewhere.
   */
  tempDir?: string | (() => string);
}

export function toSql(input: DataInput, options: ToSqlOptions = {}): SqlInput {
  const none = () => {};
  if (typeof input === "string") {
    if (input.trim() === "") throw new StreamlabError("INVALID_ARGUMENT", "The data to write is an empty string.", { hint: "Pass a query, a view name, a file or rows." });
    return { sql: QUERY.test(input) ? input : `SELECT * FROM ${input.includes(".") || input.includes('"') ? input : sqlIdent(input)}`, cleanup: none };
  }
  if (Array.isArray(input)) {
    if (input.length === 0) throw new StreamlabError("DELTA_EMPTY_WRITE", "There are no rows to write.", { hint: "Pass at least one row." });
    if (input.length <= 500) return { sql: rowsSql(input), cleanup: none };
    const dir = typeof options.tempDir === "function" ? options.tempDir() : options.tempDir ?? os.tmpdir();
    const file = path.join(dir, `streamlab-rows-${process.pid}-${Date.now()}-${Math.random().toString(16).slice(2)}.json`);
    fs.writeFileSync(file, input.map((r) => JSON.stringify(r, (_k, v) => (typeof v === "bigint" ? Number(v) : v))).join("\n") + "\n");
    return { sql: `SELECT * FROM read_json(${sqlString(file)}, format = 'newline_delimited')`, cleanup: () => fs.rmSync(file, { force: true }) };
  }
  if (input && typeof input === "object" && "sql" in input) return { sql: input.sql, cleanup: none };
  if (input && typeof input === "object" && "path" in input) {
    const hasGlob = /[*?[]/.test(input.path);
    if (!hasGlob && !fs.existsSync(input.path)) {
      throw new StreamlabError("PATH_NOT_FOUND", `No file at ${input.path}.`, { hint: "Check the path; globs such as data/*.csv are allowed." });
    }
    return { sql: `SELECT * FROM ${readerSql(input.path, formatOf(input.path, input.format), input.options)}`, cleanup: none };
  }
  throw new StreamlabError("INVALID_ARGUMENT", "Cannot write this input.", { hint: "Pass a SQL query, a view name, { path, format } or an array of rows." });
}
