/** Looking inside a checkpoint folder (for notebooks, the main job's figures and debugging): batches, their offsets, commits and files. */
import * as fs from "node:fs";
import * as path from "node:path";
import { Checkpoint, type BatchDescriber, type RecordedBatch } from "../stream/checkpoint";
import { FileSourceLog } from "../sources/file-source-log";

export interface CheckpointBatch {
  batchId: number;
  /** The source's end offset for the batch (offsets/N). */
  endOffset: string;
  /** commits/N exists. */
  committed: boolean;
  /** For file sources: the names of the files the batch read. */
  files: string[];
}

/**
 * Readers of each source's own log, by what the checkpoint's metadata says the query read: a file
 * source (FileStreamSource's identity "files:…") describes its batches from its log; other
 * sources keep no per-batch log to read without the source itself.
 */
function sourceLogs(ck: Checkpoint): (BatchDescriber | undefined)[] {
  const sources = ck.readMetadata()?.shape?.sources ?? [];
  return sources.map((identity, i) => (identity.startsWith("files:") ? new FileSourceLog(ck.sourceDir(i)) : undefined));
}

/** Checkpoint.batches() of the checkpoint at `dir`, each file source describing its batches (files with size and modification time). */
export function describeCheckpoint(dir: string): RecordedBatch[] {
  if (!fs.existsSync(dir)) return [];
  const ck = Checkpoint.inspect(dir);
  return ck.batches(sourceLogs(ck));
}

/** One row per batch in offsets/, with its commit status and (file source) files. */
export function checkpointBatches(dir: string): CheckpointBatch[] {
  return describeCheckpoint(dir).map((b) => ({
    batchId: b.batchId,
    endOffset: b.offsets[0] ?? "",
    committed: b.committed,
    files: (b.sources[0]?.files ?? []).map((f) => path.basename(f.path)),
  }));
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
