/**
 * The file source's own log in the checkpoint (checkpoint/sources/<i>/N): which files belong to
 * log entry N, and offsets of the form {"logOffset": N}. Read by the source itself and by tools
 * that look inside a checkpoint (notebooks, the main job's latency figures, benchmarks).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { ListedFile } from "../util/file-listing";

export interface LogEntry extends ListedFile {
  batchId: number;
}

/** The log entry an offset points at (-1 before the first); accepts the JSON text or the parsed offset. */
export function logOffsetOf(offset: string | { logOffset: number } | null | unknown): number {
  if (offset === null || offset === undefined) return -1;
  return (typeof offset === "string" ? (JSON.parse(offset) as { logOffset: number }) : (offset as { logOffset: number })).logOffset;
}

/** The files of entry `id` in `sourceDir`, or undefined when there is no such entry. */
export function readLogEntry(sourceDir: string, id: number): LogEntry[] | undefined {
  const file = path.join(sourceDir, String(id));
  if (!fs.existsSync(file)) return undefined;
  return fs.readFileSync(file, "utf8").split("\n").slice(1).filter(Boolean).map((l) => JSON.parse(l) as LogEntry);
}

/** The files of entries (from, to]: what a batch from offset `from` to offset `to` read. */
export function loggedFiles(sourceDir: string, from: number, to: number): LogEntry[] {
  const out: LogEntry[] = [];
  for (let id = from + 1; id <= to; id++) out.push(...(readLogEntry(sourceDir, id) ?? []));
  return out;
}
