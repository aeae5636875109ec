/**
 * The file source's own log in the checkpoint (checkpoint/sources/<i>/N, Spark's
 * FileStreamSourceLog): which files belong to log entry N, and offsets of the form
 * {"logOffset": N}. One class reads and writes it, for the source itself and for the tools that
 * look inside a checkpoint. Entries are created put-if-absent, numbered 0, 1, 2… and never
 * removed, so a missing, empty or garbled entry is damage, reported as such.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { BatchLog } from "../stream/batch-log";
import { checkpointCorrupt } from "../stream/checkpoint-errors";
import type { BatchDescription } from "../stream/source";
import { createFileExclusive } from "../util/atomic-file";
import { StreamlabError } from "../errors";
import type { ListedFile } from "../util/file-listing";

export interface LogEntry extends ListedFile {
  batchId: number;
}

/** The log entry an offset points at (-1 before the first). Throws on anything but {"logOffset": n}. */
export function logOffsetOf(offset: string | null): number {
  if (offset === null) return -1;
  let id: unknown;
  try {
    id = (JSON.parse(offset) as { logOffset?: unknown } | null)?.logOffset;
  } catch {
    id = undefined;
  }
  if (typeof id !== "number" || !Number.isInteger(id) || id < 0) throw new Error(`a file source offset is {"logOffset": n} with n a whole number ≥ 0, not ${offset}`);
  return id;
}

/** An entry as written: the version line, then a file per line. */
function entryText(entry: LogEntry[]): string {
  return ["v1", ...entry.map((e) => JSON.stringify(e))].join("\n") + "\n";
}

export class FileSourceLog extends BatchLog {
  constructor(dir: string) {
    super(dir, { log: "file source log", unit: "log entry" });
  }

  static offset(id: number): string {
    return JSON.stringify({ logOffset: id });
  }

  /** Creates entry `id` with `files` (put-if-absent: another writer's entry is STREAM_CONCURRENT_RUN). */
  add(id: number, files: ListedFile[]): LogEntry[] {
    const entry = files.map((f) => ({ ...f, batchId: id }));
    this.create(id, entryText(entry));
    return entry;
  }

  /**
   * add() with the file written off the main thread, once `after` (the entry before) is written:
   * the entry at once, and when it is durable. Entries land in order, and none after one that failed.
   */
  addAsync(id: number, files: ListedFile[], after: Promise<void>): { entry: LogEntry[]; written: Promise<void> } {
    const entry = files.map((f) => ({ ...f, batchId: id }));
    return { entry, written: after.then(() => this.createAsync(id, entryText(entry))) };
  }

  /** The files of entry `id`, checked; undefined when there is no such entry. */
  get(id: number): LogEntry[] | undefined {
    const text = this.read(id);
    if (text === undefined) return undefined;
    if (text === "") throw this.corrupt(id, "is empty (a log entry always lists at least one file)");
    const [version, ...lines] = text.split("\n");
    if (version !== "v1") throw this.corrupt(id, 'does not start with the version line "v1"');
    const files = lines.filter(Boolean).map((l) => this.json(id, l, "file") as LogEntry);
    for (const f of files) {
      if (!f || typeof f.path !== "string" || typeof f.size !== "number" || typeof f.modificationTime !== "number") throw this.corrupt(id, "lists a file without path, size and modificationTime");
    }
    if (files.length === 0) throw this.corrupt(id, "lists no file (a log entry always lists at least one)");
    return files;
  }

  /** Every entry, checked: they run 0, 1, 2… without a gap, since an entry is never removed. */
  entries(): Map<number, LogEntry[]> {
    const out = new Map<number, LogEntry[]>();
    const ids = this.batchIds();
    ids.forEach((id, i) => {
      if (id !== i) throw this.missing(i);
      out.set(id, this.get(id)!);
    });
    return out;
  }

  /** STREAM_CHECKPOINT_CORRUPT for an entry that should be there and is not. */
  missing(id: number): StreamlabError {
    return checkpointCorrupt(this.file(id), "is missing: the offsets log refers to it (log entries are never removed)");
  }

  /** The files of entries (start, end]: what a batch from offset `start` to offset `end` read. */
  filesBetween(start: string | null, end: string): LogEntry[] {
    const out: LogEntry[] = [];
    for (let id = logOffsetOf(start) + 1; id <= logOffsetOf(end); id++) {
      const files = this.get(id);
      if (!files) throw this.missing(id);
      out.push(...files);
    }
    return out;
  }

  describeBatch(start: string | null, end: string): BatchDescription {
    return { files: this.filesBetween(start, end).map((f) => ({ path: f.path, size: f.size, modificationTime: f.modificationTime })) };
  }

  private get baselineFile(): string {
    return path.join(this.dir, "baseline.json");
  }

  /** The files present at the first start when includeExistingFiles is false (never processed); undefined when not recorded. */
  baseline(): ListedFile[] | undefined {
    const file = this.baselineFile;
    if (!fs.existsSync(file)) return undefined;
    try {
      const files = JSON.parse(fs.readFileSync(file, "utf8")) as unknown;
      if (Array.isArray(files)) return files as ListedFile[];
    } catch {
      // reported below
    }
    throw checkpointCorrupt(file, "is not the JSON list of files the query skipped at its first start (includeExistingFiles: false)");
  }

  /** Records the baseline once (put-if-absent). */
  writeBaseline(files: ListedFile[]): void {
    fs.mkdirSync(this.dir, { recursive: true });
    if (!createFileExclusive(this.baselineFile, JSON.stringify(files))) {
      throw new StreamlabError("STREAM_CONCURRENT_RUN", `Concurrent update to the log: ${this.baselineFile} was written by another query on the same checkpoint.`, {
        hint: "Only one query may run on a checkpoint at a time. Stop the other one, then start this one again.",
        details: { file: this.baselineFile },
      });
    }
  }
}
