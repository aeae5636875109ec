/** CSV headers and single lines: split into fields honouring quotes, made into safe column names (multi-line fields are DuckDB's job). */
import * as fs from "node:fs";

/**
 * Splits `line` on `sep` outside quotes. Fields keep their quotes as written (a caller that
 * rebuilds the line gets it back unchanged); `unquoteCsvField` turns one into its value.
 */
export function splitCsvLine(line: string, sep = ",", quote = '"'): string[] {
  const out: string[] = [];
  let cur = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === quote && line[i + 1] === quote) {
        cur += quote + quote;
        i++;
      } else {
        if (c === quote) quoted = false;
        cur += c;
      }
    } else if (c === quote) {
      quoted = true;
      cur += c;
    } else if (sep !== "" && line.startsWith(sep, i)) {
      out.push(cur);
      cur = "";
      i += sep.length - 1;
    } else cur += c;
  }
  out.push(cur);
  return out;
}

/** The value of one field as written in a CSV line: surrounding blanks and quotes removed, doubled quotes undone. */
export function unquoteCsvField(field: string, quote = '"'): string {
  const t = field.trim();
  if (t.length >= 2 && t.startsWith(quote) && t.endsWith(quote)) return t.slice(1, -1).replaceAll(quote + quote, quote);
  return t;
}

/**
 * Column names from a CSV header made safe as Spark's CSV reader does: an empty name becomes
 * `_c<index>`, and names that occur more than once (in any case) get their index appended.
 */
export function safeHeader(names: string[]): string[] {
  const count = new Map<string, number>();
  for (const n of names) if (n !== "") count.set(n.toLowerCase(), (count.get(n.toLowerCase()) ?? 0) + 1);
  return names.map((n, i) => (n === "" ? `_c${i}` : count.get(n.toLowerCase())! > 1 ? `${n}${i}` : n));
}

/** Control characters (but tab), or U+FFFD (what undecodable bytes became): never part of a column name. */
export function hasUnprintable(name: string): boolean {
  return /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\ufffd]/.test(name);
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

/** Column names of a CSV file's header (made safe: see safeHeader), or why it has none we can use. */
export function csvHeader(file: string, sep: string, quote = '"'): { names: string[] } | { problem: string } {
  const names = splitCsvLine(firstLine(file), sep, quote).map((f) => unquoteCsvField(f, quote));
  const bad = names.find(hasUnprintable);
  if (bad !== undefined) return { problem: `its header has non-printable characters (${JSON.stringify(bad.slice(0, 40))}): not a CSV file with a header, or not UTF-8` };
  return { names: safeHeader(names) };
}
