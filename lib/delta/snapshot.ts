/**
 * One version of a Delta table: its protocol, metadata, schema, active files and txn versions.
 * Which files make the version is the log segment's business, how their actions combine is
 * log replay's; a snapshot is the result, plus time travel to choose the version.
 */
import * as path from "node:path";
import type { Duck } from "../duck";
import { duck as sharedDuck } from "../duck";
import { StreamlabError, isStreamlabError } from "../errors";
import type { Action, AddFile, CommitInfo, Metadata, Protocol, RemoveFile } from "./actions";
import { commitEntry, readCommitFile } from "./commit-range";
import { parseCommit } from "./actions";
import { fileActionKey, replayLog } from "./log-replay";
import { commitPath } from "./log-path";
import { checkReadable } from "./table-features";
import { listFromLastCheckpoint, listLog, logSegment, type CheckpointFile, type CommitFile, type LogListing, type LogSegment } from "./log-segment";
import { columnMappingMode, parseSchema, type ColumnMappingMode, type StructType } from "./schema";
import { defaultStorage, resolveDataPath, type Storage } from "./storage";

export { fileActionKey };

export interface SnapshotOptions {
  /** Time travel: the table as of this version. */
  version?: number;
  /** Time travel: the latest version committed at or before this instant. */
  timestamp?: Date | string | number;
  /** The DuckDB session that reads checkpoints; it may still be opening (the log is listed and its commits read meanwhile). */
  duck?: Duck | Promise<Duck>;
  /** Where the table lives (default: the local file system). */
  storage?: Storage;
}

export class Snapshot {
  /** Use Snapshot.load(); the constructor takes a replayed state. */
  constructor(
    readonly tableRoot: string,
    readonly version: number,
    readonly protocol: Protocol,
    readonly metadata: Metadata,
    /** Active files, keyed by path + deletion-vector id. */
    readonly files: AddFile[],
    /** Latest txn version per application id (idempotent writers). */
    readonly txns: Map<string, number>,
    /** The commit that produced this version, when its commit file is part of the segment. */
    readonly commitInfo: CommitInfo | undefined,
    readonly segment: LogSegment,
    /** Domain metadata (not removed) by domain. */
    readonly domains: Map<string, string>,
    /** Remove actions still in force (files no version after them re-adds): VACUUM and checkpoints need them. */
    readonly tombstones: RemoveFile[] = [],
  ) {}

  /** The parsed schema, and the files and tombstones by key: made once per snapshot, handed on by advance(). */
  private parsedSchema?: StructType;
  private filesByKey?: Map<string, AddFile>;
  private tombstonesByKey?: Map<string, RemoveFile>;

  get storage(): Storage {
    return this.segment.listing.storage;
  }

  get schema(): StructType {
    this.parsedSchema ??= parseSchema(this.metadata.schemaString);
    return this.parsedSchema;
  }

  get partitionColumns(): string[] {
    return this.metadata.partitionColumns ?? [];
  }

  get configuration(): Record<string, string | null> {
    return this.metadata.configuration ?? {};
  }

  get columnMapping(): ColumnMappingMode {
    return columnMappingMode(this.metadata.configuration);
  }

  /** Local path of an active file. */
  filePath(add: AddFile): string {
    return resolveDataPath(this.tableRoot, add.path);
  }

  /**
   * The table after `commits` (the versions right after this one, oldest first, each with its
   * actions in file order), replayed forward onto this snapshot — delta-kernel-rs's incremental
   * snapshot update: a writer that keeps its snapshot applies its own commits instead of
   * replaying the log again.
   */
  advance(commits: { version: number; path: string; actions: readonly Action[] }[]): Snapshot {
    if (commits.length === 0) return this;
    const root = this.tableRoot;
    // Copies of the keyed maps (each key resolved once per snapshot chain, not once per commit).
    this.filesByKey ??= new Map(this.files.map((f) => [fileActionKey(root, f.path, f.deletionVector), f]));
    this.tombstonesByKey ??= new Map(this.tombstones.map((r) => [fileActionKey(root, r.path, r.deletionVector), r]));
    const files = new Map(this.filesByKey);
    const tombstones = new Map(this.tombstonesByKey);
    const txns = new Map(this.txns);
    const domains = new Map(this.domains);
    let { protocol, metadata } = this;
    let commitInfo = this.commitInfo;
    let version = this.version;
    const storage = this.storage;
    const added: CommitFile[] = [];
    for (const c of commits) {
      if (c.version !== version + 1) {
        throw new StreamlabError("INVALID_ARGUMENT", `A snapshot at version ${version} of ${root} can only advance to version ${version + 1}, not ${c.version}.`);
      }
      version = c.version;
      commitInfo = undefined;
      for (const a of c.actions) {
        if (a.add) {
          const key = fileActionKey(root, a.add.path, a.add.deletionVector);
          files.set(key, a.add);
          tombstones.delete(key);
        } else if (a.remove) {
          const key = fileActionKey(root, a.remove.path, a.remove.deletionVector);
          files.delete(key);
          tombstones.set(key, a.remove);
        } else if (a.protocol) {
          checkReadable(a.protocol, root);
          protocol = a.protocol;
        } else if (a.metaData) metadata = a.metaData;
        else if (a.txn) txns.set(a.txn.appId, a.txn.version);
        else if (a.domainMetadata) {
          if (a.domainMetadata.removed) domains.delete(a.domainMetadata.domain);
          else domains.set(a.domainMetadata.domain, a.domainMetadata.configuration);
        } else if (a.commitInfo) commitInfo = a.commitInfo;
      }
      const file = c.path;
      added.push({ version: c.version, path: file, get mtimeMs() { return storage.stat(file)?.mtimeMs ?? Date.now(); } });
    }
    const listing = { ...this.segment.listing, commits: [...this.segment.listing.commits.filter((x) => x.version <= this.version), ...added] };
    const segment: LogSegment = { ...this.segment, listing, version, commits: [...this.segment.commits, ...added] };
    const next = new Snapshot(root, version, protocol, metadata, [...files.values()], txns, commitInfo, segment, domains, [...tombstones.values()]);
    next.filesByKey = files;
    next.tombstonesByKey = tombstones;
    // The same metadata: the same schema, already checked.
    if (metadata === this.metadata && this.parsedSchema) next.parsedSchema = this.parsedSchema;
    void next.schema;
    return next;
  }

