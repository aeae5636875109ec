/**
 * An exclusive lock a process holds on a folder (a checkpoint, an embedded database) while it
 * uses it: a `.lock` file created put-if-absent, naming the holder's host and pid. A lock left by
 * a process that no longer runs (killed, crashed) is taken over; a live holder is refused at once.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { StreamlabError, type ErrorCode } from "../errors";
import { createFileExclusive } from "./atomic-file";

export interface LockHolder {
  pid: number;
  host: string;
  since: string;
  /** What the holder uses the folder for, e.g. "streaming query events_bronze". */
  purpose: string;
}

export interface ProcessLock {
  readonly file: string;
  release(): void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readHolder(file: string): LockHolder | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as LockHolder;
  } catch {
    return undefined; // gone, or written by nobody we know: treated as stale
  }
}

/** Locks held by this process, by file: a second acquire in the same process is refused like any other. */
const held = new Set<string>();

/**
 * Takes the lock file `<dir>/.lock` (or `name`), or throws `code` naming the folder and the holder.
 * `what` names the folder's role in the message ("the checkpoint", "the embedded database").
 */
export function acquireLock(dir: string, o: { purpose: string; what: string; code: ErrorCode; hint: string; name?: string }): ProcessLock {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, o.name ?? ".lock");
  const me: LockHolder = { pid: process.pid, host: os.hostname(), since: new Date().toISOString(), purpose: o.purpose };
  for (let attempt = 0; attempt < 3; attempt++) {
    if (!held.has(file) && createFileExclusive(file, JSON.stringify(me))) {
      held.add(file);
      let released = false;
      return {
        file,
        release() {
          if (released) return;
          released = true;
          held.delete(file);
          const h = readHolder(file);
          if (h && h.pid === me.pid && h.since === me.since) fs.rmSync(file, { force: true });
        },
      };
    }
    const holder = readHolder(file);
    const mine = held.has(file);
    const live = mine || (holder !== undefined && (holder.host !== me.host || alive(holder.pid)));
    if (live) {
      throw new StreamlabError(o.code, `${o.what} ${dir} is in use by ${mine ? "another query in this process" : `process ${holder!.pid} on ${holder!.host} (${holder!.purpose}, since ${holder!.since})`}.`, {
        hint: o.hint,
        details: { path: dir, lockFile: file, holder: mine ? { pid: process.pid } : holder },
      });
    }
    // The holder is gone (killed or crashed): take the lock over under a guard file, so two processes
    // taking over at once cannot both remove the lock (one would remove the other's fresh lock).
    const guard = `${file}.takeover`;
    if (createFileExclusive(guard, JSON.stringify(me))) {
      try {
        const again = readHolder(file);
        if (!again || (again.pid === holder?.pid && again.since === holder?.since)) fs.rmSync(file, { force: true });
      } finally {
        fs.rmSync(guard, { force: true });
      }
    } else {
      const g = readHolder(guard);
      if (!g || (g.host === me.host && !alive(g.pid))) fs.rmSync(guard, { force: true }); // a takeover that died half-way
    }
  }
  throw new StreamlabError(o.code, `Could not take the lock ${file}: other processes keep taking it.`, { hint: o.hint, details: { path: dir, lockFile: file } });
}
