/**
 * The file stream source, with Auto Loader's options (`cloudFiles.*`): it lists a landing folder
 * (and, optionally, listens to file-system notifications), takes each new file exactly once by
 * path, and plans batches of at most maxFilesPerTrigger files / maxBytesPerTrigger bytes. Which
 * files belong to which batch is recorded in its own log under checkpoint/sources/<i>/ before the
 * batch runs, so a replay reads exactly the same files.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { sqlString } from "../duck";
import { StreamlabError } from "../errors";
import { duckType, quoteIdent, type StructType } from "../delta/schema";
import { parseDdl } from "../delta/ddl";
import { writeFileAtomic } from "../stream/checkpoint";
import { globToRegExp, normaliseOptions, type OptionSpec } from "../util/options";
import { listFiles, type ListedFile } from "./file-listing";
import type { OffsetRequest, Source, SourceContext } from "./source";

export type FileFormat = "csv" | "json" | "parquet";

export interface FileSourceOptions {
  /** cloudFiles.format: csv, json (JSON lines) or parquet. */
  format?: FileFormat;
  /** The schema, as Spark DDL ("event_id STRING, price DECIMAL(10,2)") or a Delta struct. */
  schema?: string | StructType;
  maxFilesPerTrigger?: number;
  /** A soft limit: a batch always takes at least one file. "10mb", "1g" or bytes. */
  maxBytesPerTrigger?: number | string;
  /** Process the files already in the folder when the query first starts. Default true. */
  includeExistingFiles?: boolean;
  /** Only file names matching this glob, e.g. "*.csv". */
  pathGlobFilter?: string;
  /** Look into sub-folders. Default true (as Auto Loader). */
  recursiveFileLookup?: boolean;
  /** Re-read a file whose size or modification time changed. Default false. */
  allowOverwrites?: boolean;
  /** After a batch commits: leave its files (off), move them to sourceArchiveDir (archive), or delete them. */
  cleanSource?: "off" | "archive" | "delete";
  sourceArchiveDir?: string;
  /** Listen to file-system notifications (periodic listing stays as a backstop). Default false. */
  useNotifications?: boolean;
  /** Add the `_metadata` column (file_path, file_name, file_size, file_modification_time). */
  includeMetadata?: boolean;
  /** CSV: the first line is a header. Default true. */
  header?: boolean;
  /** CSV: the field separator. Default ",". */
  sep?: string;
  quote?: string;
  escape?: string;
}

export const FILE_SOURCE_OPTIONS: Record<string, OptionSpec> = {
  format: { kind: "enum", values: ["csv", "json", "parquet"] },
  schema: { kind: "any" },
  maxFilesPerTrigger: { kind: "int" },
  maxBytesPerTrigger: { kind: "bytes" },
  includeExistingFiles: { kind: "boolean" },
  pathGlobFilter: { kind: "string" },
  recursiveFileLookup: { kind: "boolean" },
  allowOverwrites: { kind: "boolean" },
  cleanSource: { kind: "enum", values: ["off", "archive", "delete"] },
  sourceArchiveDir: { kind: "string" },
  useNotifications: { kind: "boolean" },
  includeMetadata: { kind: "boolean" },
  header: { kind: "boolean" },
  sep: { kind: "string" },
  delimiter: { kind: "string" },
  quote: { kind: "string" },
  escape: { kind: "string" },
};

interface LogEntry extends ListedFile {
  batchId: number;
}

export class FileStreamSource implements Source {
  readonly dir: string;
  readonly options: Required<Pick<FileSourceOptions, "format" | "maxFilesPerTrigger" | "includeExistingFiles" | "recursiveFileLookup" | "allowOverwrites" | "cleanSource" | "useNotifications" | "includeMetadata" | "header">> & FileSourceOptions;
  readonly schema: StructType;
  private ctx!: SourceContext;
  /** Files already assigned to a log entry: path → size/mtime seen. */
  private readonly seen = new Map<string, ListedFile>();
  /** Log entries (batches of files) by log id. */
  private readonly entries = new Map<number, LogEntry[]>();
  private lastLogId = -1;
  /** New files not yet planned into a batch, as of the last listing. */
  private outstanding: ListedFile[] = [];
  /** The log entry the last batch ended at. */
  private lastEnd = -1;
  private watcher?: { close(): Promise<void> };
  private readonly filter?: RegExp;

