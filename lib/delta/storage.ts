/**
 * The storage side of the Delta "engine" (delta-kernel-rs's StorageHandler): the one place the
 * protocol code reaches the file system — listing, reading, put-if-absent, atomic replace,
 * rename, remove — plus resolving the (URL-encoded, relative or absolute) paths of the log.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { StreamlabError, messageOf } from "../errors";
import { createFileExclusive, writeFileAtomic } from "../util/atomic-file";

/** One entry of a folder listing. `size` and `mtimeMs` are read on first use (a log can hold thousands of files). */
export interface FileEntry {
  name: string;
  path: string;
  isDirectory: boolean;
  readonly size: number;
  readonly mtimeMs: number;
}

/** What the protocol code needs from a file system. Every failure is a StreamlabError naming the file. */
export interface Storage {
  /** The entries of `dir`, sorted by name. Throws PATH_NOT_FOUND when `dir` is not a folder. */
  list(dir: string): FileEntry[];
  /** The entry at `p`, or undefined when nothing is there. */
  stat(p: string): FileEntry | undefined;
  exists(p: string): boolean;
  readText(p: string): string;
  readBytes(p: string): Buffer;
  /** Creates `p` with `data` only if nothing has that name (a fully written, fsynced temp file is hard-linked); false when present. Makes `p`'s folder when it is missing. */
  putIfAbsent(p: string, data: string | Buffer, mtime?: Date): boolean;
  /** Replaces `p` atomically: temp file, fsync, rename. Readers see the old or the new content, never half. */
  writeAtomic(p: string, text: string): void;
  /** A plain write, no fsync: only for a writer's own temporaries, which no reader ever sees. */
  writeTemporary(p: string, data: string | Buffer): void;
  /** Flushes a file written by someone else (DuckDB) to disk before it is renamed into place. */
  sync(p: string): void;
  rename(from: string, to: string): void;
  /** Removes a file or (recursive) a folder; nothing there is fine. */
  remove(p: string, options?: { recursive?: boolean }): void;
  /** Removes `dir` only if it is empty; true when it did. */
  removeEmptyDir(dir: string): boolean;
  mkdir(dir: string): void;
  setTimes(p: string, mtime: Date): void;
}

function ioError(what: string, p: string, e: unknown): StreamlabError {
  return new StreamlabError("IO_ERROR", `Cannot ${what} ${p}: ${messageOf(e)}.`, {
    hint: "Check that the path exists, is readable and writable, and that the disk is not full.",
    cause: e,
    details: { path: p },
  });
}

class LocalEntry implements FileEntry {
  private st?: fs.Stats;
  constructor(readonly name: string, readonly path: string, readonly isDirectory: boolean, st?: fs.Stats) {
    this.st = st;
  }
  private stats(): fs.Stats {
    if (!this.st) {
      try {
        this.st = fs.statSync(this.path);
      } catch (e) {
        throw ioError("stat", this.path, e);
      }
    }
    return this.st;
  }
  get size(): number {
    return this.stats().size;
  }
  get mtimeMs(): number {
    return this.stats().mtimeMs;
  }
}

/** The local file system. */
export class LocalStorage implements Storage {
  list(dir: string): FileEntry[] {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR") throw new StreamlabError("PATH_NOT_FOUND", `No folder at ${dir}.`, { cause: e, details: { path: dir } });
      throw ioError("list", dir, e);
    }
    // One join for the folder, not one per entry (a log folder holds thousands).
    const prefix = path.join(dir, path.sep);
    return entries
      .map((e) => new LocalEntry(e.name, prefix + e.name, e.isDirectory()))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  stat(p: string): FileEntry | undefined {
    let st: fs.Stats;
    try {
      st = fs.statSync(p);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR") return undefined;
      throw ioError("stat", p, e);
    }
    return new LocalEntry(path.basename(p), p, st.isDirectory(), st);
  }

  exists(p: string): boolean {
    return this.stat(p) !== undefined;
  }

  readText(p: string): string {
    try {
      return fs.readFileSync(p, "utf8");
    } catch (e) {
      throw ioError("read", p, e);
    }
  }

  readBytes(p: string): Buffer {
    try {
      return fs.readFileSync(p);
    } catch (e) {
      throw ioError("read", p, e);
    }
  }

  putIfAbsent(p: string, data: string | Buffer, mtime?: Date): boolean {
    try {
      return createFileExclusive(p, data, { mtime, makeDir: true });
    } catch (e) {
      throw ioError("create", p, e);
    }
  }

  writeAtomic(p: string, text: string): void {
    try {
      writeFileAtomic(p, text);
    } catch (e) {
      throw ioError("write", p, e);
    }
  }

  writeTemporary(p: string, data: string | Buffer): void {
    try {
      fs.writeFileSync(p, data);
    } catch (e) {
      throw ioError("write", p, e);
    }
  }

