/**
 * Log cleanup (delta.logRetentionDuration, default 30 days): after a checkpoint, commits and
 * checkpoints older than the retention and older than that checkpoint are deleted. The newest
 * checkpoint and everything after it always stay, so the table stays readable; time travel to
 * the deleted versions is what retention gives up.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseInterval } from "./checkpoint-writer";
import { listLog } from "./log-segment";
import { logDir } from "./storage";

const DEFAULT_LOG_RETENTION_MS = 30 * 86_400_000;

export function cleanupExpiredLogs(tableRoot: string, checkpointVersion: number, configuration: Record<string, string | null>, now = Date.now()): number {
  if (configuration["delta.enableExpiredLogCleanup"] === "false") return 0;
  const conf = configuration["delta.logRetentionDuration"];
  const cutoff = now - (conf ? parseInterval(conf, "delta.logRetentionDuration") : DEFAULT_LOG_RETENTION_MS);
  const listing = listLog(tableRoot);
  let removed = 0;
  const expired = (p: string) => fs.statSync(p).mtimeMs <= cutoff;
  // Delete oldest first and stop at the first commit still inside the window: the log stays contiguous.
  for (const c of listing.commits) {
    if (c.version >= checkpointVersion || !expired(c.path)) break;
    fs.rmSync(c.path, { force: true });
    fs.rmSync(path.join(logDir(tableRoot), `.${path.basename(c.path)}.crc`), { force: true });
    fs.rmSync(path.join(logDir(tableRoot), `${String(c.version).padStart(20, "0")}.crc`), { force: true });
    removed++;
  }
  const oldestCommit = listLog(tableRoot).commits[0]?.version ?? checkpointVersion;
  for (const cp of listing.checkpoints) {
    if (cp.version < checkpointVersion && cp.version < oldestCommit && cp.paths.every(expired)) {
      for (const p of cp.paths) fs.rmSync(p, { force: true });
      removed++;
    }
  }
  return removed;
}
