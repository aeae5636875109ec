/**
 * The checkpoint folder of a streaming query, laid out as Spark's: `metadata` (the query id),
 * `offsets/N` (the write-ahead log: what batch N reads, written before it runs), `commits/N`
 * (written after its sink committed), `sources/<i>/` (each source's own log) and `state/`.
 * Every file is written to a temporary name and renamed, so a crash never leaves half a file.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { StreamlabError } from "../errors";
import { writeFileAtomic } from "../util/atomic-file";
import { ensureWritableDir } from "../util/dirs";
import { CommitLog } from "./commit-log";
import { OffsetSeqLog } from "./offset-log";

export { BatchLog } from "./batch-log";
export { CommitLog } from "./commit-log";
export { OffsetSeqLog, type OffsetSeq, type OffsetSeqMetadata } from "./offset-log";

export interface CheckpointMetadata {
  id: string;
  /** What the query reads and writes, to refuse a checkpoint of a differently shaped query. */
  shape?: { sources: string[]; sink: string };
}

export class Checkpoint {
  readonly offsets: OffsetSeqLog;
  readonly commits: CommitLog;

  constructor(readonly dir: string) {
    ensureWritableDir(dir, "a checkpointLocation", "Choose a folder the query can create and write, e.g. under data/checkpoints/.");
    this.offsets = new OffsetSeqLog(path.join(dir, "offsets"));
    this.commits = new CommitLog(path.join(dir, "commits"));
  }

  sourceDir(i: number): string {
    const d = path.join(this.dir, "sources", String(i));
    fs.mkdirSync(d, { recursive: true });
    return d;
  }

  stateDir(operatorId: number): string {
    const d = path.join(this.dir, "state", String(operatorId));
    fs.mkdirSync(d, { recursive: true });
    return d;
  }

  /** Reads `metadata`, or creates it with a new query id. Refuses a checkpoint of another query shape. */
  metadata(shape: { sources: string[]; sink: string }): CheckpointMetadata {
    const file = path.join(this.dir, "metadata");
    if (fs.existsSync(file)) {
      const meta = JSON.parse(fs.readFileSync(file, "utf8")) as CheckpointMetadata;
      if (meta.shape && JSON.stringify(meta.shape) !== JSON.stringify(shape)) {
        throw new StreamlabError(
          "STREAM_CHECKPOINT_MISMATCH",
          `The checkpoint at ${this.dir} belongs to a query of another shape (it read ${meta.shape.sources.join(", ")} into ${meta.shape.sink}; this query reads ${shape.sources.join(", ")} into ${shape.sink}).`,
          { hint: "Use a new checkpointLocation for a different query, or delete this checkpoint to start over (the sink may then receive the data again)." },
        );
      }
      return meta;
    }
    const meta: CheckpointMetadata = { id: crypto.randomUUID(), shape };
    writeFileAtomic(file, JSON.stringify(meta));
    return meta;
  }
}