  sync(p: string): void {
    try {
      const fd = fs.openSync(p, "r+");
      try {
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
    } catch (e) {
      throw ioError("flush", p, e);
    }
  }

  rename(from: string, to: string): void {
    try {
      fs.renameSync(from, to);
    } catch (e) {
      throw ioError(`move ${from} to`, to, e);
    }
  }

  remove(p: string, options: { recursive?: boolean } = {}): void {
    try {
      fs.rmSync(p, { force: true, recursive: options.recursive ?? false });
    } catch (e) {
      throw ioError("remove", p, e);
    }
  }

  removeEmptyDir(dir: string): boolean {
    try {
      fs.rmdirSync(dir);
      return true;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "ENOTEMPTY" || code === "EEXIST" || code === "ENOENT") return false;
      throw ioError("remove", dir, e);
    }
  }

  mkdir(dir: string): void {
    try {
      fs.mkdirSync(dir, { recursive: true });
    } catch (e) {
      throw ioError("create the folder", dir, e);
    }
  }

  setTimes(p: string, mtime: Date): void {
    try {
      fs.utimesSync(p, mtime, mtime);
    } catch (e) {
      throw ioError("set the time of", p, e);
    }
  }
}

/** The storage every table uses unless given another (tests may pass one that fails on purpose). */
export const defaultStorage: Storage = new LocalStorage();

// --- Temporary files and staging folders, owned by a process ------------------------------------

/**
 * Temporary names carry their owner's pid, so a later writer can tell a crashed writer's
 * leftovers (owner gone) from a live writer's work in progress. `.NAME.PID.UUID.tmp` is the
 * recipe of lib/util/atomic-file (the temp file of put-if-absent and atomic replace) and of
 * tempPathFor; `.NAME.PID.tmp` is what older checkpoint writers left.
 */
const TEMP_FILE = [/^\..+\.(\d+)\.[0-9a-fA-F-]{36}\.tmp$/, /^\..+\.(\d+)\.tmp$/];
/** `_streamlab_staging_PID_UUID` (older writers: `_streamlab_staging_UUID`, no owner recorded). */
export const STAGING_PREFIX = "_streamlab_staging_";
const STAGING = /^_streamlab_staging_(?:(\d+)_)?[0-9a-f-]{36}$/;

/** A temporary name beside `file` owned by this process (same folder, so a rename is atomic). */
export function tempPathFor(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${crypto.randomUUID()}.tmp`);
}

/** A new staging folder name under `root`, owned by this process. */
export function stagingPathIn(root: string): string {
  return path.join(root, `${STAGING_PREFIX}${process.pid}_${crypto.randomUUID()}`);
}

/** The owner of a temporary file or staging folder: a pid, null when the name records none, undefined when it is not one. */
export function leftoverOwner(name: string): number | null | undefined {
  for (const re of TEMP_FILE) {
    const t = re.exec(name);
    if (t) return Number(t[1]);
  }
  const m = STAGING.exec(name);
  if (m) return m[1] === undefined ? null : Number(m[1]);
  return undefined;
}

export function isStagingName(name: string): boolean {
  return STAGING.test(name);
}

/** True while process `pid` runs on this machine (EPERM: it runs as another user). */
export function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

// --- Paths found in the log ----------------------------------------------------------------------

/**
 * Resolves a path from the log to a local file path. Relative paths are URL-encoded and
 * relative to the table root; absolute ones are URIs (file:/..., file:///...).
 */
export function resolveDataPath(tableRoot: string, p: string): string {
  // The common case, without path.join's normalising: a plain relative path (no escapes, no scheme,
  // no "." or ".." segment, no empty one) under a resolved root.
  if (path.sep === "/" && !NOT_PLAIN.test(p) && isResolvedRoot(tableRoot)) return `${tableRoot}/${p}`;
  if (/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(p)) {
    if (!p.startsWith("file:")) {
      throw new StreamlabError("DELTA_UNSUPPORTED_FEATURE", `The log references a file on remote storage (${p}); Streamlab reads local tables only.`, {
        details: { feature: "remote storage" },
      });
    }
    // file:/a/b and file:///a/b are both local absolute paths.
    return fileURLToPath(p.startsWith("file:///") ? p : `file://${p.slice("file:".length)}`);
  }
  return path.join(tableRoot, decodeURIComponent(p));
}

/** What makes a relative path need resolving: an escape, a scheme's colon, an absolute or empty path, an empty, "." or ".." segment. */
const NOT_PLAIN = /[%:]|^$|^\/|\/\/|\/$|(?:^|\/)\.\.?(?:\/|$)/;

let resolvedRoot: string | undefined;

/** Whether `root` is what path.resolve gives (absolute, normalised, no trailing "/"), remembering the last one found so. */
function isResolvedRoot(root: string): boolean {
  if (root === resolvedRoot) return true;
  if (root.length < 2 || !root.startsWith("/") || NOT_PLAIN.test(root.slice(1))) return false;
  resolvedRoot = root;
  return true;
}

/** A file name under the table root, URL-encoded as Delta writers encode `add.path`. */
export function encodeDataPath(relative: string): string {
  return relative
    .split("/")
    // URI path-segment encoding: sub-delimiters such as "=" and "+" stay as they are (as in Spark's paths).
    .map((seg) => encodeURIComponent(seg).replace(/%(24|26|2B|2C|3B|3D|3A|40)/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16))))
    .join("/");
}
