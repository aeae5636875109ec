/**
 * The checkpoint folder of a streaming query, laid out as Spark's: `metadata` (the query id),
 * `offsets/N` (the write-ahead log: what batch N reads, written before it runs), `commits/N`
 * (written after its sink committed), `sources/<i>/` (each source's own log) and `state/`.
 * One query writes it at a time (a lock file, `.lock`), every entry is created put-if-absent and
 * never replaced, and every file read back is checked: damage is reported, never guessed around.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { StreamlabError } from "../errors";
import { createFileExclusive } from "../util/atomic-file";
import { ensureWritableDir } from "../util/dirs";
import { acquireLock, type ProcessLock } from "../util/process-lock";
import { checkpointCorrupt } from "./checkpoint-errors";
import { CommitLog } from "./commit-log";
import { OffsetSeqLog } from "./offset-log";
import type { BatchDescription, Source } from "./source";

export { BatchLog } from "./batch-log";
export { CommitLog } from "./commit-log";
export { OffsetSeqLog, type OffsetSeq, type OffsetSeqMetadata } from "./offset-log";

export interface CheckpointMetadata {
  id: string;
  /** What the query reads and writes, to refuse a checkpoint of a differently shaped query. */
  shape?: { sources: string[]; sink: string };
}

/** One batch as the checkpoint records it. */
export interface RecordedBatch {
  batchId: number;
  /** Where the batch starts, per source: the offsets of the batch before (null for the first batch). */
  startOffsets: (string | null)[];
  /** Where it ends, per source (offsets/N). */
  offsets: (string | null)[];
  /** commits/N exists: the sink has the batch. */
  committed: boolean;
  /** What each source says the batch read (its files, its rows), where the source can tell from its own log. */
  sources: (BatchDescription | undefined)[];
}

/** Something that can describe a batch from its offsets: a Source, or a reader of a source's log. */
export type BatchDescriber = Pick<Source, "describeBatch">;

export class Checkpoint {
  readonly offsets: OffsetSeqLog;
  readonly commits: CommitLog;

  private readonly writable: boolean;

  /** Opens (and creates) the checkpoint of a query about to run; `inspectOnly` creates nothing (see inspect()). */
  constructor(
    readonly dir: string,
    options: { inspectOnly?: boolean } = {},
  ) {
    this.writable = !options.inspectOnly;
    if (this.writable) ensureWritableDir(dir, "a checkpointLocation", "Choose a folder the query can create and write, e.g. under data/checkpoints/.");
    this.offsets = new OffsetSeqLog(path.join(dir, "offsets"));
    this.commits = new CommitLog(path.join(dir, "commits"));
    if (this.writable) for (const d of [this.offsets.dir, this.commits.dir]) fs.mkdirSync(d, { recursive: true });
  }

  /** A checkpoint to look into (notebooks, tools): nothing is created or locked. */
  static inspect(dir: string): Checkpoint {
    return new Checkpoint(dir, { inspectOnly: true });
  }

  /**
   * Takes the checkpoint for one query (Spark refuses a second active query on one checkpoint):
   * another live process or query holding it is STREAM_CONCURRENT_RUN; a holder that died is taken over.
   */
  lock(queryName: string): ProcessLock {
    return acquireLock(this.dir, {
      purpose: `streaming query ${queryName}`,
      what: "The checkpoint",
      code: "STREAM_CONCURRENT_RUN",
      hint: "Only one query may run on a checkpoint at a time (two would overwrite each other's batches). Stop the other query first, or give this one its own checkpointLocation.",
    });
  }

  sourceDir(i: number): string {
    const d = path.join(this.dir, "sources", String(i));
    if (this.writable) fs.mkdirSync(d, { recursive: true });
    return d;
  }

  stateDir(operatorId: number): string {
    const d = path.join(this.dir, "state", String(operatorId));
    fs.mkdirSync(d, { recursive: true });
    return d;
  }

  private get metadataFile(): string {
    return path.join(this.dir, "metadata");
  }

  /** `metadata` as written, checked; undefined when there is none. */
  readMetadata(): CheckpointMetadata | undefined {
    const file = this.metadataFile;
    if (!fs.existsSync(file)) return undefined;
    const text = fs.readFileSync(file, "utf8");
    let meta: CheckpointMetadata;
    try {
      meta = JSON.parse(text) as CheckpointMetadata;
    } catch (e) {
      throw checkpointCorrupt(file, text === "" ? "is empty" : `is not JSON (${(e as Error).message})`);
    }
    if (!meta || typeof meta !== "object" || typeof meta.id !== "string" || meta.id === "") throw checkpointCorrupt(file, "has no query id");
    return meta;
  }

  /**
   * Reads `metadata`, or creates it with a new query id in a checkpoint without batches. Refuses a
   * checkpoint of another query shape, and a missing `metadata` beside batches: a new id would
   * make sinks that recognise replays by query id (Delta's txn) take old batches as new.
   */
  metadata(shape: { sources: string[]; sink: string }): CheckpointMetadata {
    const existing = this.readMetadata();
    if (existing) {
      if (existing.shape && JSON.stringify(existing.shape) !== JSON.stringify(shape)) {
        throw new StreamlabError(
          "STREAM_CHECKPOINT_MISMATCH",
          `The checkpoint at ${this.dir} belongs to a query of another shape (it read ${existing.shape.sources.join(", ")} into ${existing.shape.sink}; this query reads ${shape.sources.join(", ")} into ${shape.sink}).`,
          { hint: "Use a new checkpointLocation for a different query, or delete this checkpoint to start over (the sink may then receive the data again)." },
        );
      }
      return existing;
    }
    const batches = [...this.offsets.batchIds().map((b) => `offsets/${b}`), ...this.commits.batchIds().map((b) => `commits/${b}`)];
    if (batches.length > 0) {
      throw checkpointCorrupt(this.metadataFile, `is missing, though the checkpoint holds batches (${batches.slice(0, 3).join(", ")}${batches.length > 3 ? ", …" : ""}); it held the query id those batches were written under`);
    }
    const meta: CheckpointMetadata = { id: crypto.randomUUID(), shape };
    if (!createFileExclusive(this.metadataFile, JSON.stringify(meta))) {
      throw new StreamlabError("STREAM_CONCURRENT_RUN", `Concurrent update to the log: ${this.metadataFile} was created by another query starting on the checkpoint ${this.dir} at the same time.`, {
        hint: "Only one query may run on a checkpoint at a time. Stop the other one, then start this one again.",
        details: { file: this.metadataFile },
      });
    }
    return meta;
  }

  /**
   * Every batch in offsets/, with its start and end offsets, whether it committed, and what each
   * source says it read (`describers[i]` describes source i: the query's Source, or a reader of its log).
   */
  batches(describers: (BatchDescriber | undefined)[] = []): RecordedBatch[] {
    let previous: (string | null)[] | undefined;
    return this.offsets.batchIds().map((batchId) => {
      const offsets = this.offsets.get(batchId)!.offsets;
      const startOffsets = offsets.map((_, i) => previous?.[i] ?? null);
      previous = offsets;
      return {
        batchId,
        startOffsets,
        offsets,
        committed: this.commits.get(batchId) !== undefined,
        sources: offsets.map((end, i) => (end === null ? undefined : describers[i]?.describeBatch?.(startOffsets[i]!, end))),
      };
    });
  }
}
