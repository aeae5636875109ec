/**
 * Represents a segment of a Delta log: the checkpoint (if any) and the contiguous commits after
 * it that together make up one version of a table. Built from one listing of `_delta_log/`;
 * `_last_checkpoint` is a hint, trusted only when the listing agrees with it.
 */
import * as path from "node:path";
import { StreamlabError } from "../errors";
import { LAST_CHECKPOINT, checkpointFileName, commitPath, logDir, multiPartCheckpointFileName, parseLogPath } from "./log-path";
import { defaultStorage, type Storage } from "./storage";

export interface CommitFile {
  version: number;
  path: string;
  /** The file's modification time: a commit's timestamp when its commitInfo has none. */
  readonly mtimeMs: number;
}

export interface CheckpointFile {
  version: number;
  /** One file for a classic or V2 checkpoint, several for a multi-part one. */
  paths: string[];
  kind: "classic" | "multi-part" | "v2";
}

export interface LogListing {
  tableRoot: string;
  commits: CommitFile[];
  checkpoints: CheckpointFile[];
  lastCheckpoint?: LastCheckpointHint;
  /** The storage the listing came from; everything read for this table goes through it. */
  storage: Storage;
  /**
   * Only the checkpoint `_last_checkpoint` names and the commits after it, found by name without
   * listing the log (see listFromLastCheckpoint): enough for the latest version, not for history
   * or time travel.
   */
  partial?: boolean;
}

export interface LastCheckpointHint {
  version: number;
  parts?: number;
  v2Path?: string;
  /** Why the hint was not used, when it was not. */
  problem?: string;
}

export interface LogSegment {
  tableRoot: string;
  version: number;
  checkpoint?: CheckpointFile;
  /** Commits after the checkpoint, oldest first, ending at `version`. */
  commits: CommitFile[];
  /** Older complete checkpoints, newest first: the fallbacks when reading `checkpoint` fails. */
  olderCheckpoints: CheckpointFile[];
  listing: LogListing;
}

/** Lists `_delta_log/` once. Throws DELTA_TABLE_NOT_FOUND when there is no log. */
export function listLog(tableRoot: string, storage: Storage = defaultStorage): LogListing {
  const dir = logDir(tableRoot);
  if (!storage.stat(dir)?.isDirectory) {
    throw new StreamlabError("DELTA_TABLE_NOT_FOUND", `No Delta table at ${tableRoot}: there is no _delta_log directory.`, {
      hint: "Check the path, or create the table first (a Delta table is a folder with a _delta_log/ inside).",
      details: { path: tableRoot },
    });
  }
  const commits: CommitFile[] = [];
  const multi = new Map<string, { version: number; total: number; parts: Map<number, string> }>();
  const checkpoints: CheckpointFile[] = [];
  for (const entry of storage.list(dir)) {
    const parsed = parseLogPath(entry.name);
    if (!parsed) continue;
    const { version } = parsed;
    if (parsed.kind === "commit") {
      commits.push({ version, path: entry.path, get mtimeMs() { return entry.mtimeMs; } });
    } else if (parsed.kind === "checkpoint") checkpoints.push({ version, paths: [entry.path], kind: "classic" });
    else if (parsed.kind === "v2-checkpoint") checkpoints.push({ version, paths: [entry.path], kind: "v2" });
    else if (parsed.kind === "multi-part-checkpoint") {
      const total = parsed.parts!;
      const key = `${version}/${total}`;
      const e = multi.get(key) ?? { version, total, parts: new Map<number, string>() };
      e.parts.set(parsed.part!, entry.path);
      multi.set(key, e);
    }
  }
  // A multi-part checkpoint counts only when every part is there (a writer may have crashed mid-way).
  for (const e of multi.values()) {
    if (e.parts.size === e.total) {
      checkpoints.push({ version: e.version, paths: [...e.parts.entries()].sort((a, b) => a[0] - b[0]).map(([, p]) => p), kind: "multi-part" });
    }
  }
  commits.sort((a, b) => a.version - b.version);
  // Newest first; at one version prefer V2, then multi-part, then classic (all are equivalent).
  const rank = { v2: 0, "multi-part": 1, classic: 2 } as const;
  checkpoints.sort((a, b) => b.version - a.version || rank[a.kind] - rank[b.kind]);
  return { tableRoot, commits, checkpoints, lastCheckpoint: readLastCheckpoint(dir, checkpoints, storage), storage };
}

/**
 * The latest version's listing without listing `_delta_log/` (which holds thousands of files in a
 * long-lived table): the checkpoint `_last_checkpoint` names, then commit files probed by name
 * from the next version on until one is missing, with any newer classic checkpoint found on the
 * way (a stale hint) — what delta-kernel-rs gets by listing from the checkpoint's version.
 * Undefined when there is no usable hint (no `_last_checkpoint`, a V2 checkpoint, or a checkpoint
 * file that is not there): the full listing decides.
 */
