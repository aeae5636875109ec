/**
 * The checkpoint folder of a streaming query, laid out as Spark's: `metadata` (the query id),
 * `offsets/N` (the write-ahead log: what batch N reads, written before it runs), `commits/N`
 * (written after its sink committed), `sources/<i>/` (each source's own log) and `state/`.
 * Every file is written to a temporary name and renamed, so a crash never leaves half a file.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { StreamlabError, messageOf } from "../errors";

export interface CheckpointMetadata {
  id: string;
  /** What the query reads and writes, to refuse a checkpoint of a differently shaped query. */
  shape?: { sources: string[]; sink: string };
}

export interface OffsetSeqMetadata {
  batchWatermarkMs: number;
  batchTimestampMs: number;
  conf: Record<string, string>;
}

export interface OffsetSeq {
  metadata: OffsetSeqMetadata;
  /** One serialized offset per source (null when a source has none yet). */
  offsets: (string | null)[];
}

/** Writes `text` to `file` atomically (temporary file in the same folder, fsync, rename). */
export function writeFileAtomic(file: string, text: string): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${crypto.randomUUID()}.tmp`);
  const fd = fs.openSync(tmp, "w");
  try {
    fs.writeSync(fd, text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

/** A folder of files named by batch id (offsets/, commits/, sources/0/). */
export class BatchLog {
  constructor(readonly dir: string) {
    fs.mkdirSync(dir, { recursive: true });
  }

  batchIds(): number[] {
    return fs
      .readdirSync(this.dir)
      .filter((f) => /^\d+$/.test(f))
      .map(Number)
      .sort((a, b) => a - b);
  }

  latest(): number | undefined {
    return this.batchIds().at(-1);
  }

  has(batchId: number): boolean {
    return fs.existsSync(path.join(this.dir, String(batchId)));
  }

  read(batchId: number): string | undefined {
    const f = path.join(this.dir, String(batchId));
    return fs.existsSync(f) ? fs.readFileSync(f, "utf8") : undefined;
  }

  write(batchId: number, text: string): void {
    writeFileAtomic(path.join(this.dir, String(batchId)), text);
  }

  /** Removes entries after `batchId` (an uncommitted batch planned differently). */
  purgeAfter(batchId: number): void {
    for (const id of this.batchIds()) if (id > batchId) fs.rmSync(path.join(this.dir, String(id)), { force: true });
  }
}

/** offsets/N in Spark's format: "v1", the batch metadata, then one line per source offset. */
export class OffsetSeqLog extends BatchLog {
  add(batchId: number, seq: OffsetSeq): void {
    this.write(batchId, ["v1", JSON.stringify(seq.metadata), ...seq.offsets.map((o) => o ?? "-")].join("\n"));
  }

  get(batchId: number): OffsetSeq | undefined {
    const text = this.read(batchId);
    if (text === undefined) return undefined;
    const [version, meta, ...offsets] = text.split("\n");
    if (version !== "v1" || meta === undefined) {
      throw new StreamlabError("STREAM_CHECKPOINT_MISMATCH", `The offsets log entry ${path.join(this.dir, String(batchId))} is not in a format Streamlab writes.`);
    }
    return { metadata: JSON.parse(meta) as OffsetSeqMetadata, offsets: offsets.map((o) => (o === "-" ? null : o)) };
  }
}

/** commits/N: "v1" and the watermark for the next batch. */
export class CommitLog extends BatchLog {
  add(batchId: number, nextBatchWatermarkMs = 0): void {
    this.write(batchId, `v1\n${JSON.stringify({ nextBatchWatermarkMs })}`);
  }
}

export class Checkpoint {
  readonly offsets: OffsetSeqLog;
  readonly commits: CommitLog;

  constructor(readonly dir: string) {
    try {
      fs.mkdirSync(dir, { recursive: true });
      fs.accessSync(dir, fs.constants.W_OK);
      if (!fs.statSync(dir).isDirectory()) throw new Error("not a directory");
    } catch (e) {
      throw new StreamlabError("PATH_NOT_WRITABLE", `Cannot use ${dir} as a checkpointLocation: ${messageOf(e)}.`, {
        hint: "Choose a folder the query can create and write, e.g. under data/checkpoints/.",
      });
    }
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
