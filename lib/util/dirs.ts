/** Folders the library writes into: created when missing, and refused with a clear error when they cannot be written. */
import * as fs from "node:fs";
import { StreamlabError, messageOf } from "../errors";

/**
 * Creates `dir` (with parents) and checks it is a writable folder; otherwise PATH_NOT_WRITABLE,
 * naming it as `role` (e.g. "a checkpointLocation") with `hint` for what to do.
 */
export function ensureWritableDir(dir: string, role = "a directory to write into", hint = "Choose a directory you can create and write, e.g. under data/."): void {
  try {
    fs.mkdirSync(dir, { recursive: true });
    fs.accessSync(dir, fs.constants.W_OK);
    if (!fs.statSync(dir).isDirectory()) throw new Error("not a directory");
  } catch (e) {
    throw new StreamlabError("PATH_NOT_WRITABLE", `Cannot use ${dir} as ${role}: ${messageOf(e)}.`, { hint, cause: e });
  }
}
