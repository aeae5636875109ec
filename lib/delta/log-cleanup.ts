/**
 * Log cleanup (delta.logRetentionDuration, default 30 days): after a checkpoint, commits and
 * checkpoints older than the retention and older than that checkpoint are deleted. The newest
 * checkpoint and everything after it always stay, so the table stays readable; time travel to
 * the deleted versions is what retention gives up.
 */
import * as path from "node:path";
import { parseInterval } from "./checkpoint-writer";
import { crcFileName, hadoopCrcFileName, logDir } from "./log-path";
import { listLog, type CheckpointFile } from "./log-segment";
import { defaultStorage, type Storage } from "./storage";

const DEFAULT_LOG_RETENTION_MS = 30 * 86_400_000;

/**
 * By table, what this process saw at its last cleanup: the modification time of the oldest log file
 * left. Files only get newer, so until the cutoff passes it nothing can have expired, and a writer
 * that checkpoints often (a stream) does not list the whole log after each checkpoint.
 */
const oldestLeft = new Map<string, number>();

export function cleanupExpiredLogs(tableRoot: string, checkpointVersion: number, configuration: Record<string, string | null>, now = Date.now(), storage: Storage = defaultStorage): number {
  if (configuration["delta.enableExpiredLogCleanup"] === "false") return 0;
  const conf = configuration["delta.logRetentionDuration"];
  const cutoff = now - (conf ? parseInterval(conf, "delta.logRetentionDuration") : DEFAULT_LOG_RETENTION_MS);
  if ((oldestLeft.get(tableRoot) ?? -Infinity) > cutoff) return 0;
  const dir = logDir(tableRoot);
  const listing = listLog(tableRoot, storage);
  let removed = 0;
  const expired = (p: string) => (storage.stat(p)?.mtimeMs ?? Infinity) <= cutoff;
  // Delete oldest first and stop at the first commit still inside the window: the log stays contiguous.
  for (const c of listing.commits) {
    if (c.version >= checkpointVersion || !(c.mtimeMs <= cutoff)) break;
    storage.remove(c.path);
    storage.remove(path.join(dir, hadoopCrcFileName(path.basename(c.path))));
    storage.remove(path.join(dir, crcFileName(c.version)));
    removed++;
  }
  const left = listLog(tableRoot, storage);
  const oldestCommit = left.commits[0]?.version ?? checkpointVersion;
  // Checkpoints are listed newest first: the last one kept is the oldest still there.
  let oldestCheckpoint: CheckpointFile | undefined;
  for (const cp of listing.checkpoints) {
    if (cp.version < checkpointVersion && cp.version < oldestCommit && cp.paths.every(expired)) {
      for (const p of cp.paths) storage.remove(p);
      removed++;
    } else oldestCheckpoint = cp;
  }
  const times = [left.commits[0]?.mtimeMs, ...(oldestCheckpoint?.paths.map((p) => storage.stat(p)?.mtimeMs) ?? [])].filter((t): t is number => t !== undefined);
  if (times.length > 0) oldestLeft.set(tableRoot, Math.min(...times));
  return removed;
}
