/**
 * ProgressReporter (Spark's): times each phase of a trigger — `time("walCommit", fn)` is Spark's
 * reportTimeTaken — builds the StreamingQueryProgress of each batch, and keeps the query's status
 * and its recent progress. All times come from the query's clock.
 */
import type { Clock } from "./clock";
import { offsetValue, rate, type StreamingQueryProgress, type StreamingQueryStatus } from "./progress";
import type { SinkResult } from "./sink";
import type { StateOperatorProgress } from "./stateful";

export type Phase = Exclude<keyof StreamingQueryProgress["durationMs"], "triggerExecution">;

/** How many progress objects a query keeps (Spark's spark.sql.streaming.numRecentProgressUpdates). */
const RECENT = 100;

/** What a finished batch reports, beyond the phase timings. */
export interface BatchOutcome {
  batchId: number;
  numInputRows: number;
  source: { description: string; start: string | null; end: string; metrics: Record<string, string> };
  sink: { description: string; result: SinkResult };
  /** Spark's eventTime map: {avg, max, min, watermark} as ISO-8601 (only the watermark for a batch without rows). */
  eventTime?: Record<string, string>;
  stateOperators?: StateOperatorProgress[];
}

export class ProgressReporter {
  status: StreamingQueryStatus = { message: "Initializing", isDataAvailable: false, isTriggerActive: false };
  readonly recentProgress: StreamingQueryProgress[] = [];
  private triggerStart = 0;
  /** The start of the last trigger that ran a batch: the first batch of a run reports an input rate of 0, as in Spark. */
  private lastBatchStart: number | undefined;
  private durations: Record<Phase, number> = zero();

  constructor(
    private readonly clock: Clock,
    /** The query's identity, read when progress is built (its id comes from the checkpoint). */
    private readonly query: { readonly id: string; readonly runId: string; readonly name: string },
  ) {}

  /** A trigger begins: phase timings start from zero. Returns its start time. */
  startTrigger(): number {
    this.triggerStart = this.clock.now();
    this.durations = zero();
    return this.triggerStart;
  }

  /** Runs `fn` as phase `phase` of this trigger, adding its duration to the phase. */
  async time<T>(phase: Phase, fn: () => T | Promise<T>): Promise<T> {
    const t0 = this.clock.now();
    try {
      return await fn();
    } finally {
      this.durations[phase] += this.clock.now() - t0;
    }
  }

  updateStatus(message: string, isDataAvailable: boolean, isTriggerActive: boolean): void {
    this.status = { message, isDataAvailable, isTriggerActive };
  }

  /** A status message from a source or sink (e.g. waiting for a database), keeping the flags. */
  updateStatusMessage(message: string): void {
    this.status = { ...this.status, message };
  }

  /** The trigger ran batch `o.batchId`: its StreamingQueryProgress, also kept in recentProgress. */
  finishTrigger(o: BatchOutcome): StreamingQueryProgress {
    const triggerExecution = this.clock.now() - this.triggerStart;
    const sinceLast = this.lastBatchStart === undefined ? 0 : this.triggerStart - this.lastBatchStart;
    this.lastBatchStart = this.triggerStart;
    const inputRowsPerSecond = rate(o.numInputRows, sinceLast);
    const processedRowsPerSecond = rate(o.numInputRows, triggerExecution);
    const progress: StreamingQueryProgress = {
      id: this.query.id,
      runId: this.query.runId,
      name: this.query.name,
      timestamp: new Date(this.triggerStart).toISOString(),
      batchId: o.batchId,
      batchDuration: triggerExecution,
      numInputRows: o.numInputRows,
      inputRowsPerSecond,
      processedRowsPerSecond,
      durationMs: { ...this.durations, triggerExecution },
      eventTime: o.eventTime ?? {},
      stateOperators: o.stateOperators ?? [],
      sources: [
        {
          description: o.source.description,
          startOffset: offsetValue(o.source.start),
          endOffset: offsetValue(o.source.end),
          latestOffset: offsetValue(o.source.end),
          numInputRows: o.numInputRows,
          inputRowsPerSecond,
          processedRowsPerSecond,
          metrics: o.source.metrics,
        },
      ],
      sink: { description: o.sink.description, numOutputRows: o.sink.result.numOutputRows, metrics: o.sink.result.metrics ?? {} },
    };
    this.recentProgress.push(progress);
    if (this.recentProgress.length > RECENT) this.recentProgress.shift();
    return progress;
  }
}

function zero(): Record<Phase, number> {
  return { latestOffset: 0, getBatch: 0, queryPlanning: 0, addBatch: 0, walCommit: 0, commitOffsets: 0 };
}
