/** Lists a landing folder as a file stream source sees it: data files only, oldest first. */
import * as fs from "node:fs";
import * as path from "node:path";

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
