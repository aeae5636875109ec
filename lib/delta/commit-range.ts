/**
 * A range of commits read once: per version its parsed actions and commitInfo, sorted out into
 * adds, removes, cdc files and metadata/protocol changes. History, the Change Data Feed, the
 * Delta streaming source, conflict checks and summaries all read commits through here.
 */
import { StreamlabError } from "../errors";
import { parseCommit, type Action, type AddCDCFile, type AddFile, type CommitInfo, type DomainMetadata, type Metadata, type Protocol, type RemoveFile, type Txn } from "./actions";
import { commitPath } from "./log-path";
import { listLog, type CommitFile, type LogListing } from "./log-segment";
import { defaultStorage, type Storage } from "./storage";

/** One commit of the log. */
export interface CommitEntry {
  version: number;
  /** commitInfo.inCommitTimestamp, else commitInfo.timestamp, else the file's modification time (ms). */
  timestamp: number;
  commitInfo: CommitInfo | undefined;
  operation: string | null;
  operationParameters: Record<string, unknown>;
  operationMetrics: Record<string, unknown>;
  /** Every action in file order (commitInfo included). */
  actions: Action[];
  adds: AddFile[];
  removes: RemoveFile[];
  cdc: AddCDCFile[];
  metadata?: Metadata;
  protocol?: Protocol;
  txns: Txn[];
  domainMetadata: DomainMetadata[];
  /** The commit file. */
  path: string;
}

/** Sorts a commit's actions by kind. `mtimeMs` is asked for only when the commitInfo carries no timestamp. */
export function commitEntry(version: number, file: string, actions: Action[], mtimeMs: () => number): CommitEntry {
  const entry: CommitEntry = {
    version,
    timestamp: 0,
    commitInfo: undefined,
    operation: null,
    operationParameters: {},
    operationMetrics: {},
    actions,
    adds: [],
    removes: [],
    cdc: [],
    txns: [],
    domainMetadata: [],
    path: file,
  };
  for (const a of actions) {
    if (a.add) entry.adds.push(a.add);
    else if (a.remove) entry.removes.push(a.remove);
    else if (a.cdc) entry.cdc.push(a.cdc);
    else if (a.metaData) entry.metadata = a.metaData;
    else if (a.protocol) entry.protocol = a.protocol;
    else if (a.txn) entry.txns.push(a.txn);
    else if (a.domainMetadata) entry.domainMetadata.push(a.domainMetadata);
    else if (a.commitInfo && !entry.commitInfo) entry.commitInfo = a.commitInfo;
  }
  const ci = entry.commitInfo;
  entry.operation = ci?.operation ?? null;
  entry.operationParameters = ci?.operationParameters ?? {};
  entry.operationMetrics = ci?.operationMetrics ?? {};
  const t = ci?.inCommitTimestamp ?? ci?.timestamp;
  entry.timestamp = typeof t === "number" ? t : mtimeMs();
  return entry;
}

/** Reads and parses one listed commit file. */
export function readCommitFile(commit: CommitFile, storage: Storage): CommitEntry {
  return commitEntry(commit.version, commit.path, parseCommit(storage.readText(commit.path), commit.path), () => commit.mtimeMs);
}

/** Reads the commit of `version` by its name, without listing the log. Throws DELTA_VERSION_NOT_FOUND when it is not there. */
export function readCommit(tableRoot: string, version: number, storage: Storage = defaultStorage): CommitEntry {
  const file = commitPath(tableRoot, version);
  const st = storage.stat(file);
  if (!st) {
    throw new StreamlabError("DELTA_VERSION_NOT_FOUND", `The commit for version ${version} of ${tableRoot} is not in the log (${file}).`, {
      hint: "It was never written, or log retention (delta.logRetentionDuration) cleaned it up; choose a later version.",
      details: { version },
    });
  }
  return readCommitFile({ version, path: file, get mtimeMs() { return st.mtimeMs; } }, storage);
}

/**
 * The commits from `fromVersion` to `toVersion` (default: the latest), oldest first, from one
 * listing. Every version in the range must still be in the log.
 */
export function commitRange(source: string | LogListing, fromVersion: number, toVersion?: number): CommitEntry[] {
  const listing = typeof source === "string" ? listLog(source) : source;
  const latest = listing.commits.at(-1)?.version;
  const to = toVersion ?? latest ?? -1;
  if (!Number.isInteger(fromVersion) || fromVersion < 0 || !Number.isInteger(to) || fromVersion > to || latest === undefined || to > latest) {
    throw new StreamlabError("DELTA_VERSION_NOT_FOUND", `Cannot read the commits from version ${fromVersion} to ${toVersion ?? "the latest"} of ${listing.tableRoot}: the table's versions go up to ${latest ?? "none"}.`, {
      hint: "Choose 0 ≤ from ≤ to ≤ the latest version.",
      details: { fromVersion, toVersion: to, latest },
    });
  }
  const byVersion = new Map(listing.commits.map((c) => [c.version, c]));
  const out: CommitEntry[] = [];
  for (let v = fromVersion; v <= to; v++) {
    const c = byVersion.get(v);
    if (!c) {
      throw new StreamlabError("DELTA_VERSION_NOT_FOUND", `The commit for version ${v} of ${listing.tableRoot} is no longer in the log; the commits from ${fromVersion} to ${to} cannot be read.`, {
        hint: `Log retention (delta.logRetentionDuration) cleaned it up; the earliest commit still there is version ${listing.commits[0]?.version}.`,
        details: { version: v },
      });
    }
    out.push(readCommitFile(c, listing.storage));
  }
  return out;
}
