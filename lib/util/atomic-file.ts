/**
 * Atomic small-file writes: a temporary name in the same folder, fsync, then either a rename
 * (replace) or a hard link (create only if absent). A reader never sees half a file.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

export interface CreateOptions {
  /** The file's modification time, set before it appears. */
  mtime?: Date;
  /**
   * Create the folder when it does not exist. The folder is made only when the first attempt finds
   * it missing, so a log written entry after entry pays for no mkdir on each one.
   */
  makeDir?: boolean;
}

/** A hidden temporary beside `file`, named after this process (a crashed writer's is recognised). */
function tempName(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${crypto.randomUUID()}.tmp`);
}

function openTemp(file: string, makeDir: boolean): { tmp: string; fd: number } {
  const tmp = tempName(file);
  try {
    return { tmp, fd: fs.openSync(tmp, "w") };
  } catch (e) {
    if (!makeDir || (e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    return { tmp, fd: fs.openSync(tmp, "w") };
  }
}

function writeTemp(file: string, text: string | Buffer, makeDir = false): string {
  const { tmp, fd } = openTemp(file, makeDir);
  try {
    fs.writeSync(fd, typeof text === "string" ? Buffer.from(text) : text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  return tmp;
}

/** Removes a temporary that may already be gone. */
function unlinkQuietly(file: string): void {
  try {
    fs.unlinkSync(file);
  } catch {
    /* already gone */
  }
}

/** Writes `text` to `file`, replacing it atomically. */
export function writeFileAtomic(file: string, text: string): void {
  const tmp = writeTemp(file, text);
  try {
    fs.renameSync(tmp, file);
  } catch (e) {
    unlinkQuietly(tmp);
    throw e;
  }
}

/**
 * createFileExclusive() off the main thread (each step in libuv's pool): for a caller with other
 * work to do meanwhile, e.g. a write-ahead entry made durable while the batch it names is read.
 */
export async function createFileExclusiveAsync(file: string, text: string, options: CreateOptions = {}): Promise<boolean> {
  const tmp = tempName(file);
  const open = () => fs.promises.open(tmp, "w");
  let handle: fs.promises.FileHandle;
  try {
    handle = await open();
  } catch (e) {
    if (!options.makeDir || (e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    await fs.promises.mkdir(path.dirname(file), { recursive: true });
    handle = await open();
  }
  try {
    try {
      await handle.writeFile(text);
      await handle.sync();
      if (options.mtime) await handle.utimes(options.mtime, options.mtime);
    } finally {
      await handle.close();
    }
    await fs.promises.link(tmp, file);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw e;
  } finally {
    await fs.promises.unlink(tmp).catch(() => {});
  }
}

/**
 * Creates `file` with `text` only if no file of that name exists (put-if-absent); returns false
 * when one does.
 */
export function createFileExclusive(file: string, text: string | Buffer, options: CreateOptions = {}): boolean {
  const tmp = writeTemp(file, text, options.makeDir);
  try {
    if (options.mtime) fs.utimesSync(tmp, options.mtime, options.mtime);
    fs.linkSync(tmp, file);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw e;
  } finally {
    unlinkQuietly(tmp);
  }
}
