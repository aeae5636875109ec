/** CSV headers and single lines: split into fields honouring quotes, made into safe column names (multi-line fields are DuckDB's job). */
import * as fs from "node:fs";
import * as zlib from "node:zlib";

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
  if (quote !== "" && t.length >= 2 && t.startsWith(quote) && t.endsWith(quote)) return t.slice(1, -1).replaceAll(quote + quote, quote);
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

/**
 * The first `n` bytes of a file's content, as DuckDB's CSV reader sees it: gzip (".gz") is
 * decompressed (from a prefix of the file, so a large file is not read whole). Throws for zstd
 * (".zst"), which Node 20 cannot decompress.
 */
export function readStart(file: string, n: number): Buffer {
  if (/\.zst$/i.test(file)) throw new Error("its start cannot be read here: Node 20 has no zstd decompression");
  const fd = fs.openSync(file, "r");
  try {
    return readStartOf(fd, file, n, fs.fstatSync(fd).size);
  } finally {
    fs.closeSync(fd);
  }
}

/** readStart() on a file already open as `fd`, of `size` bytes. */
export function readStartOf(fd: number, file: string, n: number, size: number): Buffer {
  if (!/\.gz$/i.test(file)) {
    const b = Buffer.alloc(Math.min(n, size));
    return b.subarray(0, fs.readSync(fd, b, 0, b.length, 0));
  }
  for (let m = Math.min(size, 64 * 1024); ; m = Math.min(size, m * 4)) {
    const raw = Buffer.alloc(m);
    fs.readSync(fd, raw, 0, m, 0);
    // Z_SYNC_FLUSH: what a prefix of the stream decompresses to, instead of "unexpected end of file".
    const out = zlib.gunzipSync(raw, { finishFlush: zlib.constants.Z_SYNC_FLUSH });
    if (out.length >= n || m >= size) return out.subarray(0, n);
  }
}

/** Where the first record of `b` ends: its first line break outside quotes, or -1. */
function recordEnd(b: Buffer, quote: string, escape: string): number {
  const q = quote.length === 1 ? quote.charCodeAt(0) : -1;
  const e = escape.length === 1 ? escape.charCodeAt(0) : -1;
  let quoted = false;
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    if (quoted && c === e && e !== q && b[i + 1] === q) i++; // an escaped quote
    else if (c === q) quoted = !quoted;
    else if (c === 10 && !quoted) return i;
  }
  return -1;
}

/**
 * The first record of a file (a CSV header): up to its first line break outside quotes, however long
 * (10,000 columns are more than 64 KiB), without reading the rest of the file.
 */
export function firstLine(file: string, quote = '"', escape = quote): string {
  for (let n = 64 * 1024; ; n *= 4) {
    const line = firstLineOf(readStart(file, n), n, quote, escape);
    if (line !== undefined) return line;
  }
}

/** The first record of a file whose first `n` bytes (or all, when fewer) are `b`; undefined when it runs past them. */
function firstLineOf(b: Buffer, n: number, quote: string, escape: string): string | undefined {
  const end = recordEnd(b, quote, escape);
  if (end < 0 && b.length >= n) return undefined;
  return b.subarray(0, end >= 0 ? end : b.length).toString("utf8").replace(/\r$/, "").replace(/^\uFEFF/, "");
}

/** A file's first bytes as read: `bytes`, of the `n` asked for (fewer when the file is shorter). */
export interface FileStart {
  bytes: Buffer;
  n: number;
}

/**
 * Column names of a CSV file's header (made safe: see safeHeader), or why it has none we can use.
 * `start`: the file's first bytes when already read (`n` asked for), saving a read when the header ends in them.
 */
export function csvHeader(file: string, sep: string, quote = '"', escape = '"', start?: FileStart): { names: string[] } | { problem: string } {
  let line: string;
  try {
    line = (start && firstLineOf(start.bytes, start.n, quote, escape)) ?? firstLine(file, quote, escape);
  } catch (e) {
    return { problem: `its header cannot be read: ${(e as Error).message}` };
  }
  const names = splitCsvLine(line, sep, quote).map((f) => unquoteCsvField(f, quote));
  const bad = names.find(hasUnprintable);
  if (bad !== undefined) return { problem: `its header has non-printable characters (${JSON.stringify(bad.slice(0, 40))}): not a CSV file with a header, or not UTF-8` };
  return { names: safeHeader(names) };
}
