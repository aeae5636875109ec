/**
 * ProgressTotals: a StreamingQueryListener that adds up a query's progress over a whole run.
 * `recentProgress` keeps only the last 100 batches (Spark's spark.sql.streaming.numRecentProgressUpdates),
 * so a summary built from it is wrong once a run passes 100 batches; this listener sees every batch.
 */
import type { StreamingQueryListener } from "./listener";
import type { StreamingQueryProgress } from "./progress";
import { quantile } from "../util/stats";

export class ProgressTotals implements StreamingQueryListener {
  /** Batches that reported progress in this run. */
  batches = 0;
  inputRows = 0;
  outputRows = 0;
  /** Sums of the numeric metrics of the first source and of the sink, by name (meaningful for counters such as numMalformedRecords, rowsInserted). */
  readonly sourceMetrics: Record<string, number> = {};
  readonly sinkMetrics: Record<string, number> = {};
  /** Each batch's id and the moment (ms) its trigger ended: one pair per batch, small enough to keep for a run. */
  readonly committedAt = new Map<number, number>();
  /** Each batch's triggerExecution duration (ms), in batch order. */
  readonly durations: number[] = [];

  onQueryProgress({ progress: p }: { progress: StreamingQueryProgress }): void {
    this.batches++;
    this.inputRows += p.numInputRows;
    this.outputRows += p.sink.numOutputRows;
    add(this.sourceMetrics, p.sources[0]?.metrics ?? {});
    add(this.sinkMetrics, p.sink.metrics);
    this.committedAt.set(p.batchId, Date.parse(p.timestamp) + p.durationMs.triggerExecution);
    this.durations.push(p.durationMs.triggerExecution);
  }

  /** A source metric's sum over the run (0 when no batch reported it). */
  source(metric: string): number {
    return this.sourceMetrics[metric] ?? 0;
  }

  /** A sink metric's sum over the run (0 when no batch reported it). */
  sink(metric: string): number {
    return this.sinkMetrics[metric] ?? 0;
  }

  /** The q-quantile of the batches' durations (ms); 0 without batches. */
  durationQuantile(q: number): number {
    return quantile(this.durations, q);
  }
}

function add(into: Record<string, number>, metrics: Record<string, string>): void {
  for (const [k, v] of Object.entries(metrics)) {
    const n = Number(v);
    if (v !== "" && Number.isFinite(n)) into[k] = (into[k] ?? 0) + n;
  }
}
