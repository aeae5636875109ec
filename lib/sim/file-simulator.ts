/**
 * Writes a feed into a landing directory the way an upstream system would: one file at a
 * time, each written under a hidden temporary name and renamed into place, so a reader
 * never sees a partial file.
 */
import * as path from "node:path";
import { StreamlabError, messageOf } from "../errors";
import { createFileExclusive } from "../util/atomic-file";
import { ensureWritableDir } from "../util/dirs";
import { parseDuration } from "../util/duration";
import { Feed, type FeedOptions, type RowFate } from "./feed";
import { checkFormat, render, type FileFormat } from "./format";

export interface SimulatorOptions extends FeedOptions {
  /** The landing directory; created when missing. */
  dir: string;
  /** "csv" (with a header line) or "json" (JSON lines). Default "csv". */
  format?: FileFormat;
  /** Files written per second while running. Default 1. */
  filesPerSecond?: number;
  /** Rows per file. Default 100. */
  rowsPerFile?: number;
  /** Stop after this many files in total. */
  totalFiles?: number;
  /** Stop after this many rows in total (the last file may be shorter). */
  totalRows?: number;
  /** Stop after this long (ms or "10s"). */
  duration?: number | string;
  /**
   * A simulated clock: file k "arrives" at startTime + k / filesPerSecond. Without it the wall
   * clock is used. With it, the same seed gives byte-identical files.
   */
  startTime?: Date | string;
  /** File name prefix. Default: the feed kind. */
  prefix?: string;
}

/** What one written file holds: its rows and which of them carry injected faults. */
export interface FileManifest {
  path: string;
  name: string;
  fileIndex: number;
  rows: number;
  bytes: number;
  arrivalTime: Date;
  columns: string[];
  malformedLines: number[];
  duplicates: number;
  late: number;
}

export interface SimulatorStats {
  files: number;
  rows: number;
  bytes: number;
  malformed: number;
  duplicates: number;
  late: number;
}

function positive(name: string, v: number | undefined, fallback: number, integer = false): number {
  if (v === undefined) return fallback;
  if (typeof v !== "number" || !Number.isFinite(v) || v <= 0 || (integer && !Number.isInteger(v))) {
    throw new StreamlabError("INVALID_OPTION", `${name} must be a positive ${integer ? "integer" : "number"}, got ${String(v)}.`);
  }
  return v;
}

export class FileSimulator {
  readonly dir: string;
  readonly format: FileFormat;
  readonly filesPerSecond: number;
  readonly rowsPerFile: number;
  readonly totalFiles?: number;
  readonly totalRows?: number;
  readonly durationMs?: number;
  readonly feed: Feed;
  readonly manifests: FileManifest[] = [];
  readonly stats: SimulatorStats = { files: 0, rows: 0, bytes: 0, malformed: 0, duplicates: 0, late: 0 };
  private readonly startTime?: number;
  private readonly prefix: string;
  private timer?: NodeJS.Timeout;
  private running = false;
  private finish?: () => void;
  /** Resolves when a started simulator has stopped (total reached, duration over, or stop()). */
  readonly done: Promise<SimulatorStats>;

  constructor(options: SimulatorOptions) {
    if (!options || typeof options.dir !== "string" || options.dir === "") {
      throw new StreamlabError("INVALID_OPTION", "The simulator needs a landing directory: { dir: 'data/raw/events' }.");
    }
    this.format = checkFormat(options.format ?? "csv");
    this.filesPerSecond = positive("filesPerSecond", options.filesPerSecond, 1);
    this.rowsPerFile = positive("rowsPerFile", options.rowsPerFile, 100, true);
    this.totalFiles = options.totalFiles === undefined ? undefined : positive("totalFiles", options.totalFiles, 0, true);
    this.totalRows = options.totalRows === undefined ? undefined : positive("totalRows", options.totalRows, 0, true);
    if (options.duration !== undefined) this.durationMs = parseDuration(options.duration, "duration");
    if (options.startTime !== undefined) {
      const t = new Date(options.startTime).getTime();
      if (Number.isNaN(t)) throw new StreamlabError("INVALID_OPTION", `startTime "${String(options.startTime)}" is not a date.`);
      this.startTime = t;
    }
    this.feed = new Feed(options);
    this.prefix = options.prefix ?? this.feed.gen.kind;
    if (!/^[A-Za-z0-9_-]+$/.test(this.prefix)) {
      throw new StreamlabError("INVALID_OPTION", `prefix "${this.prefix}" may only hold letters, digits, "_" and "-".`);
    }
    this.dir = path.resolve(options.dir);
    ensureWritableDir(this.dir, "a landing directory");
    this.done = new Promise((resolve) => {
      this.finish = () => resolve({ ...this.stats });
    });
  }