export function listFromLastCheckpoint(tableRoot: string, storage: Storage = defaultStorage): LogListing | undefined {
  const dir = logDir(tableRoot);
  let hint: LastCheckpointHint;
  try {
    hint = parseLastCheckpoint(storage.readText(path.join(dir, LAST_CHECKPOINT)));
  } catch {
    return undefined;
  }
  const version = hint.version;
  if (!Number.isInteger(version) || version < 0 || hint.v2Path !== undefined) return undefined;
  const parts: unknown = hint.parts === undefined ? 1 : hint.parts;
  if (typeof parts !== "number" || !Number.isInteger(parts) || parts < 1) return undefined;
  const paths = parts === 1 ? [path.join(dir, checkpointFileName(version))] : Array.from({ length: parts }, (_, i) => path.join(dir, multiPartCheckpointFileName(version, i + 1, parts)));
  if (!paths.every((p) => storage.exists(p))) return undefined;
  let checkpoint: CheckpointFile = { version, paths, kind: parts === 1 ? "classic" : "multi-part" };
  const commits: CommitFile[] = [];
  for (let v = version + 1; ; v++) {
    const file = commitPath(tableRoot, v);
    const entry = storage.stat(file);
    if (!entry) break;
    commits.push({ version: v, path: file, get mtimeMs() { return entry.mtimeMs; } });
    const newer = path.join(dir, checkpointFileName(v));
    if (storage.exists(newer)) checkpoint = { version: v, paths: [newer], kind: "classic" };
  }
  return { tableRoot, commits: commits.filter((c) => c.version > checkpoint.version), checkpoints: [checkpoint], lastCheckpoint: { version, ...(parts > 1 ? { parts } : {}) }, storage, partial: true };
}

/** What a reader takes from `_last_checkpoint`'s text; throws when it is not JSON with a numeric version. */
function parseLastCheckpoint(text: string): LastCheckpointHint {
  const j = JSON.parse(text) as { version?: unknown; parts?: number; v2Checkpoint?: { path?: string } };
  if (typeof j.version !== "number") throw new Error("no version");
  return { version: j.version, parts: j.parts, v2Path: j.v2Checkpoint?.path };
}

/** `_last_checkpoint` is only a hint: a garbled or stale one is reported, never fatal (the listing decides). */
function readLastCheckpoint(dir: string, checkpoints: CheckpointFile[], storage: Storage): LastCheckpointHint | undefined {
  const file = path.join(dir, LAST_CHECKPOINT);
  if (!storage.exists(file)) return undefined;
  let hint: LastCheckpointHint;
  try {
    hint = parseLastCheckpoint(storage.readText(file));
  } catch {
    return { version: -1, problem: "corrupt" };
  }
  const listed = checkpoints.find((c) => c.version === hint.version);
  if (!listed) hint.problem = "points at a checkpoint that is not in the log (stale)";
  else if (checkpoints[0] && checkpoints[0].version > hint.version) hint.problem = "stale: a newer checkpoint exists";
  return hint;
}

/**
 * The segment for `version` (default: the latest). Commits must be contiguous from the chosen
 * checkpoint (or from version 0) to `version`.
 */
export function logSegment(listing: LogListing, version?: number, exclude: readonly CheckpointFile[] = []): LogSegment {
  const { commits, tableRoot } = listing;
  const checkpoints = listing.checkpoints.filter((c) => !exclude.includes(c));
  if (commits.length === 0 && listing.checkpoints.length === 0) {
    throw new StreamlabError("DELTA_TABLE_NOT_FOUND", `No Delta table at ${tableRoot}: _delta_log holds no commit.`, {
      hint: "The table was never committed; write to it first.",
      details: { path: tableRoot },
    });
  }
  // A checkpoint is written after its commit, and log cleanup never deletes the commit of the newest
  // checkpoint: the latest version is the newest commit (a checkpoint alone counts only without commits).
  const latest = commits.length > 0 ? commits.at(-1)!.version : listing.checkpoints[0]!.version;
  const target = version ?? latest;
  if (!Number.isInteger(target) || target < 0 || target > latest) {
    throw new StreamlabError("DELTA_VERSION_NOT_FOUND", `Version ${target} of ${tableRoot} does not exist: the latest version is ${latest}.`, {
      hint: `Choose a version between the earliest available one and ${latest}.`,
      details: { version: target, latest },
    });
  }
  // The newest complete checkpoint at or before the target; honour _last_checkpoint's choice of V2 file.
  const usable = checkpoints.filter((c) => c.version <= target);
  const hint = listing.lastCheckpoint;
  if (hint?.v2Path && !hint.problem) {
    const i = usable.findIndex((c) => c.kind === "v2" && path.basename(c.paths[0]!) === hint.v2Path);
    if (i > 0 && usable[i]!.version === usable[0]!.version) usable.unshift(...usable.splice(i, 1));
  }
  const checkpoint = usable[0];
  const from = checkpoint ? checkpoint.version + 1 : 0;
  const segmentCommits = commits.filter((c) => c.version >= from && c.version <= target);
  if (!checkpoint && commits[0]?.version !== 0) {
    throw new StreamlabError(
      "DELTA_VERSION_NOT_FOUND",
      `Version ${target} of ${tableRoot} cannot be reconstructed: commit 0 is gone and no readable checkpoint at or before ${target} exists.`,
      { hint: "Log retention (delta.logRetentionDuration) cleaned it up; time-travel to a version at or after the earliest checkpoint.", details: { version: target } },
    );
  }
  let expected = from;
  for (const c of segmentCommits) {
    if (c.version !== expected) break;
    expected++;
  }
  if (expected <= target) {
    const found = segmentCommits.find((c) => c.version > expected);
    throw new StreamlabError(
      "DELTA_VERSIONS_NOT_CONTIGUOUS",
      `The log of ${tableRoot} is not contiguous: the commit for version ${expected} is missing${found ? ` (the next one is ${found.version})` : ""}.`,
      { hint: "A commit file was deleted or not yet copied; restore it. A table whose log has holes cannot be read.", details: { missing: expected } },
    );
  }
  return { tableRoot, version: target, checkpoint, commits: segmentCommits, olderCheckpoints: usable.slice(1), listing };
}
