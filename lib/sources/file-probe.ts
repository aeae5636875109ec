/**
 * Landed files DuckDB cannot read: a cheap look at each file before a batch reads it (there, and
 * plausibly of its format), and, when DuckDB still fails on a group of files, finding which one by
 * reading them one at a time. A file found this way is dealt with whole instead of failing the batch
 * again on every restart.
 */
import * as fs from "node:fs";
import { isStreamlabError, messageOf } from "../errors";
import { readStartOf, type FileStart } from "../util/csv";
import { duckPath } from "../util/file-listing";
import type { FileFormat } from "./file-source-options";

export interface FileProblem {
  kind: "missing" | "corrupt";
  reason: string;
}

/** Files DuckDB's CSV reader decompresses, by extension (its compression "auto"). */
export function isCompressed(file: string): boolean {
  return /\.(gz|zst)$/i.test(file);
}

/** How much of a text file is checked for being UTF-8: enough to catch binary and UTF-16 files, cheap for any batch. */
const TEXT_PROBE_BYTES = 64 * 1024;

/**
 * What is wrong with `file` for `format`, if the first bytes already tell. `seen`, when given, gets
 * the first bytes of a text file that were looked at (so a caller need not read them again).
 */
export function probeFile(file: string, format: FileFormat, header: boolean, seen?: { start?: FileStart }): FileProblem | undefined {
  const corrupt = (reason: string): FileProblem => ({ kind: "corrupt", reason });
  if (duckPath(file) === undefined) return corrupt("its name has both a backslash and a glob character (*, ? or [), which DuckDB cannot read literally; rename it");
  let fd: number;
  try {
    fd = fs.openSync(file, "r");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return { kind: "missing", reason: "file not found: it was moved or deleted after it was planned into this batch" };
    return corrupt(`cannot be opened: ${messageOf(e)}`);
  }
  try {
    const size = fs.fstatSync(fd).size;
    if (format === "parquet") {
      // A Parquet file starts and ends with PAR1 (the footer length sits before the last one).
      if (size < 12) return corrupt(`not a Parquet file: ${size} bytes, too small for one`);
      const head = Buffer.alloc(4);
      const tail = Buffer.alloc(4);
      fs.readSync(fd, head, 0, 4, 0);
      fs.readSync(fd, tail, 0, 4, size - 4);
      return head.toString("latin1") === "PAR1" && tail.toString("latin1") === "PAR1" ? undefined : corrupt("not a Parquet file: no PAR1 magic bytes at its start and end");
    }
    // DuckDB's CSV reader decompresses gzip and zstd (by the name's extension); read_text, for JSON lines, does not.
    if (isCompressed(file) && format === "json") return corrupt("a compressed JSON-lines file: decompress it before it lands");
    // An empty JSON-lines file, or CSV without a header, is zero records; CSV with a header needs one.
    if (size === 0) return format === "csv" && header ? corrupt("empty file (0 bytes): no header line, and header is true") : undefined;
    if (/\.zst$/i.test(file)) return undefined; // no zstd in Node 20: DuckDB alone reads it
    let start: Buffer;
    try {
      start = readStartOf(fd, file, TEXT_PROBE_BYTES, size);
    } catch (e) {
      return corrupt(`not a gzip file: ${messageOf(e)}`);
    }
    if (seen) seen.start = { bytes: start, n: TEXT_PROBE_BYTES };
    const why = notUtf8(start);
    return why ? corrupt(`not UTF-8 text${isCompressed(file) ? " once decompressed" : ""}: ${why}`) : undefined;
  } catch (e) {
    return corrupt(`cannot be read: ${messageOf(e)}`);
  } finally {
    fs.closeSync(fd);
  }
}

/** Why these first bytes of a file are not UTF-8 text (undefined: they are). */
function notUtf8(b: Buffer): string | undefined {
  if ((b[0] === 0xff && b[1] === 0xfe) || (b[0] === 0xfe && b[1] === 0xff)) return "it starts with a UTF-16 byte order mark; convert it to UTF-8";
  const nul = b.indexOf(0);
  if (nul >= 0) return `a NUL byte at offset ${nul} (binary data, or UTF-16/32 text)`;
  try {
    // stream: a multi-byte character cut at the end of the sample is not an error.
    new TextDecoder("utf-8", { fatal: true }).decode(b, { stream: true });
  } catch {
    return `an invalid UTF-8 byte sequence in its first ${b.length} bytes`;
  }
  return undefined;
}

/** DuckDB errors that come from a file's content or from reading it, as opposed to our SQL or DuckDB itself. */
const FILE_FAULT = /^(Invalid Input|IO|Conversion|Out of Range|Serialization|Not implemented) Error/i;

function duckMessage(e: unknown): string {
  return messageOf(isStreamlabError(e, "SQL_ERROR") && e.cause !== undefined ? e.cause : e);
}

export function isFileFault(e: unknown): boolean {
  return isStreamlabError(e, "SQL_ERROR") && FILE_FAULT.test(duckMessage(e));
}

/** A DuckDB failure as the reason a file is unreadable: its first line, without the statement. */
export function duckReason(e: unknown): string {
  const first = duckMessage(e).split("\n")[0]!.trim();
  return `DuckDB cannot read it: ${first.length > 300 ? first.slice(0, 300) + "…" : first}`;
}

/**
 * Runs `read` on all `files` (one statement, so a failure leaves nothing behind). When DuckDB cannot
 * read one of them, tries each alone with `probe` (default: `read` itself, which then has read the
 * good ones), reports the failing ones to `unreadable`, and — with a separate probe — reads the rest
 * together. Returns the files read. Errors that are not the files' fault are thrown as they are.
 */
export async function readSkippingUnreadable<T>(files: string[], read: (files: string[]) => Promise<T>, unreadable: (file: string, reason: string) => void, probe?: (file: string) => Promise<unknown>): Promise<{ files: string[]; result?: T }> {
  if (files.length === 0) return { files };
  try {
    return { files, result: await read(files) };
  } catch (e) {
    if (!isFileFault(e)) throw e;
    if (files.length === 1) {
      unreadable(files[0]!, duckReason(e));
      return { files: [] };
    }
  }
  const ok: string[] = [];
  let result: T | undefined;
  for (const f of files) {
    try {
      if (probe) await probe(f);
      else result = await read([f]);
      ok.push(f);
    } catch (e) {
      if (!isFileFault(e)) throw e;
      unreadable(f, duckReason(e));
    }
  }
  if (probe && ok.length > 0) result = await read(ok);
  return { files: ok, result };
}