  /** True when a total has been reached. */
  get exhausted(): boolean {
    return (
      (this.totalFiles !== undefined && this.stats.files >= this.totalFiles) ||
      (this.totalRows !== undefined && this.stats.rows + this.stats.malformed >= this.totalRows)
    );
  }

  /** Writes the next file now, atomically. Returns undefined once a total has been reached. */
  writeFile(): FileManifest | undefined {
    if (this.exhausted) return undefined;
    const fileIndex = this.stats.files;
    const intervalMs = 1000 / this.filesPerSecond;
    const arrival = new Date(this.startTime !== undefined ? this.startTime + fileIndex * intervalMs : Date.now());
    let count = this.rowsPerFile;
    if (this.totalRows !== undefined) count = Math.min(count, this.totalRows - this.stats.rows - this.stats.malformed);
    const columns = this.feed.columnsFor(fileIndex);
    const rows = this.feed.rows(count, arrival, intervalMs, columns);
    const rendered = render(this.format, columns, rows.map((r) => r.row), this.feed.faults.malformedRatio, this.feed.gen.faker);
    const name = `${this.prefix}-${stamp(arrival)}-${String(fileIndex).padStart(6, "0")}.${this.format === "csv" ? "csv" : "json"}`;
    const finalPath = path.join(this.dir, name);
    writeAtomically(finalPath, rendered.text, arrival);
    const headerOffset = this.format === "csv" ? 1 : 0;
    const malformedSet = new Set(rendered.malformedLines);
    const fates = rows.filter((_, i) => !malformedSet.has(i + 1 + headerOffset)).map((r) => r.fate);
    const manifest: FileManifest = {
      path: finalPath,
      name,
      fileIndex,
      rows: count - rendered.malformedLines.length,
      bytes: Buffer.byteLength(rendered.text),
      arrivalTime: arrival,
      columns,
      malformedLines: rendered.malformedLines,
      duplicates: countFate(fates, "duplicate"),
      late: countFate(fates, "late"),
    };
    this.manifests.push(manifest);
    this.stats.files++;
    this.stats.rows += manifest.rows;
    this.stats.bytes += manifest.bytes;
    this.stats.malformed += manifest.malformedLines.length;
    this.stats.duplicates += manifest.duplicates;
    this.stats.late += manifest.late;
    return manifest;
  }

  /** Writes up to `n` files now (a backlog), without waiting between them. */
  writeFiles(n: number): FileManifest[] {
    const out: FileManifest[] = [];
    for (let i = 0; i < n; i++) {
      const m = this.writeFile();
      if (!m) break;
      out.push(m);
    }
    return out;
  }

  /** Starts writing files at `filesPerSecond` until a total or the duration is reached, or stop(). */
  start(): this {
    if (this.running) return this;
    this.running = true;
    const started = Date.now();
    const intervalMs = 1000 / this.filesPerSecond;
    let next = started;
    const tick = () => {
      if (!this.running) return;
      if (this.durationMs !== undefined && Date.now() - started >= this.durationMs) return void this.stop();
      try {
        if (!this.writeFile()) return void this.stop();
      } catch (e) {
        this.running = false;
        this.finish?.();
        throw e;
      }
      // Schedule against the start time, not the last tick, so the rate does not drift.
      next += intervalMs;
      this.timer = setTimeout(tick, Math.max(0, next - Date.now()));
    };
    tick();
    return this;
  }

  /** Stops a started simulator; the file being written (if any) is finished first. */
  async stop(): Promise<SimulatorStats> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.finish?.();
    return this.done;
  }
}

/** Creates and starts a simulator; `await sim.done` waits for it to finish. */
export function simulate(options: SimulatorOptions): FileSimulator {
  return new FileSimulator(options).start();
}

function countFate(fates: RowFate[], fate: RowFate): number {
  return fates.filter((f) => f === fate).length;
}

function stamp(d: Date): string {
  return d.toISOString().replace(/[-:]/g, "").replace("T", "-").replace(".", "").replace("Z", "");
}

/** Writes a landing file under a hidden temporary name and links it into place; an existing file is never replaced. */
export function writeAtomically(finalPath: string, text: string, mtime?: Date): void {
  let created: boolean;
  try {
    created = createFileExclusive(finalPath, text, { mtime });
  } catch (e) {
    throw new StreamlabError("IO_ERROR", `Cannot place ${finalPath}: ${messageOf(e)}.`, { cause: e });
  }
  if (!created) throw new StreamlabError("IO_ERROR", `Cannot place ${finalPath}: a file of that name is already there.`, { hint: "Use another prefix or directory." });
}
