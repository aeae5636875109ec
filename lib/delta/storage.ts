/**
 * The storage side of the Delta "engine": listing and reading log files on the local file
 * system, and resolving the (URL-encoded, relative or absolute) paths found in the log.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { StreamlabError, messageOf } from "../errors";

export const LOG_DIR = "_delta_log";

export function logDir(tableRoot: string): string {
  return path.join(tableRoot, LOG_DIR);
}

/** Reads a text file, with a clear error naming it. */
export function readText(file: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new StreamlabError("IO_ERROR", `Cannot read ${file}: ${messageOf(e)}.`, { cause: e });
  }
}

/**
 * Resolves a path from the log to a local file path. Relative paths are URL-encoded and
 * relative to the table root; absolute ones are URIs (file:/..., file:///...).
 */
export function resolveDataPath(tableRoot: string, p: string): string {
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

/** A file name under the table root, URL-encoded as Delta writers encode `add.path`. */
export function encodeDataPath(relative: string): string {
  return relative
    .split("/")
    // URI path-segment encoding: sub-delimiters such as "=" and "+" stay as they are (as in Spark's paths).
    .map((seg) => encodeURIComponent(seg).replace(/%(24|26|2B|2C|3B|3D|3A|40)/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16))))
    .join("/");
}
