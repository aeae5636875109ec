/** Looking inside a checkpoint folder (for notebooks and debugging): batches, their offsets, commits and files. */
import * as fs from "node:fs";
import * as path from "node:path";
import { loggedFiles, logOffsetOf } from "../sources/file-source-log";

export interface CheckpointBatch {
  batchId: number;
  /** The source's end offset for the batch (offsets/N). */
  endOffset: string;
  /** commits/N exists. */
  committed: boolean;
  /** For file sources: the files the batch read (sources/0). */
  files: string[];
}

/** One row per batch in offsets/, with its commit status and (file source) files. */
export function checkpointBatches(dir: string): CheckpointBatch[] {
  const offsets = path.join(dir, "offsets");
  if (!fs.existsSync(offsets)) return [];
  const ids = fs.readdirSync(offsets).filter((f) => /^\d+$/.test(f)).map(Number).sort((a, b) => a - b);
  let prevLog = -1;
  return ids.map((batchId) => {
    const endOffset = fs.readFileSync(path.join(offsets, String(batchId)), "utf8").split("\n")[2] ?? "";
    let files: string[] = [];
    if (/"logOffset":/.test(endOffset)) {
      const end = logOffsetOf(endOffset);
      files = loggedFiles(path.join(dir, "sources", "0"), prevLog, end).map((f) => path.basename(f.path));
      prevLog = end;
    }
    return { batchId, endOffset, committed: fs.existsSync(path.join(dir, "commits", String(batchId))), files };
  });
}

/** Every file under a checkpoint folder with its size: the layout Spark users know. */
export function checkpointTree(dir: string): { path: string; bytes: number }[] {
  const out: { path: string; bytes: number }[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }))) {
      const p = path.join(d, e.name);
      if (e.name.startsWith(".")) continue;
      if (e.isDirectory()) walk(p);
      else out.push({ path: path.relative(dir, p), bytes: fs.statSync(p).size });
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return out;
}
