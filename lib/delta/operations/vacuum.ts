/**
 * VACUUM: deletes data files the table no longer references and that are older than the
 * retention window (default 7 days, delta.deletedFileRetentionDuration). Files any version
 * inside the window may need — active files, their deletion vectors, recently removed files,
 * and files written by commits still in progress — are never deleted. Staging folders and log
 * temporaries of crashed writers older than the window go too (a live writer's never).
 */
import * as path from "node:path";
import { StreamlabError } from "../../errors";
import { parseInterval } from "../checkpoint-writer";
import { dvFilePath } from "../deletion-vectors";
import { expiredLeftovers, removeLeftovers } from "../leftovers";
import type { Snapshot } from "../snapshot";
import { LOG_DIR } from "../log-path";
import { isStagingName, type FileEntry, type Storage } from "../storage";
import { checkWritable } from "../table-features";

export interface VacuumOptions {
  /** Keep files removed less than this many hours ago. Default: the table's retention (7 days). */
  retentionHours?: number;
  /** List what would be deleted without deleting. */
  dryRun?: boolean;
  /** Allow a retention shorter than the table's (it can break time travel and concurrent readers). */
  retentionCheckEnabled?: boolean;
}

export interface VacuumResult {
  dryRun: boolean;
  retentionHours: number;
  /** Paths (relative to the table) deleted, or that would be. */
  files: string[];
  bytes: number;
}

const DEFAULT_RETENTION_MS = 7 * 24 * 3_600_000;

function walk(storage: Storage, dir: string, out: FileEntry[]): void {
  for (const e of storage.list(dir)) {
    // Hidden and underscore entries are not data (the log, staging folders, .crc files), except _change_data.
    if (e.name === LOG_DIR || ((e.name.startsWith(".") || e.name.startsWith("_")) && e.name !== "_change_data")) continue;
    if (e.isDirectory) walk(storage, e.path, out);
    else out.push(e);
  }
}

export function vacuum(snapshot: Snapshot, options: VacuumOptions = {}, now = Date.now()): VacuumResult {
  checkWritable(snapshot.protocol, snapshot.metadata, snapshot.tableRoot);
  const conf = snapshot.configuration["delta.deletedFileRetentionDuration"];
  const tableRetentionMs = conf ? parseInterval(conf, "delta.deletedFileRetentionDuration") : DEFAULT_RETENTION_MS;
  const retentionMs = options.retentionHours === undefined ? tableRetentionMs : options.retentionHours * 3_600_000;
  if (!(retentionMs >= 0)) throw new StreamlabError("INVALID_OPTION", `retentionHours must be a non-negative number, got ${options.retentionHours}.`);
  if (retentionMs < tableRetentionMs && options.retentionCheckEnabled !== false) {
    throw new StreamlabError("DELTA_RETENTION_TOO_SHORT", `A retention of ${retentionMs / 3_600_000} hours is shorter than the table's ${tableRetentionMs / 3_600_000} hours: VACUUM could delete files that readers or time travel still need.`, {
      hint: "Keep the default, or pass retentionCheckEnabled: false (CLI: --force) if you are sure no reader or writer uses older versions.",
    });
  }
  const root = snapshot.tableRoot;
  const storage = snapshot.storage;
  const keep = new Set<string>();
  for (const a of snapshot.files) {
    keep.add(path.resolve(snapshot.filePath(a)));
    if (a.deletionVector && a.deletionVector.storageType !== "i") keep.add(path.resolve(dvFilePath(root, a.deletionVector)));
  }
  const cutoff = now - retentionMs;
  const recentTombstones = new Set(
    snapshot.tombstones.filter((r) => (r.deletionTimestamp ?? now) > cutoff).map((r) => path.resolve(snapshot.filePath({ ...r, partitionValues: {}, size: 0, modificationTime: 0, dataChange: true }))),
  );
  const all: FileEntry[] = [];
  walk(storage, root, all);
  const doomed: string[] = [];
  let bytes = 0;
  for (const e of all) {
    const abs = path.resolve(e.path);
    if (keep.has(abs) || recentTombstones.has(abs)) continue;
    // Untracked files younger than the window may belong to a commit in progress.
    if (e.mtimeMs > cutoff) continue;
    doomed.push(path.relative(root, e.path));
    bytes += e.size;
  }
  const leftovers = expiredLeftovers(root, storage, cutoff);
  for (const l of leftovers) {
    for (const f of l.files) {
      doomed.push(path.relative(root, f.path));
      bytes += f.size;
    }
  }
  if (!options.dryRun) {
    for (const rel of doomed) storage.remove(path.join(root, rel));
    removeLeftovers(storage, leftovers);
    removeEmptyDirs(storage, root);
  }
  return { dryRun: Boolean(options.dryRun), retentionHours: retentionMs / 3_600_000, files: doomed.sort(), bytes };
}

function removeEmptyDirs(storage: Storage, dir: string): void {
  for (const e of storage.list(dir)) {
    // A staging folder is empty for a moment when its writer has just made it: leftovers are handled above.
    if (!e.isDirectory || e.name === LOG_DIR || e.name.startsWith(".") || isStagingName(e.name)) continue;
    removeEmptyDirs(storage, e.path);
    storage.removeEmptyDir(e.path);
  }
}