  /**
   * The latest version: this snapshot advanced by the commits written after it, read by name one
   * after the other (no listing of the log, nothing re-read) — or this snapshot when there are none.
   */
  update(): Snapshot {
    const commits: { version: number; path: string; actions: Action[] }[] = [];
    for (let v = this.version + 1; ; v++) {
      const file = commitPath(this.tableRoot, v);
      if (!this.storage.exists(file)) break;
      commits.push({ version: v, path: file, actions: readCommitFile({ version: v, path: file, mtimeMs: 0 }, this.storage).actions });
    }
    return this.advance(commits);
  }

  /** Loads the latest version, or the one chosen by `version` / `timestamp`. */
  static async load(tableRoot: string, options: SnapshotOptions = {}): Promise<Snapshot> {
    const root = path.resolve(tableRoot);
    const storage = options.storage ?? defaultStorage;
    const duck = options.duck ?? sharedDuck();
    // A session still opening is awaited only for a checkpoint: when the log fails first (or has no
    // checkpoint), its failure to open must not be left unhandled.
    if (duck instanceof Promise) duck.catch(() => {});
    if (options.version === undefined && options.timestamp === undefined) {
      // The latest version from the last checkpoint on, found by name; anything amiss (a stale or
      // damaged checkpoint, a gap) is left to the full listing, which decides and reports.
      const fast = listFromLastCheckpoint(root, storage);
      if (fast) {
        try {
          return await Snapshot.fromSegment(logSegment(fast), duck);
        } catch {
          /* the full listing below */
        }
      }
    }
    const listing = listLog(root, storage);
    let version = options.version;
    if (options.timestamp !== undefined) {
      if (version !== undefined) throw new StreamlabError("INVALID_OPTION", "Give either a version or a timestamp to time-travel, not both.");
      version = versionAtTimestamp(listing, options.timestamp);
    }
    return Snapshot.fromSegment(logSegment(listing, version), duck);
  }

  /** Replays a segment; when its checkpoint cannot be read, falls back to an older one. */
  static async fromSegment(segment: LogSegment, duck: Duck | Promise<Duck>): Promise<Snapshot> {
    const failed: CheckpointFile[] = [];
    for (;;) {
      try {
        const s = await replayLog(segment, duck);
        const snap = new Snapshot(segment.tableRoot, segment.version, s.protocol, s.metadata, s.files, s.txns, s.commitInfo, segment, s.domains, s.tombstones);
        // Validate the schema and column mapping once, so errors surface at load time.
        void snap.schema;
        void snap.columnMapping;
        return snap;
      } catch (e) {
        // A checkpoint left half-written by a crashed writer must not break the table.
        if (!isStreamlabError(e, "DELTA_INVALID_CHECKPOINT") || !segment.checkpoint) throw e;
        failed.push(segment.checkpoint);
        try {
          segment = logSegment(segment.listing, segment.version, failed);
        } catch {
          throw e;
        }
      }
    }
  }
}

/**
 * A commit's timestamp: commitInfo.inCommitTimestamp / timestamp, else the file's mtime. Only the
 * commitInfo line is parsed (it comes first), so time travel over a long log stays cheap.
 */
export function commitTimestamp(commit: CommitFile, storage: Storage = defaultStorage): number {
  const text = storage.readText(commit.path);
  const line = text.split("\n").find((l) => l.includes('"commitInfo"'));
  const actions = line ? tryParse(line, commit.path) : [];
  return commitEntry(commit.version, commit.path, actions, () => commit.mtimeMs).timestamp;
}

function tryParse(line: string, file: string) {
  try {
    return parseCommit(line, file);
  } catch {
    return []; // a garbled commitInfo line: fall back to the mtime (replay reports the damage)
  }
}

/** The latest version committed at or before `ts` (Delta's timestamp time travel). */
export function versionAtTimestamp(listing: LogListing, ts: Date | string | number): number {
  const t = ts instanceof Date ? ts.getTime() : typeof ts === "number" ? ts : Date.parse(ts);
  if (Number.isNaN(t)) throw new StreamlabError("INVALID_OPTION", `"${String(ts)}" is not a timestamp.`, { hint: 'Use an ISO timestamp such as "2026-11-25T12:00:00Z".' });
  let found: number | undefined;
  let first: number | undefined;
  let last = -Infinity;
  for (const c of listing.commits) {
    // Delta makes commit timestamps monotonic: a commit is never earlier than the one before it.
    const ct = Math.max(commitTimestamp(c, listing.storage), last);
    last = ct;
    first ??= ct;
    if (ct <= t) found = c.version;
    else break;
  }
  if (found === undefined) {
    const earliest = first === undefined ? "none" : new Date(first).toISOString();
    throw new StreamlabError("DELTA_TIMESTAMP_OUT_OF_RANGE", `The table ${listing.tableRoot} has no version at or before ${new Date(t).toISOString()} (the earliest available commit is at ${earliest}).`, {
      hint: "Use a later timestamp, or a version number.",
      details: { timestamp: t },
    });
  }
  return found;
}
