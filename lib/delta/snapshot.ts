/**
 * One version of a Delta table: its protocol, metadata, schema, active files and txn
 * versions, reconstructed by log replay (newest action wins; PROTOCOL.md, "Action Reconciliation").
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Duck } from "../duck";
import { duck as sharedDuck } from "../duck";
import { StreamlabError, isStreamlabError } from "../errors";
import { dvUniqueId, parseCommit, type Action, type AddFile, type CommitInfo, type DeletionVectorDescriptor, type Metadata, type Protocol, type RemoveFile } from "./actions";
import { readCheckpoint } from "./checkpoint-reader";
import { listLog, logSegment, type CheckpointFile, type LogListing, type LogSegment } from "./log-segment";
import { columnMappingMode, parseSchema, type ColumnMappingMode, type StructType } from "./schema";
import { readText, resolveDataPath } from "./storage";
import { checkReadable } from "./table-features";

export interface SnapshotOptions {
  /** Time travel: the table as of this version. */
  version?: number;
  /** Time travel: the latest version committed at or before this instant. */
  timestamp?: Date | string | number;
  duck?: Duck;
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

  get schema(): StructType {
    return parseSchema(this.metadata.schemaString);
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

  /** Loads the latest version, or the one chosen by `version` / `timestamp`. */
  static async load(tableRoot: string, options: SnapshotOptions = {}): Promise<Snapshot> {
    const root = path.resolve(tableRoot);
    const listing = listLog(root);
    let version = options.version;
    if (options.timestamp !== undefined) {
      if (version !== undefined) throw new StreamlabError("INVALID_OPTION", "Give either a version or a timestamp to time-travel, not both.");
      version = versionAtTimestamp(listing, options.timestamp);
    }
    return Snapshot.fromSegment(logSegment(listing, version), options.duck ?? (await sharedDuck()));
  }

  /** Replays a segment; when its checkpoint cannot be read, falls back to an older one. */
  static async fromSegment(segment: LogSegment, duck: Duck): Promise<Snapshot> {
    const failed: CheckpointFile[] = [];
    for (;;) {
      try {
        return await replay(segment, duck);
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

async function replay(segment: LogSegment, duck: Duck): Promise<Snapshot> {
  const seen = new Set<string>();
  const files: AddFile[] = [];
  const tombstones: RemoveFile[] = [];
  const txns = new Map<string, number>();
  const domains = new Map<string, string>();
  const seenDomains = new Set<string>();
  let protocol: Protocol | undefined;
  let metadata: Metadata | undefined;
  let commitInfo: CommitInfo | undefined;

  const apply = (a: Action, fromCheckpoint: boolean) => {
    if (a.add) {
      const key = fileActionKey(segment.tableRoot, a.add.path, a.add.deletionVector);
      if (!seen.has(key)) {
        seen.add(key);
        files.push(a.add);
      }
    } else if (a.remove) {
      // A remove hides older adds of the same key; checkpoints carry removes only as tombstones for VACUUM.
      const key = fileActionKey(segment.tableRoot, a.remove.path, a.remove.deletionVector);
      if (!seen.has(key)) {
        if (!fromCheckpoint) seen.add(key);
        tombstones.push(a.remove);
      }
    } else if (a.protocol) {
      protocol ??= a.protocol;
    } else if (a.metaData) {
      metadata ??= a.metaData;
    } else if (a.txn) {
      if (!txns.has(a.txn.appId)) txns.set(a.txn.appId, a.txn.version);
    } else if (a.domainMetadata) {
      const d = a.domainMetadata;
      if (!seenDomains.has(d.domain)) {
        seenDomains.add(d.domain);
        if (!d.removed) domains.set(d.domain, d.configuration);
      }
    }
  };

  // Newest commit first, so the first action seen for a key is the one in force.
  for (let i = segment.commits.length - 1; i >= 0; i--) {
    const c = segment.commits[i]!;
    const actions = parseCommit(readText(c.path), c.path);
    if (i === segment.commits.length - 1) commitInfo = actions.find((a) => a.commitInfo)?.commitInfo;
    // Newest first inside a commit too: a file removed and re-added by one commit (remove, then add) stays active.
    for (let j = actions.length - 1; j >= 0; j--) apply(actions[j]!, false);
  }
  if (segment.checkpoint) {
    for (const a of await readCheckpoint(duck, segment.checkpoint)) apply(a, true);
  }
  const name = segment.tableRoot;
  if (!protocol) {
    throw new StreamlabError("DELTA_MISSING_PROTOCOL", `Invalid table state at version ${segment.version} of ${name}: no protocol action found when reconstructing the snapshot.`, {
      hint: "The log is damaged: the first commit (or the checkpoint) must hold a protocol action.",
    });
  }
  checkReadable(protocol, name);
  if (!metadata) {
    throw new StreamlabError("DELTA_MISSING_METADATA", `Invalid table state at version ${segment.version} of ${name}: no metaData action found when reconstructing the snapshot.`, {
      hint: "The log is damaged: the first commit (or the checkpoint) must hold a metaData action.",
    });
  }
  const snap = new Snapshot(segment.tableRoot, segment.version, protocol, metadata, files, txns, commitInfo, segment, domains, tombstones);
  // Validate the schema and column mapping once, so errors surface at load time.
  void snap.schema;
  void snap.columnMapping;
  return snap;
}

/** The reconciliation key of a file action: its resolved path plus its deletion vector's id (PROTOCOL.md, "Action Reconciliation"). */
export function fileActionKey(root: string, p: string, dv: DeletionVectorDescriptor | null | undefined): string {
  let resolved = p;
  try {
    resolved = resolveDataPath(root, p);
  } catch {
    /* a path this reader cannot resolve still keys by its text */
  }
  return `${resolved}#${dvUniqueId(dv)}`;
}

/** Commit timestamps of a listing: commitInfo.inCommitTimestamp / timestamp, else the file's mtime. */
export function commitTimestamp(file: string): number {
  const text = readText(file);
  const first = text.split("\n").find((l) => l.includes('"commitInfo"'));
  if (first) {
    try {
      const ci = (JSON.parse(first) as Action).commitInfo;
      const t = ci?.inCommitTimestamp ?? ci?.timestamp;
      if (typeof t === "number") return t;
    } catch {
      /* fall through to mtime */
    }
  }
  return fs.statSync(file).mtimeMs;
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
    const ct = Math.max(commitTimestamp(c.path), last);
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
