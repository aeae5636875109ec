/**
 * Tables by name under one base folder (data/delta by default): the "lakehouse" notebooks and
 * pipelines use, where `events_bronze` means data/delta/events_bronze. Names are checked, so a
 * name can never reach outside the base folder.
 */
import * as path from "node:path";
import type { Duck } from "../duck";
import { StreamlabError } from "../errors";
import { dataPath } from "../util/paths";
import { LOG_DIR } from "./log-path";
import { defaultStorage, type Storage } from "./storage";
import { DeltaTable } from "./table";

const NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*(\/[A-Za-z0-9_][A-Za-z0-9_.-]*)*$/;

export class DeltaCatalog {
  readonly base: string;
  constructor(base: string = dataPath("delta"), readonly duck?: Duck, readonly storage: Storage = defaultStorage) {
    this.base = path.resolve(base);
  }

  /** The folder of table `name`; throws INVALID_ARGUMENT for names that are absolute or climb with "..". */
  pathOf(name: string): string {
    if (typeof name !== "string" || name === "" || path.isAbsolute(name) || name.split(/[\\/]/).includes("..") || !NAME.test(name)) {
      throw new StreamlabError("INVALID_ARGUMENT", `"${name}" is not a valid table name.`, {
        hint: 'Use letters, digits, "_", "-" and "." (and "/" for sub-folders), e.g. "events_bronze"; absolute paths and ".." are not allowed here — use DeltaTable.forPath for a path.',
      });
    }
    const p = path.resolve(this.base, name);
    if (!p.startsWith(this.base + path.sep)) throw new StreamlabError("INVALID_ARGUMENT", `"${name}" points outside ${this.base}.`);
    return p;
  }

  table(name: string): DeltaTable {
    return DeltaTable.forPath(this.pathOf(name), this.duck);
  }

  /** Names of the Delta tables under the base folder. */
  list(): string[] {
    if (!this.storage.stat(this.base)?.isDirectory) return [];
    const out: string[] = [];
    const walk = (dir: string, prefix: string) => {
      for (const e of this.storage.list(dir)) {
        if (!e.isDirectory || e.name.startsWith(".") || e.name.startsWith("_")) continue;
        if (this.storage.exists(path.join(e.path, LOG_DIR))) out.push(prefix + e.name);
        else walk(e.path, `${prefix}${e.name}/`);
      }
    };
    walk(this.base, "");
    return out.sort();
  }
}
