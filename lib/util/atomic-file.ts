/**
 * Atomic small-file writes: a temporary name in the same folder, fsync, then either a rename
 * (replace) or a hard link (create only if absent). A reader never sees half a file.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

function writeTemp(file: string, text: string | Buffer): string {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${crypto.randomUUID()}.tmp`);
  const fd = fs.openSync(tmp, "w");
  try {
    fs.writeSync(fd, typeof text === "string" ? Buffer.from(text) : text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  return tmp;
}

/** Writes `text` to `file`, replacing it atomically. */
export function writeFileAtomic(file: string, text: string): void {
  fs.renameSync(writeTemp(file, text), file);
}

/**
 * Creates `file` with `text` only if no file of that name exists (put-if-absent); returns false
 * when one does. `mtime` sets the file's modification time before it appears.
 */
export function createFileExclusive(file: string, text: string | Buffer, mtime?: Date): boolean {
  const tmp = writeTemp(file, text);
  try {
    if (mtime) fs.utimesSync(tmp, mtime, mtime);
    fs.linkSync(tmp, file);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw e;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}
