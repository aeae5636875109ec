/** HTML tables for notebooks, from a DuckDB result, an arquero table, rows, or a SQL query. */
import type { DuckDBResultReader } from "@duckdb/node-api";
import { duck, type Duck, type Row } from "../duck";
import { StreamlabError } from "../errors";
import { display } from "./display";

export interface ShowOptions {
  /** Most rows shown. Default 20. */
  limit?: number;
  /** A caption above the table. */
  title?: string;
  /** The DuckDB session a SQL string runs in; default the shared one. */
  duck?: Duck;
  /** Count the rows of a SQL input (default true); false reads only the rows shown, and says whether there are more. */
  count?: boolean;
}

export interface TableData {
  columns: { name: string; type: string }[];
  rows: Row[];
  /** Rows in the whole input when known. */
  totalRows?: number;
  /** The input has rows beyond those shown (when they were not counted). */
  more?: boolean;
}

interface ArqueroLike {
  columnNames(): string[];
  numRows(): number;
  objects(options?: { limit?: number }): Row[];
}

function isReader(x: unknown): x is DuckDBResultReader {
  return typeof x === "object" && x !== null && "getRowObjectsJS" in x && "columnTypes" in x;
}

function isArquero(x: unknown): x is ArqueroLike {
  return typeof x === "object" && x !== null && "columnNames" in x && "numRows" in x && "objects" in x;
}

/** The JS type name shown in a header when the source has no SQL types. */
function jsType(values: unknown[]): string {
  const v = values.find((x) => x !== null && x !== undefined);
  if (v === undefined) return "null";
  if (v instanceof Date) return "timestamp";
  if (typeof v === "bigint") return "bigint";
  if (Array.isArray(v)) return "array";
  return typeof v;
}

/** Collects up to `limit` rows and the column types of any supported input. */
export async function tableData(input: unknown, options: ShowOptions = {}): Promise<TableData> {
  const limit = options.limit ?? 20;
  if (typeof input === "string") {
    const d = options.duck ?? (await duck());
    if (options.count === false) {
      const data = readerData(await d.read(`SELECT * FROM (${input}) LIMIT ${limit + 1}`), limit);
      return { columns: data.columns, rows: data.rows, more: (data.totalRows ?? 0) > limit };
    }
    const total = Number(await d.value(`SELECT count(*) FROM (${input})`));
    const reader = await d.read(`SELECT * FROM (${input}) LIMIT ${limit}`);
    return { ...readerData(reader, limit), totalRows: total };
  }
  if (isReader(input)) return readerData(input, limit);
  if (isArquero(input)) {
    const names = input.columnNames();
    const rows = input.objects({ limit });
    return { columns: names.map((n) => ({ name: n, type: jsType(rows.map((r) => r[n])) })), rows, totalRows: input.numRows() };
  }
  if (Array.isArray(input)) {
    const rows = input.slice(0, limit) as Row[];
    const names = [...new Set(rows.flatMap((r) => Object.keys(r ?? {})))];
    return { columns: names.map((n) => ({ name: n, type: jsType(rows.map((r) => r[n])) })), rows, totalRows: input.length };
  }
  throw new StreamlabError("INVALID_ARGUMENT", "show() takes a DuckDB result, an arquero table, an array of rows or a SQL string.");
}

function readerData(reader: DuckDBResultReader, limit: number): TableData {
  const names = reader.columnNames();
  const types = reader.columnTypes().map((t) => t.toString());
  const all = reader.getRowObjectsJS();
  return { columns: names.map((n, i) => ({ name: n, type: types[i]! })), rows: all.slice(0, limit), totalRows: all.length };
}

export function formatValue(v: unknown): string {
  if (v === null || v === undefined) return "null";
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? "Invalid Date" : v.toISOString();
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "object") return JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? x.toString() : x));
  return String(v);
}

/** Escapes text for HTML. */
export function escapeHtml(s: string): string {
  return s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;");
}

/** An HTML table with the column types under each name and a footer when rows were cut. */
export function tableHtml(data: TableData, title?: string): string {
  const head = data.columns
    .map((c) => `<th style="text-align:left">${escapeHtml(c.name)}<br><span style="font-weight:normal;color:#888;font-size:85%">${escapeHtml(c.type)}</span></th>`)
    .join("");
  const body = data.rows
    .map(
      (r) =>
        `<tr>${data.columns
          .map((c) => {
            const v = r[c.name];
            return v === null || v === undefined
              ? '<td style="text-align:left;color:#aaa"><i>null</i></td>'
              : `<td style="text-align:left">${escapeHtml(formatValue(v))}</td>`;
          })
          .join("")}</tr>`,
    )
    .join("\n");
  const total = data.totalRows ?? data.rows.length;
  const foot = data.more && data.totalRows === undefined ? `<p style="color:#888">the first ${data.rows.length} rows</p>` : total > data.rows.length ? `<p style="color:#888">showing ${data.rows.length} of ${total} rows</p>` : `<p style="color:#888">${total} row${total === 1 ? "" : "s"}</p>`;
  const caption = title ? `<h4>${escapeHtml(title)}</h4>` : "";
  return `${caption}<table class="streamlab-table">\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody>\n</table>\n${foot}`;
}

/** A plain-text rendering (console sink, terminals, text/plain fallback). */
export function tableText(data: TableData): string {
  const cols = data.columns.map((c) => c.name);
  const cells = data.rows.map((r) => cols.map((c) => formatValue(r[c])));
  const widths = cols.map((c, i) => Math.min(40, Math.max(c.length, ...cells.map((row) => row[i]!.length))));
  const fmt = (vals: string[]) => `|${vals.map((v, i) => ` ${v.length > widths[i]! ? `${v.slice(0, widths[i]! - 1)}…` : v.padEnd(widths[i]!)} `).join("|")}|`;
  const sep = `+${widths.map((w) => "-".repeat(w + 2)).join("+")}+`;
  const total = data.totalRows ?? data.rows.length;
  const more = data.more && data.totalRows === undefined ? `\nthe first ${data.rows.length} rows` : total > data.rows.length ? `\nshowing ${data.rows.length} of ${total} rows` : "";
  return [sep, fmt(cols), sep, ...cells.map(fmt), sep].join("\n") + more;
}

/** What show() produced; in a notebook it has already been displayed. */
export interface Shown {
  html: string;
  text: string;
}

/**
 * Shows a table inline in a notebook (HTML with column types in the header, `limit` rows)
 * and returns nothing there; outside a notebook returns the HTML and text renderings.
 */
export async function show(input: unknown, options: ShowOptions = {}): Promise<Shown | undefined> {
  const data = await tableData(input, options);
  const html = tableHtml(data, options.title);
  const text = tableText(data);
  return display({ "text/html": html, "text/plain": text }) ? undefined : { html, text };
}
