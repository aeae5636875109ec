/** What a streaming sink is to the engine: it adds one micro-batch (a DuckDB table), idempotently by batch id. */
import type { Duck } from "../duck";

export type OutputMode = "append" | "complete" | "update";

export interface SinkContext {
  duck: Duck;
  queryId: string;
  queryName: string;
  outputMode: OutputMode;
  /** Sets the query's status message (e.g. while waiting for a database to come back). */
  reportStatus?: (message: string) => void;
}

export interface SinkResult {
  numOutputRows: number;
  /** Sink-specific metrics for progress (e.g. rowsSkipped). */
  metrics?: Record<string, string>;
  /** The batch had already been committed by an earlier run (a replay). */
  skipped?: boolean;
}

export interface AddBatchOptions {
  /** Runs after the sink has written the batch and before it commits it; a throw leaves nothing committed. */
  beforeCommit?: () => Promise<void>;
  /** The batch's columns and DuckDB types, when the engine knows them without asking DuckDB. */
  columns?: { name: string; type: string }[];
}

export interface Sink {
  readonly description: string;
  readonly identity: string;
  open(ctx: SinkContext): Promise<void>;
  /**
   * Writes the rows of `table` as batch `batchId`; a replay of a committed batch must not write
   * twice. `table` is a DuckDB table's name — or, for a sink that `pipelines`, possibly a
   * parenthesised query: either reads as `SELECT * FROM ${table}`.
   */
  addBatch(batchId: number, table: string, options?: AddBatchOptions): Promise<SinkResult>;
  /**
   * The sink reads a batch once, in one statement, and can check it before committing
   * (beforeCommit): the engine may hand it a query over the source's files instead of a table.
   */
  readonly pipelines?: boolean;
  close(): Promise<void>;
}
