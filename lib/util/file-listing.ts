/** Lists a landing folder as a file stream source sees it: data files only, oldest first. */
import * as fs from "node:fs";
import * as path from "node:path";
import { sqlString } from "../sql-text";
import { StreamlabError } from "../errors";

export interface ListedFile {
  path: string;
  size: number;
  modificationTime: number;
}

/** Hidden, temporary and marker files are never data: ".x", "_SUCCESS", "x.tmp", "x.crc", "x._COPYING_". */
export function isDataFileName(name: string): boolean {
  return !name.startsWith(".") && !name.startsWith("_") && !/\.(tmp|crc|partial|inprogress)$/i.test(name) && !name.endsWith("._COPYING_");
}

export function listFiles(dir: string, options: { recursive: boolean; filter?: RegExp; exclude?: string }): ListedFile[] {
  const out: ListedFile[] = [];
  const walk = (d: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return; // a folder removed while listing
    }
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) {
        if (options.recursive && isDataFileName(e.name) && p !== options.exclude) walk(p);
        continue;
      }
      if (!e.isFile() || !isDataFileName(e.name) || (options.filter && !options.filter.test(e.name))) continue;
      try {
        const st = fs.statSync(p);
        out.push({ path: p, size: st.size, modificationTime: Math.floor(st.mtimeMs) });
      } catch {
        /* gone between readdir and stat: the next listing decides */
      }
    }
  };
  walk(dir);
  return out.sort((a, b) => a.modificationTime - b.modificationTime || a.path.localeCompare(b.path));
}

/**
 * A file's path as DuckDB's readers take it literally. read_csv, read_text and read_parquet expand
 * globs in every path they are given ("a*.csv" also reads "ab.csv"; "[c].csv" reads "c.csv"); a
 * character class of one character matches just that character, so "*", "?" and "[" become "[*]",
 * "[?]" and "[[]". DuckDB also splits a glob at backslashes, so a path with both a backslash and a
 * glob character cannot be written literally: undefined, and the caller says so.
 */
export function duckPath(p: string): string | undefined {
  if (!/[*?[]/.test(p)) return p;
  if (p.includes("\\")) return undefined;
  return p.replace(/[*?[]/g, "[$&]");
}

/** A SQL list of files that DuckDB reads literally, never as globs. */
export function sqlFileList(paths: string[]): string {
  const literal = paths.map((p) => {
    const d = duckPath(p);
    if (d === undefined) {
      throw new StreamlabError("IO_ERROR", `DuckDB cannot read ${p} literally: its name has both a backslash and a glob character (*, ? or [).`, { hint: "Rename the file without them.", details: { file: p } });
    }
    return sqlString(d);
  });
  return `[${literal.join(", ")}]`;
}
