/**
 * foreachBatch: calls a function with each micro-batch as a DuckDB relation and its batch id —
 * the escape hatch for sinks Streamlab lacks (MERGE into Delta, several tables, an API). The
 * function must be idempotent by batch id for exactly-once (e.g. a Delta write with txnVersion).
 */
import type { Duck, Row } from "../duck";
import type { Sink, SinkContext, SinkResult } from "../stream/sink";

/** One micro-batch as the function sees it. */
export class BatchFrame {
  constructor(
    readonly duck: Duck,
    /** A DuckDB table holding the batch's rows. */
    readonly table: string,
    readonly batchId: number,
    readonly queryId: string,
  ) {}

  /** SQL selecting the batch's rows. */
  get sql(): string {
    return `SELECT * FROM ${this.table}`;
  }

  async count(): Promise<number> {
    return Number(await this.duck.value(`SELECT count(*) FROM ${this.table}`));
  }

  /** Rows as JavaScript objects (small batches). */
  async rows<T extends Row = Row>(limit?: number): Promise<T[]> {
    return this.duck.all<T>(`${this.sql}${limit === undefined ? "" : ` LIMIT ${limit}`}`);
  }
}

export type ForeachBatchFunction = (batch: BatchFrame, batchId: number) => Promise<void | number> | void | number;

export class ForeachBatchSink implements Sink {
  private ctx!: SinkContext;
  constructor(readonly fn: ForeachBatchFunction, readonly label = "foreachBatch") {}

  get description(): string {
    return `ForeachBatchSink[${this.label}]`;
  }

  get identity(): string {
    return `foreachBatch:${this.label}`;
  }

  async open(ctx: SinkContext): Promise<void> {
    this.ctx = ctx;
  }

  async addBatch(batchId: number, table: string): Promise<SinkResult> {
    const frame = new BatchFrame(this.ctx.duck, table, batchId, this.ctx.queryId);
    const n = await frame.count();
    const out = await this.fn(frame, batchId);
    return { numOutputRows: typeof out === "number" ? out : n };
  }

  async close(): Promise<void> {}
}
