/**
 * The file stream source, with Auto Loader's options (`cloudFiles.*`): it lists a landing folder
 * (and, optionally, listens to file-system notifications), takes each new file exactly once by
 * path, and plans batches of at most maxFilesPerTrigger files / maxBytesPerTrigger bytes. Which
 * files belong to which batch is recorded in its own log under checkpoint/sources/<i>/ before the
 * batch runs, so a replay reads exactly the same files.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { StreamlabError } from "../errors";
import { type StructType } from "../delta/schema";
import { parseDdl } from "../delta/ddl";
import { dataPath } from "../util/paths";
import { pipelinedCsv, readBatch, type ReadSettings } from "./file-reader";
import { FILE_SOURCE_OPTIONS, evolutionMode, type EvolutionMode, type FileSourceOptions, type FileSourceSettings } from "./file-source-options";
import { applyHints, inferSchema } from "./schema-inference";
import { SchemaLog } from "./schema-log";
import { globToRegExp } from "../util/options";
import { listFiles, type ListedFile } from "../util/file-listing";
import { FileSourceLog, logOffsetOf, type LogEntry } from "./file-source-log";
import type { OffsetRequest, PipelinedBatch, Source, SourceContext } from "../stream/source";

export { FILE_SOURCE_OPTIONS, type FileFormat, type FileSourceOptions } from "./file-source-options";

export class FileStreamSource implements Source {
  readonly dir: string;
  readonly options: FileSourceSettings;
  /** The data schema in force (without the rescued-data column); undefined until inferred. */
  schema?: StructType;
  readonly evolution: EvolutionMode;
  readonly rescuedDataColumn?: string;
  private readonly declared?: StructType;
  private schemaLog!: SchemaLog;
  private lastRead = { numMalformed: 0, numRescued: 0, numCorruptFiles: 0, numMissingFiles: 0, badRecordsFile: "" };
  private ctx!: SourceContext;
  private log!: FileSourceLog;
  /** Files already assigned to a log entry: path → size/mtime seen. */
  private readonly seen = new Map<string, ListedFile>();
  /** Log entries (batches of files) by log id. */
  private readonly entries = new Map<number, LogEntry[]>();
  private lastLogId = -1;
  /** The last log entry's write (off the main thread; each waits for the one before). */
  private lastWrite: Promise<void> = Promise.resolve();
  /** The writes of entries no offset has pointed at yet, by entry id (see durable()). */
  private readonly writes = new Map<number, Promise<void>>();
  /** New files not yet planned into a batch, as of the last listing. */
  private outstanding: ListedFile[] = [];
  /** fileStableTime: new files as last listed, with since when they have not changed (ms). */
  private settling = new Map<string, ListedFile & { since: number }>();
  /** New files still changing (or changed too recently): not planned yet. */
  private unsettled: ListedFile[] = [];
  /** The log entry the last batch ended at. */
  private lastEnd = -1;
  private watcher?: { close(): Promise<void> };
  private readonly filter?: RegExp;

  constructor(dir: string, rawOptions: FileSourceOptions | Record<string, unknown> = {}) {
    this.options = FILE_SOURCE_OPTIONS.normalise(rawOptions as Record<string, unknown>);
    this.dir = path.resolve(dir);
    if (!fs.existsSync(this.dir) || !fs.statSync(this.dir).isDirectory()) {
      throw new StreamlabError("PATH_NOT_FOUND", `The source folder ${this.dir} does not exist.`, { hint: "Create it (or start the simulator that fills it) before starting the query." });
    }
    if (this.options.schema) this.declared = applyHints(typeof this.options.schema === "string" ? parseDdl(this.options.schema) : this.options.schema, this.options.schemaHints);
    else if (this.options.schemaHints) parseDdl(this.options.schemaHints); // validate now
    this.evolution = evolutionMode(this.options);
    const rescue = this.options.rescuedDataColumn ?? (!this.declared || this.evolution === "rescue" ? "_rescued_data" : undefined);
    this.rescuedDataColumn = rescue === "" ? undefined : rescue;
    if (this.rescuedDataColumn && this.declared?.fields.some((f) => f.name.toLowerCase() === this.rescuedDataColumn!.toLowerCase())) {
      throw new StreamlabError("INVALID_OPTION", `file source option rescuedDataColumn ${JSON.stringify(this.rescuedDataColumn)} is also a column of the schema: rescued values and the column's values would collide.`, {
        hint: 'Name the rescued-data column differently (or "" for none).',
        details: { option: "rescuedDataColumn", value: this.rescuedDataColumn },
      });
    }
    if (this.options.pathGlobFilter) this.filter = globToRegExp(this.options.pathGlobFilter);
    if (this.options.cleanSource === "archive" && !this.options.sourceArchiveDir) throw new StreamlabError("INVALID_OPTION", 'cleanSource "archive" needs sourceArchiveDir.');
    // Folders the source writes must not be read back as data.
    for (const name of ["sourceArchiveDir", "badRecordsPath"] as const) {
      const value = this.options[name];
      if (value === undefined || (name === "sourceArchiveDir" && this.options.cleanSource !== "archive")) continue;
      const a = path.resolve(value);
      if (a === this.dir || a.startsWith(this.dir + path.sep)) {
        throw new StreamlabError("INVALID_OPTION", `file source option ${name} ${a} is inside the source folder ${this.dir}: the files written there would be read again as data.`, {
          hint: `Choose a folder outside the source folder for ${name}.`,
          details: { option: name, value },
        });
      }
    }
  }

  get description(): string {
    return `FileStreamSource[${this.dir}]`;
  }

  get identity(): string {
    return `files:${this.options.format}:${this.dir}`;
  }

  async open(ctx: SourceContext): Promise<void> {
    this.ctx = ctx;
    this.schemaLog = new SchemaLog(this.options.schemaLocation ?? path.dirname(path.dirname(ctx.dir)));
    this.resolveSchema();
    // Rebuild what was seen from the source's log (checked: a damaged log would re-read or skip files).
    this.log = new FileSourceLog(ctx.dir);
    for (const [id, files] of this.log.entries()) {
      this.entries.set(id, files);
      for (const f of files) this.seen.set(f.path, f);
      this.lastLogId = id;
    }
    const baseline = this.log.baseline();
    if (baseline) {
      for (const f of baseline) this.seen.set(f.path, f);
    } else if (!this.options.includeExistingFiles && this.lastLogId < 0) {
      // First start without existing files: remember what is there now, and never process it.
      const existing = this.list();
      this.log.writeBaseline(existing);
      for (const f of existing) this.seen.set(f.path, f);
    }
  }

  /** The schema in force: the schema log's latest version, unless the user declared another one. */
  private resolveSchema(): void {
    const latest = this.schemaLog.latest();
    if (this.declared) {
      const tag = `declared ${hash(JSON.stringify(this.declared))}`;
      const lastDeclared = this.schemaLog.versions().map((v) => this.schemaLog.get(v)).reverse().find((v) => v.reason.startsWith("declared"));
      // The same declaration as last time: keep what evolution made of it. A new one: record it.
      this.schema = lastDeclared?.reason === tag && latest ? latest.schema : this.schemaLog.add(this.declared, tag).schema;
      return;
    }
    if (latest) {
      const hinted = applyHints(latest.schema, this.options.schemaHints);
      this.schema = JSON.stringify(hinted) === JSON.stringify(latest.schema) ? latest.schema : this.schemaLog.add(hinted, "schemaHints changed").schema;
    }
  }

  /** Infers the schema from the first files when there is none yet; false while there are no files. */
  private async ensureSchema(files: ListedFile[]): Promise<boolean> {
    if (this.schema) return true;
    if (files.length === 0) return false;
    const o = this.options;
    const { schema: inferred, unreadable } = await inferSchema(this.ctx.duck, files, {
      format: o.format,
      inferColumnTypes: o.inferColumnTypes,
      sep: o.sep,
      quote: o.quote,
      escape: o.escape,
      header: o.header,
      sampleFiles: o["schemaInference.sampleSize.numFiles"],
      sampleBytes: o["schemaInference.sampleSize.numBytes"],
    });
    if (!inferred) {
      // Nothing readable to infer from. Waiting would hide the bad files (no batch is planned without a schema).
      if (unreadable.length === 0 || o.ignoreCorruptFiles) return false;
      const [first] = unreadable;
      throw new StreamlabError("STREAM_FILE_CORRUPT", `No schema can be inferred: none of the ${unreadable.length} file(s) sampled can be read, e.g. ${first!.file}: ${first!.reason}.`, {
        hint: "Give the schema (option schema) so that such files are quarantined, or fix or remove them; with ignoreCorruptFiles the query waits for a readable file instead.",
        details: { file: first!.file, files: unreadable.map((u) => u.file) },
      });
    }
    const cols = inferred.fields.filter((f) => f.name !== this.rescuedDataColumn);
    this.schema = this.schemaLog.add(applyHints({ type: "struct", fields: cols }, o.schemaHints), "inferred").schema;
    return true;
  }

  private list(): ListedFile[] {
    const exclude = this.options.cleanSource === "archive" ? path.resolve(this.options.sourceArchiveDir!) : undefined;
    return listFiles(this.dir, { recursive: this.options.recursiveFileLookup, filter: this.filter, exclude });
  }

  /** New files: never seen, or (allowOverwrites) seen with another size or modification time; with fileStableTime, only settled ones. */
  private newFiles(): ListedFile[] {
    const fresh = this.list().filter((f) => {
      const s = this.seen.get(f.path);
      if (!s) return true;
      return this.options.allowOverwrites && (s.size !== f.size || s.modificationTime !== f.modificationTime);
    });
    const wait = this.options.fileStableTime;
    if (!wait) return fresh;
    const now = Date.now();
    const observed = new Map<string, ListedFile & { since: number }>();
    for (const f of fresh) {
      // Unchanged since its modification time — or, when this process saw its size or mtime change since
      // the last listing (a writer that sets an old mtime), since now.
      const prev = this.settling.get(f.path);
      const changed = prev !== undefined && (prev.size !== f.size || prev.modificationTime !== f.modificationTime);
      observed.set(f.path, { ...f, since: changed ? now : Math.max(f.modificationTime, prev?.since ?? 0) });
    }
    this.settling = observed;
    this.unsettled = fresh.filter((f) => now - observed.get(f.path)!.since < wait);
    return fresh.filter((f) => now - observed.get(f.path)!.since >= wait);
  }

  private takeBatch(files: ListedFile[], unlimited: boolean): ListedFile[] {
    if (unlimited) return files;
    const out: ListedFile[] = [];
    let bytes = 0;
    for (const f of files) {
      if (out.length >= this.options.maxFilesPerTrigger) break;
      if (this.options.maxBytesPerTrigger !== undefined && out.length > 0 && bytes + f.size > this.options.maxBytesPerTrigger) break;
      out.push(f);
      bytes += f.size;
    }
    return out;
  }

  private addEntry(files: ListedFile[]): number {
    // Durable before the batch's offsets (put-if-absent; see durable()): a replay reads exactly these
    // files. Written off the main thread, while the batch is read.
    const { entry, written } = this.log.addAsync(this.lastLogId + 1, files, this.lastWrite);
    written.catch(() => {}); // thrown by durable()
    this.lastWrite = written;
    const id = ++this.lastLogId;
    this.writes.set(id, written);
    this.entries.set(id, entry);
    for (const f of entry) this.seen.set(f.path, f);
    return id;
  }

  async latestOffset(start: string | null, request: OffsetRequest): Promise<string | null> {
    const from = logOffsetOf(start);
    const cap = request.cap ? logOffsetOf(request.cap) : undefined;
    if (cap !== undefined && from >= cap) return start;
    // Entries planned earlier (before a restart, or by availableNow) are used first, one per batch.
    if (this.lastLogId > from && !request.planAll) {
      // Under availableNow the run's files are all planned already: no listing per batch (a backlog
      // of many files would be listed and looked at once per batch); the planned ones are what waits.
      this.outstanding = cap !== undefined ? [] : this.newFiles();
      return JSON.stringify({ logOffset: from + 1 });
    }
    const fresh = this.newFiles();
    if (!(await this.ensureSchema(fresh))) return start;
    if (request.planAll) {
      let rest = fresh;
      while (rest.length > 0) {
        const batch = this.takeBatch(rest, false);
        this.addEntry(batch);
        rest = rest.slice(batch.length);
      }
      this.outstanding = [];
      return this.lastLogId > from ? JSON.stringify({ logOffset: this.lastLogId }) : start;
    }
    if (fresh.length === 0) {
      this.outstanding = [];
      return start;
    }
    const batch = this.takeBatch(fresh, Boolean(request.unlimited));
    const id = this.addEntry(batch);
    this.outstanding = fresh.slice(batch.length);
    return JSON.stringify({ logOffset: id });
  }

  /** The files of log entries (start, end]. */
  filesBetween(start: string | null, end: string): LogEntry[] {
    const out: LogEntry[] = [];
    for (let id = logOffsetOf(start) + 1; id <= logOffsetOf(end); id++) {
      const e = this.entries.get(id);
      if (!e) throw this.log.missing(id);
      out.push(...e);
    }
    return out;
  }

  /** An offset from offsets/N: {"logOffset": n} with entry n in the log (a deleted last entry would skip new files for good). */
  deserializeOffset(offset: string): { logOffset: number } {
    const id = logOffsetOf(offset);
    if (id > this.lastLogId) throw this.log.missing(this.lastLogId + 1);
    return { logOffset: id };
  }

  describeBatch(start: string | null, end: string) {
    return this.log.describeBatch(start, end);
  }

  async getBatch(start: string | null, end: string, into: string, batchId: number): Promise<number> {
    const files = await this.batchFiles(start, end);
    const r = await readBatch(this.ctx.duck, files, into, this.readSettings(), batchId, (cols) => this.onNewColumns(cols, files), this.uncleanEnd !== end);
    this.lastRead = { numMalformed: r.numMalformed, numRescued: r.numRescued, numCorruptFiles: r.numCorruptFiles, numMissingFiles: r.numMissingFiles, badRecordsFile: r.badRecordsFile ?? "" };
    return r.numRows;
  }

  /** A clean CSV batch as SQL for the sink's own write (one pass); undefined otherwise. */
  async pipelinedBatch(start: string | null, end: string): Promise<PipelinedBatch | undefined> {
    const files = await this.batchFiles(start, end);
    const batch = pipelinedCsv(files, this.readSettings());
    if (!batch) return undefined;
    this.lastRead = { numMalformed: 0, numRescued: 0, numCorruptFiles: 0, numMissingFiles: 0, badRecordsFile: "" };
    return {
      ...batch,
      // The batch is read again the usual way, without trying the one-statement read first.
      failed: () => {
        this.uncleanEnd = end;
      },
    };
  }

  /** The end offset of a batch whose one-pass read found a bad line (or whose one-pass write failed). */
  private uncleanEnd?: string;

  /** The files of (start, end], with the schema they are read with. */
  private async batchFiles(start: string | null, end: string): Promise<ListedFile[]> {
    const files = this.filesBetween(start, end);
    this.lastEnd = logOffsetOf(end);
    if (!(await this.ensureSchema(files))) throw new StreamlabError("STREAM_SOURCE_CHANGED", "The source has no schema and no files to infer one from.");
    return files;
  }

  private readSettings(): ReadSettings {
    const o = this.options;
    return {
      format: o.format,
      schema: this.schema!,
      rescuedDataColumn: this.rescuedDataColumn,
      evolution: this.evolution,
      mode: o.mode,
      badRecordsPath: path.resolve(o.badRecordsPath ?? dataPath("error", this.ctx.queryName)),
      includeMetadata: o.includeMetadata,
      header: o.header,
      sep: o.sep,
      quote: o.quote,
      escape: o.escape,
      ignoreCorruptFiles: o.ignoreCorruptFiles,
      ignoreMissingFiles: o.ignoreMissingFiles,
    };
  }

  /** New columns in a batch's files: evolve (addNewColumns), fail (failOnNewColumns), or leave them to rescue / none. */
  private onNewColumns(cols: string[], files: ListedFile[]): void {
    if (this.evolution === "rescue" || this.evolution === "none") return;
    const where = files.length === 1 ? files[0]!.path : `${files.length} files of this batch`;
    if (this.evolution === "failOnNewColumns") {
      throw new StreamlabError("SCHEMA_CHANGED", `New column${cols.length > 1 ? "s" : ""} ${cols.join(", ")} found in ${where}; schemaEvolutionMode is failOnNewColumns, so the query stops.`, {
        hint: "Add the columns to the schema (or schemaHints), or change schemaEvolutionMode, then restart the query.",
        details: { columns: cols },
      });
    }
    const evolved: StructType = { type: "struct", fields: [...this.schema!.fields, ...cols.map((c) => ({ name: c, type: "string", nullable: true, metadata: {} }))] };
    const v = this.schemaLog.add(applyHints(evolved, this.options.schemaHints), `added columns ${cols.join(", ")}`);
    throw new StreamlabError("SCHEMA_CHANGED", `New column${cols.length > 1 ? "s" : ""} ${cols.join(", ")} found in ${where}. The schema was updated to version ${v.version} at ${this.schemaLog.dir}.`, {
      hint: "Restart the query: it re-runs this batch with the new schema (no row is lost). Write to Delta with mergeSchema: true so the table gains the columns.",
      details: { columns: cols, schemaVersion: v.version },
    });
  }

  async commit(end: string): Promise<void> {
    const mode = this.options.cleanSource;
    if (mode === "off") return;
    const to = logOffsetOf(end);
    for (const [id, files] of this.entries) {
      if (id > to) continue;
      for (const f of files) {
        if (!fs.existsSync(f.path)) continue;
        if (mode === "delete") fs.rmSync(f.path, { force: true });
        else {
          const target = path.join(path.resolve(this.options.sourceArchiveDir!), path.relative(this.dir, f.path));
          fs.mkdirSync(path.dirname(target), { recursive: true });
          fs.renameSync(f.path, target);
        }
      }
    }
  }

  metrics(): Record<string, string> {
    // Outstanding: planned into later batches (availableNow, or before a restart) plus not yet planned.
    const planned: LogEntry[] = [];
    for (let id = this.lastEnd + 1; id <= this.lastLogId; id++) planned.push(...(this.entries.get(id) ?? []));
    const plannedPaths = new Set(planned.map((p) => p.path));
    const waiting = [...planned, ...[...this.outstanding, ...this.unsettled].filter((f) => !plannedPaths.has(f.path))];
    return {
      numFilesOutstanding: String(waiting.length),
      numBytesOutstanding: String(waiting.reduce((s, f) => s + f.size, 0)),
      numMalformedRecords: String(this.lastRead.numMalformed),
      numRescuedRecords: String(this.lastRead.numRescued),
      numCorruptFiles: String(this.lastRead.numCorruptFiles),
      numMissingFiles: String(this.lastRead.numMissingFiles),
      ...(this.lastRead.badRecordsFile ? { badRecordsFile: this.lastRead.badRecordsFile } : {}),
    };
  }

  onData(wake: () => void): void {
    if (!this.options.useNotifications) return;
    // chokidar ships as an ES module; load it only when notifications are on.
    void import("chokidar").then(({ watch }) => {
      const w = watch(this.dir, { ignoreInitial: true, depth: this.options.recursiveFileLookup ? undefined : 0, ignored: (p: string) => !isVisible(p, this.dir) });
      w.on("add", () => wake());
      w.on("change", () => this.options.allowOverwrites && wake());
      this.watcher = w;
    });
  }

  /** Entry `end` points at is written, and so every entry before it (they are written in order). */
  async durable(end: string): Promise<void> {
    const id = logOffsetOf(end);
    await this.writes.get(id);
    // Ids were added in order: the ones done are at the front.
    for (const k of this.writes.keys()) {
      if (k > id) break;
      this.writes.delete(k);
    }
  }

  async close(): Promise<void> {
    try {
      await this.watcher?.close();
    } finally {
      // Nothing left in flight: entries planned but not yet used are kept for the next run.
      await this.lastWrite.catch(() => {});
    }
  }
}

function isVisible(p: string, root: string): boolean {
  if (p === root) return true;
  return path.relative(root, p).split(path.sep).every((seg) => !seg.startsWith(".") && !seg.startsWith("_"));
}

function hash(s: string): string {
  return crypto.createHash("sha1").update(s).digest("hex").slice(0, 12);
}
