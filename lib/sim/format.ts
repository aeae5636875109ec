/** Renders simulated rows as CSV or JSON lines, turning a share of lines malformed on purpose. */
import { splitCsvLine } from "../util/csv";
import type { Faker } from "@faker-js/faker";
import { StreamlabError } from "../errors";
import type { SimRow } from "./rows";

export type FileFormat = "csv" | "json";
export const FILE_FORMATS: readonly FileFormat[] = ["csv", "json"];

export function checkFormat(format: string): FileFormat {
  if (!FILE_FORMATS.includes(format as FileFormat)) {
    throw new StreamlabError("INVALID_OPTION", `Unknown file format "${format}".`, {
      hint: `Use one of: ${FILE_FORMATS.join(", ")} (JSON means JSON lines, one object per line).`,
    });
  }
  return format as FileFormat;
}

export function csvField(v: unknown): string {
  if (v === null || v === undefined) return "";
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export interface Rendered {
  text: string;
  /** 1-based line numbers (the CSV header is line 1) of the lines written malformed. */
  malformedLines: number[];
}

/**
 * One line per row. A malformed line is one no parser can read as a row of this file:
 * CSV with fields missing or extra, JSON cut in half or with a broken token.
 */
export function render(format: FileFormat, columns: readonly string[], rows: SimRow[], malformedRatio: number, f: Faker): Rendered {
  const lines: string[] = [];
  const malformedLines: number[] = [];
  if (format === "csv") lines.push(columns.map(csvField).join(","));
  for (const row of rows) {
    let line =
      format === "csv"
        ? columns.map((c) => csvField(row[c])).join(",")
        : JSON.stringify(Object.fromEntries(columns.map((c) => [c, row[c] ?? null])));
    if (malformedRatio > 0 && f.number.float() < malformedRatio) {
      line = corrupt(format, line, columns.length, f);
      malformedLines.push(lines.length + 1);
    }
    lines.push(line);
  }
  return { text: lines.length ? `${lines.join("\n")}\n` : "", malformedLines };
}

function corrupt(format: FileFormat, line: string, nColumns: number, f: Faker): string {
  if (format === "json") {
    return f.helpers.arrayElement([
      () => line.slice(0, Math.max(1, Math.floor(line.length / 2))), // cut in half
      () => line.replace(/:/, " "), // a broken token
      () => line.slice(1), // missing opening brace
    ])();
  }
  const fields = splitCsvLine(line);
  return f.helpers.arrayElement([
    // a cut line: fields missing at the end
    () => fields.slice(0, Math.max(1, nColumns - 1 - f.number.int({ min: 0, max: Math.max(0, nColumns - 3) }))).join(","),
    // extra fields: a stray separator pair from an upstream bug
    () => [...fields, "##", "##"].join(","),
  ])();
}