  constructor(dir: string, rawOptions: FileSourceOptions | Record<string, unknown> = {}) {
    const o = normaliseOptions(rawOptions as Record<string, unknown>, FILE_SOURCE_OPTIONS, "file source") as FileSourceOptions & { delimiter?: string };
    this.dir = path.resolve(dir);
    if (!fs.existsSync(this.dir) || !fs.statSync(this.dir).isDirectory()) {
      throw new StreamlabError("PATH_NOT_FOUND", `The source folder ${this.dir} does not exist.`, { hint: "Create it (or start the simulator that fills it) before starting the query." });
    }
    this.options = {
      format: "csv",
      maxFilesPerTrigger: 1000,
      includeExistingFiles: true,
      recursiveFileLookup: true,
      allowOverwrites: false,
      cleanSource: "off",
      useNotifications: false,
      includeMetadata: false,
      header: true,
      ...o,
      sep: o.sep ?? o.delimiter ?? ",",
    };
    if (!this.options.schema) {
      throw new StreamlabError("INVALID_OPTION", `The file source at ${this.dir} needs a schema.`, { hint: 'Pass schema: "event_id STRING, price DECIMAL(10,2), ..." (Spark DDL).' });
    }
    this.schema = typeof this.options.schema === "string" ? parseDdl(this.options.schema) : this.options.schema;
    if (this.options.pathGlobFilter) this.filter = globToRegExp(this.options.pathGlobFilter);
    if (this.options.cleanSource === "archive") {
      const archive = this.options.sourceArchiveDir;
      if (!archive) throw new StreamlabError("INVALID_OPTION", 'cleanSource "archive" needs sourceArchiveDir.');
      const a = path.resolve(archive);
      if (a === this.dir || a.startsWith(this.dir + path.sep)) {
        throw new StreamlabError("INVALID_OPTION", `sourceArchiveDir ${a} is inside the source folder ${this.dir}: archived files would be read again.`, { hint: "Choose an archive folder outside the source folder." });
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
    // Rebuild what was seen from the source's log (one file per log entry).
    for (const name of fs.readdirSync(ctx.dir)) {
      if (!/^\d+$/.test(name)) continue;
      const id = Number(name);
      const lines = fs.readFileSync(path.join(ctx.dir, name), "utf8").split("\n").slice(1).filter(Boolean);
      const files = lines.map((l) => JSON.parse(l) as LogEntry);
      this.entries.set(id, files);
      for (const f of files) this.seen.set(f.path, f);
      this.lastLogId = Math.max(this.lastLogId, id);
    }
    const baseline = path.join(ctx.dir, "baseline.json");
    if (fs.existsSync(baseline)) {
      for (const f of JSON.parse(fs.readFileSync(baseline, "utf8")) as ListedFile[]) this.seen.set(f.path, f);
    } else if (!this.options.includeExistingFiles && this.lastLogId < 0) {
      // First start without existing files: remember what is there now, and never process it.
      const existing = this.list();
      writeFileAtomic(baseline, JSON.stringify(existing));
      for (const f of existing) this.seen.set(f.path, f);
    }
  }

  private list(): ListedFile[] {
    const exclude = this.options.cleanSource === "archive" ? path.resolve(this.options.sourceArchiveDir!) : undefined;
    return listFiles(this.dir, { recursive: this.options.recursiveFileLookup, filter: this.filter, exclude });
  }

  /** New files: never seen, or (allowOverwrites) seen with another size or modification time. */
  private newFiles(): ListedFile[] {
    return this.list().filter((f) => {
      const s = this.seen.get(f.path);
      if (!s) return true;
      return this.options.allowOverwrites && (s.size !== f.size || s.modificationTime !== f.modificationTime);
    });
  }

  private takeBatch(files: ListedFile[], unlimited: boolean): ListedFile[] {
    if (unlimited) return files;
    const out: ListedFile[] = [];
    let bytes = 0;
    for (const f of files) {
      if (out.length >= this.options.maxFilesPerTrigger) break;
      if (this.options.maxBytesPerTrigger !== undefined && out.length > 0 && bytes + f.size > (this.options.maxBytesPerTrigger as number)) break;
      out.push(f);
      bytes += f.size;
    }
    return out;
  }

  private addEntry(files: ListedFile[]): number {
    const id = ++this.lastLogId;
    const entry = files.map((f) => ({ ...f, batchId: id }));
    writeFileAtomic(path.join(this.ctx.dir, String(id)), ["v1", ...entry.map((e) => JSON.stringify(e))].join("\n") + "\n");
    this.entries.set(id, entry);
    for (const f of entry) this.seen.set(f.path, f);
    return id;
  }

  async latestOffset(start: string | null, request: OffsetRequest): Promise<string | null> {
    const from = start === null ? -1 : (JSON.parse(start) as { logOffset: number }).logOffset;
    const cap = request.cap ? (JSON.parse(request.cap) as { logOffset: number }).logOffset : undefined;
    if (cap !== undefined && from >= cap) return start;
    // Entries planned earlier (before a restart, or by availableNow) are used first, one per batch.
    if (this.lastLogId > from && !request.planAll) {
      this.outstanding = this.newFiles();
      return JSON.stringify({ logOffset: from + 1 });
    }
    const fresh = this.newFiles();
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
    const from = start === null ? -1 : (JSON.parse(start) as { logOffset: number }).logOffset;
    const to = (JSON.parse(end) as { logOffset: number }).logOffset;
    const out: LogEntry[] = [];
    for (let id = from + 1; id <= to; id++) {
      const e = this.entries.get(id);
      if (!e) throw new StreamlabError("STREAM_SOURCE_CHANGED", `The file source log has no entry ${id} in ${this.ctx.dir}; the checkpoint is incomplete.`, { hint: "Restore the checkpoint folder, or start the query with a new checkpointLocation." });
      out.push(...e);
    }
    return out;
  }

  async getBatch(start: string | null, end: string, into: string): Promise<void> {
    const files = this.filesBetween(start, end);
    this.lastEnd = (JSON.parse(end) as { logOffset: number }).logOffset;
    const missing = files.filter((f) => !fs.existsSync(f.path));
    if (missing.length > 0) {
      throw new StreamlabError("STREAM_SOURCE_CHANGED", `${missing.length} file(s) of this batch are gone, e.g. ${missing[0]!.path}: they were moved or deleted before the batch committed.`, {
        hint: "Do not move files out of the landing folder while a query reads it; cleanSource does that safely after each commit.",
      });
    }
    await this.ctx.duck.run(`CREATE OR REPLACE TEMP TABLE ${into} AS ${this.readSql(files)}`);
  }

  /** SQL reading `files` with the schema (and `_metadata` when asked). */
  readSql(files: ListedFile[]): string {
    const cols = this.schema.fields.map((f) => `${quoteIdent(f.name)} AS ${quoteIdent(f.name)}`).join(", ");
    if (files.length === 0) return `SELECT ${this.schema.fields.map((f) => `CAST(NULL AS ${duckType(f.type)}) AS ${quoteIdent(f.name)}`).join(", ")}${this.options.includeMetadata ? ", NULL AS _metadata" : ""} WHERE false`;
    const list = `[${files.map((f) => sqlString(f.path)).join(", ")}]`;
    const columns = `{${this.schema.fields.map((f) => `${sqlString(f.name)}: ${sqlString(duckType(f.type))}`).join(", ")}}`;
    let reader: string;
    const o = this.options;
    switch (o.format) {
      case "csv":
        reader = `read_csv(${list}, header = ${o.header}, delim = ${sqlString(o.sep!)}${o.quote ? `, quote = ${sqlString(o.quote)}` : ""}${o.escape ? `, escape = ${sqlString(o.escape)}` : ""}, columns = ${columns}, auto_detect = false, filename = true, union_by_name = false)`;
        break;
      case "json":
        reader = `read_json(${list}, format = 'newline_delimited', columns = ${columns}, filename = true)`;
        break;
      case "parquet":
        reader = `(SELECT ${this.schema.fields.map((f) => `CAST(${quoteIdent(f.name)} AS ${duckType(f.type)}) AS ${quoteIdent(f.name)}`).join(", ")}, filename FROM read_parquet(${list}, filename = true, union_by_name = true, hive_partitioning = false))`;
        break;
    }
    if (!o.includeMetadata) return `SELECT ${cols} FROM ${reader}`;
    const info = files.map((f) => `(${sqlString(f.path)}, ${f.size}::BIGINT, epoch_ms(${f.modificationTime})::TIMESTAMPTZ)`).join(", ");
    return `SELECT ${cols}, struct_pack(file_path := r.filename, file_name := parse_filename(r.filename), file_size := m.size, file_modification_time := m.mtime) AS _metadata
      FROM ${reader} AS r JOIN (VALUES ${info}) AS m(path, size, mtime) ON r.filename = m.path`;
  }

  async commit(end: string): Promise<void> {
    const mode = this.options.cleanSource;
    if (mode === "off") return;
    const to = (JSON.parse(end) as { logOffset: number }).logOffset;
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
    const planned = [...this.entries].filter(([id]) => id > this.lastEnd).flatMap(([, files]) => files);
    const waiting = [...planned, ...this.outstanding.filter((f) => !planned.some((p) => p.path === f.path))];
    return {
      numFilesOutstanding: String(waiting.length),
      numBytesOutstanding: String(waiting.reduce((s, f) => s + f.size, 0)),
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

  async close(): Promise<void> {
    await this.watcher?.close();
  }
}

function isVisible(p: string, root: string): boolean {
  if (p === root) return true;
  return path.relative(root, p).split(path.sep).every((seg) => !seg.startsWith(".") && !seg.startsWith("_"));
}
