/**
 * A memory stream (Spark's MemoryStream): rows pushed from code with addData(), read by queries
 * batch by batch. For notebooks and tests; it lives in this process only. Each query reads it
 * through its own reader, so several queries can share one stream.
 */
import { rowsSql, type Row } from "../duck";
import { StreamlabError } from "../errors";
import type { BatchDescription, OffsetRequest, Source, SourceContext } from "../stream/source";

let counter = 0;

export class MemoryStream {
  /** @internal the rows added so far */
  readonly rows: Row[] = [];
  private readonly wakers = new Set<() => void>();
  readonly name: string;

  /** `columns` fixes the column order. */
  constructor(readonly columns?: string[], name?: string) {
    this.name = name ?? `memory-${++counter}`;
  }

  /** Appends rows; returns the offset they end at. */
  addData(...batches: (Row | Row[])[]): number {
    for (const b of batches) for (const r of Array.isArray(b) ? b : [b]) this.rows.push(r);
    for (const w of this.wakers) w();
    return this.rows.length;
  }

  get size(): number {
    return this.rows.length;
  }

  /** @internal */
  onAdd(wake: () => void): void {
    this.wakers.add(wake);
  }

  /** @internal */
  offAdd(wake: () => void): void {
    this.wakers.delete(wake);
  }

  /** A Source reading this stream (one per query). */
  reader(): Source {
    return new MemoryStreamReader(this);
  }
}

class MemoryStreamReader implements Source {
  private ctx!: SourceContext;
  private wake?: () => void;

  constructor(readonly stream: MemoryStream) {}

  get description(): string {
    return `MemoryStream[${this.stream.name}]`;
  }

  get identity(): string {
    return `memory:${this.stream.name}`;
  }

  async open(ctx: SourceContext): Promise<void> {
    this.ctx = ctx;
  }

  async latestOffset(start: string | null, request: OffsetRequest): Promise<string | null> {
    let end = this.stream.size;
    if (request.cap) end = Math.min(end, Number(request.cap));
    return end > (start === null ? 0 : Number(start)) ? String(end) : start;
  }

  async getBatch(start: string | null, end: string, into: string): Promise<void> {
    const from = start === null ? 0 : Number(start);
    const to = Number(end);
    if (to > this.stream.size) {
      throw new StreamlabError("STREAM_SOURCE_CHANGED", `The memory stream ${this.stream.name} holds ${this.stream.size} rows, but the checkpoint asks for rows up to ${to}.`, {
        hint: "A memory stream lives in one process: after a restart, use a new checkpointLocation.",
      });
    }
    await this.ctx.duck.run(`CREATE OR REPLACE TEMP TABLE ${into} AS ${rowsSql(this.stream.rows.slice(from, to), this.stream.columns)}`);
  }

  async commit(): Promise<void> {}

  /** Offsets are row counts: a whole number ≥ 0. */
  deserializeOffset(offset: string): number {
    return rowCount(offset);
  }

  describeBatch(start: string | null, end: string): BatchDescription {
    return { rows: rowCount(end) - (start === null ? 0 : rowCount(start)) };
  }

  metrics(): Record<string, string> {
    return {};
  }

  onData(wake: () => void): void {
    this.wake = wake;
    this.stream.onAdd(wake);
  }

  async close(): Promise<void> {
    if (this.wake) this.stream.offAdd(this.wake);
  }
}

/** A row-count offset (memory and rate sources), or what is wrong with it. */
export function rowCount(offset: string): number {
  const n = Number(offset);
  if (!/^\d+$/.test(offset) || !Number.isSafeInteger(n)) throw new Error(`an offset of this source is a row count (a whole number ≥ 0), not ${offset}`);
  return n;
}
