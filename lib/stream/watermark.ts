/**
 * Event-time watermarks, as Spark's WatermarkTracker keeps them: each `withWatermark` operator
 * tracks max(event time seen) − delay, moved only forward, from the batches it saw; the query's
 * watermark combines them by `multipleWatermarkPolicy` (min, the default, or max), never goes
 * back, is computed at the end of a batch and used from the next batch on (it is written in the
 * offset log as `batchWatermarkMs` and in the commit log as `nextBatchWatermarkMs`).
 */
import { StreamlabError } from "../errors";

export type WatermarkPolicy = "min" | "max";

/** Event-time statistics of one batch at one withWatermark operator (ms since the epoch). */
export interface EventTimeStats {
  min: number;
  max: number;
  avg: number;
  count: number;
}

export function parsePolicy(v: unknown): WatermarkPolicy {
  if (v === undefined || v === "min" || v === "max") return (v ?? "min") as WatermarkPolicy;
  throw new StreamlabError("INVALID_OPTION", `multipleWatermarkPolicy ${JSON.stringify(v)}: valid values are 'min' and 'max'.`);
}

export class WatermarkTracker {
  private global = 0;
  /** Each watermark operator's own value; not kept across restarts (as in Spark). */
  private readonly perOperator = new Map<number, number>();

  constructor(
    /** The delay of each withWatermark operator, by operator id. */
    private readonly delays: ReadonlyMap<number, number>,
    readonly policy: WatermarkPolicy = "min",
  ) {}

  /** The watermark batches run with now (ms; 0 before any). */
  get currentMs(): number {
    return this.global;
  }

  /** Restores the value a checkpoint recorded. */
  restore(ms: number): void {
    this.global = Math.max(this.global, ms);
  }

  /**
   * At the end of a batch: each operator that saw rows moves to max − delay if that is later; the
   * query's watermark moves to policy(operators) if that is later. Returns whether it moved.
   */
  update(stats: ReadonlyMap<number, EventTimeStats>): boolean {
    for (const [op, s] of stats) {
      if (s.count === 0) continue;
      const candidate = s.max - (this.delays.get(op) ?? 0);
      if (candidate > (this.perOperator.get(op) ?? 0)) this.perOperator.set(op, candidate);
    }
    if (this.delays.size === 0) return false;
    const values = [...this.delays.keys()].map((op) => this.perOperator.get(op) ?? 0);
    const next = this.policy === "min" ? Math.min(...values) : Math.max(...values);
    if (next > this.global) {
      this.global = next;
      return true;
    }
    return false;
  }
}

/** Milliseconds as Spark prints event times in progress: ISO-8601 in UTC with milliseconds. */
export function isoMs(ms: number): string {
  return new Date(ms).toISOString();
}
