/**
 * A memory stream (Spark's MemoryStream): rows pushed from code with addData(), read by a query
 * batch by batch. For notebooks and tests; it lives in this process only.
 */
import { rowsSql, type Row } from "../duck";
import { StreamlabError } from "../errors";
import type { OffsetRequest, Source, SourceContext } from "./source";

let counter = 0;

export class MemoryStream implements Source {
  private readonly rows: Row[] = [];
  private ctx!: SourceContext;
  private wake?: () => void;
  readonly name: string;

  /** `columns` fixes the column order (and the columns of an empty batch). */
  constructor(readonly columns?: string[], name?: string) {
    this.name = name ?? `memory-${++counter}`;
  }

  get description(): string {
    return `MemoryStream[${this.name}]`;
  }

  get identity(): string {
    return `memory:${this.name}`;
  }

  /** Appends rows; returns the offset they end at. */
  addData(...batches: (Row | Row[])[]): number {
    for (const b of batches) for (const r of Array.isArray(b) ? b : [b]) this.rows.push(r);
    this.wake?.();
    return this.rows.length;
  }

  get size(): number {
    return this.rows.length;
  }

  async open(ctx: SourceContext): Promise<void> {
    this.ctx = ctx;
  }

  async latestOffset(start: string | null, request: OffsetRequest): Promise<string | null> {
    let end = this.rows.length;
    if (request.cap) end = Math.min(end, Number(request.cap));
    return end > (start === null ? 0 : Number(start)) ? String(end) : start;
  }

  async getBatch(start: string | null, end: string, into: string): Promise<void> {
    const from = start === null ? 0 : Number(start);
    const to = Number(end);
    if (to > this.rows.length) {
      throw new StreamlabError("STREAM_SOURCE_CHANGED", `The memory stream ${this.name} holds ${this.rows.length} rows, but the checkpoint asks for rows up to ${to}.`, {
        hint: "A memory stream lives in one process: after a restart, use a new checkpointLocation.",
      });
    }
    const slice = this.rows.slice(from, to);
    await this.ctx.duck.run(`CREATE OR REPLACE TEMP TABLE ${into} AS ${rowsSql(slice.length ? slice : [{}], this.columns)}${slice.length ? "" : " LIMIT 0"}`);
  }

  async commit(): Promise<void> {}

  metrics(): Record<string, string> {
    return {};
  }

  onData(wake: () => void): void {
    this.wake = wake;
  }

  async close(): Promise<void> {}
}
