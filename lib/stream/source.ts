/**
 * What a streaming source is to the micro-batch engine (Spark's Source / SupportsAdmissionControl):
 * it reports the end offset of the next batch, materialises the rows between two offsets into a
 * DuckDB table, and hears when a batch is committed. Offsets are JSON strings the source owns.
 */
import type { Duck } from "../duck";

export interface SourceContext {
  duck: Duck;
  /** checkpoint/sources/<i>: the source's own log lives here. */
  dir: string;
  queryId: string;
  queryName: string;
}

export interface OffsetRequest {
  /** Ignore rate limits: one batch with everything there (trigger once). */
  unlimited?: boolean;
  /**
   * availableNow's first call: plan everything there now into rate-limited batches and return
   * the offset of the last one, which becomes `cap` for the calls that follow.
   */
  planAll?: boolean;
  /** Never go past this offset (availableNow's end, captured at start). */
  cap?: string | null;
}

/** What a source says one batch read, from its offsets (shown by checkpoint inspection, used for latency figures). */
export interface BatchDescription {
  /** File sources: the files of the batch. */
  files?: { path: string; size: number; modificationTime: number }[];
  /** Sources that count rows by offset (memory, rate): how many rows the batch has. */
  rows?: number;
}

/**
 * A batch read where it is written: SQL over the source's files that the sink runs once, inside
 * its own write (one pipelined pass, the rows never materialised). The read fails on a line it
 * cannot account for — or, with `clean()`, says so afterwards, before the sink commits; either way
 * the engine drops the write, tells the source (`failed()`) and reads the batch again with getBatch.
 */
export interface PipelinedBatch {
  sql: string;
  /** The columns and DuckDB types `sql` yields. */
  columns: { name: string; type: string }[];
  /** Whether the read accounted for every line (for a read that does not fail on a bad one). */
  clean?(): Promise<boolean>;
  /** The one-pass write did not happen: the batch will be read with getBatch. */
  failed?(): void;
  /** Drops what the read left. */
  close?(): Promise<void>;
}

export interface Source {
  /** Shown in progress (`sources[].description`), e.g. "FileStreamSource[/data/raw/events]". */
  readonly description: string;
  /** What the source reads, for the checkpoint's shape check. */
  readonly identity: string;
  open(ctx: SourceContext): Promise<void>;
  /** The end offset of the next batch after `start`, or `start` itself when nothing is new. */
  latestOffset(start: string | null, request: OffsetRequest): Promise<string | null>;
  /**
   * Resolves once what `end` (an offset latestOffset returned) points at in the source's own log
   * is durable — such logs may be written off the main thread — and rejects if that write failed.
   * The engine awaits it before it writes `end` to the offsets log; optional.
   */
  durable?(end: string): Promise<void>;
  /** Creates DuckDB temp table `into` with the rows in (start, end]; returns their count when it knows it (the engine counts otherwise). */
  getBatch(start: string | null, end: string, into: string, batchId: number): Promise<number | void>;
  /** The batch (start, end] as SQL a sink can read once, when the source can offer it (undefined: use getBatch). */
  pipelinedBatch?(start: string | null, end: string, batchId: number): Promise<PipelinedBatch | undefined>;
  /** The batch ending at `end` is committed: the source may clean up (cleanSource, memory). */
  commit(end: string): Promise<void>;
  /** Source metrics for progress, e.g. numFilesOutstanding. */
  metrics(): Record<string, string>;
  /**
   * Spark's deserializeOffset: checks an offset read back from offsets/N is one this source wrote
   * and can still serve (after open()); throws what is wrong with it. The engine reports that as a
   * damaged checkpoint naming the file, instead of replaying or skipping from a wrong offset.
   */
  deserializeOffset?(offset: string): unknown;
  /** What the batch (start, end] read, from the source's own log or offsets; sync and side-effect free. */
  describeBatch?(start: string | null, end: string): BatchDescription;
  /** Calls `wake` when new data may have arrived (file notifications); optional. */
  onData?(wake: () => void): void;
  close(): Promise<void>;
}
