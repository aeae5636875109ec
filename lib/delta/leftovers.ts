/**
 * What crashed writers leave in a table: staging folders in the root (`_streamlab_staging_…`)
 * and hidden temporaries in `_delta_log/` (a commit or checkpoint that was never put in place).
 * None of them is ever part of the table; each name records its owner's pid, so a write removes
 * those whose owner is gone, and VACUUM those older than the retention. A live writer's are
 * never touched.
 */
import * as os from "node:os";
import * as path from "node:path";
import { logDir } from "./log-path";
import { isStagingName, leftoverOwner, processAlive, type FileEntry, type Storage } from "./storage";

/** Leftovers whose owner is unknown (written before names carried a pid) wait this long: no write takes a day. */
export const UNKNOWN_OWNER_AGE_MS = 24 * 3_600_000;

export interface Leftover {
  entry: FileEntry;
  /** Its owner, null when the name does not say. */
  owner: number | null;
  /** The newest modification time in it (a staging folder's files count). */
  mtimeMs: number;
  /** The files it holds (itself for a file), for VACUUM's report. */
  files: FileEntry[];
}

function filesUnder(storage: Storage, entry: FileEntry): FileEntry[] {
  if (!entry.isDirectory) return [entry];
  return storage.list(entry.path).flatMap((e) => filesUnder(storage, e));
}

/** The staging folders and log temporaries of `root`, with their owners. */
export function findLeftovers(root: string, storage: Storage): Leftover[] {
  const candidates: FileEntry[] = [];
  if (storage.stat(root)?.isDirectory) candidates.push(...storage.list(root).filter((e) => e.isDirectory && isStagingName(e.name)));
  const log = logDir(root);
  if (storage.stat(log)?.isDirectory) candidates.push(...storage.list(log).filter((e) => !e.isDirectory && e.name.startsWith(".") && e.name.endsWith(".tmp")));
  const out: Leftover[] = [];
  for (const entry of candidates) {
    const owner = leftoverOwner(entry.name);
    if (owner === undefined) continue;
    try {
      const files = filesUnder(storage, entry);
      const mtimeMs = Math.max(entry.mtimeMs, ...files.map((f) => f.mtimeMs));
      out.push({ entry, owner, mtimeMs, files: entry.isDirectory ? files : [entry] });
    } catch {
      /* gone meanwhile: its owner finished */
    }
  }
  return out;
}

/** Removes one leftover; another cleaner may have been quicker, which is fine. */
function removeLeftover(storage: Storage, l: Leftover): void {
  storage.remove(l.entry.path, { recursive: l.entry.isDirectory });
}

/**
 * Before a write: removes the leftovers of writers that are gone (owner pid dead, or no owner
 * recorded and older than a day). Returns how many it removed.
 */
export function cleanupLeftovers(root: string, storage: Storage, now = Date.now()): number {
  let removed = 0;
  for (const l of findLeftovers(root, storage)) {
    const gone = l.owner === null ? now - l.mtimeMs > UNKNOWN_OWNER_AGE_MS : !processAlive(l.owner);
    if (!gone) continue;
    removeLeftover(storage, l);
    removed++;
  }
  sweepSystemTemp(storage);
  return removed;
}

/** VACUUM's share: leftovers of writers not running any more and last touched before `cutoff`. */
export function expiredLeftovers(root: string, storage: Storage, cutoff: number): Leftover[] {
  return findLeftovers(root, storage).filter((l) => l.mtimeMs <= cutoff && (l.owner === null || !processAlive(l.owner)));
}

export function removeLeftovers(storage: Storage, leftovers: Leftover[]): void {
  for (const l of leftovers) removeLeftover(storage, l);
}

/**
 * Older Streamlab versions staged rows and checkpoints in the system temp folder
 * (`streamlab-rows-PID-…`, `streamlab-checkpoint-PID-…`); a crash left them there for good.
 * Once per process, the files of dead owners are removed.
 */
let sweptSystemTemp = false;
const SYSTEM_TEMP = /^streamlab-(?:rows|checkpoint)-(\d+)-[0-9a-z.-]+\.json$/;

function sweepSystemTemp(storage: Storage): void {
  if (sweptSystemTemp) return;
  sweptSystemTemp = true;
  try {
    for (const e of storage.list(os.tmpdir())) {
      const m = SYSTEM_TEMP.exec(e.name);
      if (m && !e.isDirectory && !processAlive(Number(m[1]))) storage.remove(path.join(os.tmpdir(), e.name));
    }
  } catch {
    /* the system temp folder is not ours: never fail a write over it */
  }
}
