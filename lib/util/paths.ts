/** Where the project's generated data lives (data/ beside package.json), wherever the caller runs from. */
import * as fs from "node:fs";
import * as path from "node:path";
import { listFiles as listDataFiles } from "./file-listing";

let root: string | undefined;
let installed: string | undefined;

/** The project root: $STREAMLAB_ROOT, else the folder holding Streamlab's package.json. */
export function projectRoot(): string {
  root ??= process.env.STREAMLAB_ROOT ? path.resolve(process.env.STREAMLAB_ROOT) : packageRoot();
  return root;
}

/** Where Streamlab itself is installed (its sql/, bin/): the nearest folder above the compiled lib/ whose package.json is Streamlab's. */
export function packageRoot(): string {
  if (installed) return installed;
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const pkg = path.join(dir, "package.json");
    if (fs.existsSync(pkg) && JSON.parse(fs.readFileSync(pkg, "utf8")).name === "streamlab") return (installed = dir);
    if (path.dirname(dir) === dir) return (installed = process.cwd());
  }
}

/** A path under data/, e.g. dataPath("raw", "events"). */
export function dataPath(...parts: string[]): string {
  return path.join(projectRoot(), "data", ...parts);
}

/** Removes and recreates a folder: notebooks start each demo from a clean slate. */
export function freshDir(dir: string): string {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** The data files in a folder (not hidden, not temporary), oldest first, with size and modification time. */
export function listFiles(dir: string): { name: string; path: string; bytes: number; modified: Date }[] {
  return listDataFiles(dir, { recursive: false }).map((f) => ({ name: path.basename(f.path), path: f.path, bytes: f.size, modified: new Date(f.modificationTime) }));
}
