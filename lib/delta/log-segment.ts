/**
 * Represents a segment of a Delta log: the checkpoint (if any) and the contiguous commits after
 * it that together make up one version of a table. Built from one listing of `_delta_log/`;
 * `_last_checkpoint` is a hint, trusted only when the listing agrees with it.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { StreamlabError } from "../errors";
import { logDir } from "./storage";

export interface CommitFile {
  version: number;
  path: string;
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

const COMMIT = /^(\d{20})\.json$/;
const CLASSIC = /^(\d{20})\.checkpoint\.parquet$/;
const MULTI = /^(\d{20})\.checkpoint\.(\d{10})\.(\d{10})\.parquet$/;
const V2 = /^(\d{20})\.checkpoint\.([0-9a-fA-F-]{36})\.(json|parquet)$/;

/** Lists `_delta_log/` once. Throws DELTA_TABLE_NOT_FOUND when there is no log. */
export function listLog(tableRoot: string): LogListing {
  const dir = logDir(tableRoot);
  let names: string[];
  try {
    if (!fs.statSync(dir).isDirectory()) throw new Error("not a directory");
    names = fs.readdirSync(dir);
  } catch {
    throw new StreamlabError("DELTA_TABLE_NOT_FOUND", `No Delta table at ${tableRoot}: there is no _delta_log directory.`, {
      hint: "Check the path, or create the table first (a Delta table is a folder with a _delta_log/ inside).",
      details: { path: tableRoot },
    });
  }
  const commits: CommitFile[] = [];
  const multi = new Map<string, { version: number; total: number; parts: Map<number, string> }>();
  const checkpoints: CheckpointFile[] = [];
  for (const name of names) {
    let m: RegExpExecArray | null;
    if ((m = COMMIT.exec(name))) commits.push({ version: Number(m[1]), path: path.join(dir, name) });
    else if ((m = CLASSIC.exec(name))) checkpoints.push({ version: Number(m[1]), paths: [path.join(dir, name)], kind: "classic" });
    else if ((m = V2.exec(name))) checkpoints.push({ version: Number(m[1]), paths: [path.join(dir, name)], kind: "v2" });
    else if ((m = MULTI.exec(name))) {
      const version = Number(m[1]);
      const total = Number(m[3]);
      const key = `${version}/${total}`;
      const entry = multi.get(key) ?? { version, total, parts: new Map<number, string>() };
      entry.parts.set(Number(m[2]), path.join(dir, name));
      multi.set(key, entry);
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
  return { tableRoot, commits, checkpoints, lastCheckpoint: readLastCheckpoint(dir, checkpoints) };
}

function readLastCheckpoint(dir: string, checkpoints: CheckpointFile[]): LastCheckpointHint | undefined {
  const file = path.join(dir, "_last_checkpoint");
  if (!fs.existsSync(file)) return undefined;
  let hint: LastCheckpointHint;
  try {
    const j = JSON.parse(fs.readFileSync(file, "utf8")) as { version?: unknown; parts?: number; v2Checkpoint?: { path?: string } };
    if (typeof j.version !== "number") throw new Error("no version");
    hint = { version: j.version, parts: j.parts, v2Path: j.v2Checkpoint?.path };
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
