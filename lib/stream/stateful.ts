/**
 * What a stateful operator is to the engine (Spark's StateStoreWriter): it keeps a StateStore
 * under `checkpoint/state/<operatorId>/0/`, restores the version of the batch being run, maps the
 * batch's rows to its output with the batch's two watermarks (late rows are judged by the previous
 * batch's watermark, state is evicted by this batch's — Spark 3.4+), commits the next version after
 * the sink has committed, reports `stateOperators[]` progress, and tells the engine when a newer
 * watermark calls for a no-data batch. `withWatermark` is a step of its own that measures the
 * batch's event times.
 */
import type { Duck } from "../duck";
import type { OutputMode } from "./sink";
import type { TransformContext, TransformStep } from "./transform";

/** One stateful operator's progress, with Spark's StateOperatorProgress field names. */
export interface StateOperatorProgress {
  operatorName: string;
  numRowsTotal: number;
  numRowsUpdated: number;
  allUpdatesTimeMs: number;
  numRowsRemoved: number;
  allRemovalsTimeMs: number;
  commitTimeMs: number;
  memoryUsedBytes: number;
  numRowsDroppedByWatermark: number;
  numShufflePartitions: number;
  numStateStoreInstances: number;
  customMetrics: Record<string, number>;
}

/** The watermarks a batch runs with (ms since the epoch; 0 before any). */
export interface BatchWatermarks {
  /** Rows (or windows) at or before it are late: the previous batch's watermark. */
  lateMs: number;
  /** State at or before it is evicted (append: emitted): this batch's watermark. */
  evictionMs: number;
}

/** What a stateful step gets for each batch, besides the stateless context. */
export interface StatefulContext extends TransformContext {
  watermarks: BatchWatermarks;
  outputMode: OutputMode;
}

/** Where the event-time column is, for the operators downstream of a withWatermark. */
export interface EventTimeInfo {
  column: string;
  delayMs: number;
  /** The withWatermark operator's id. */
  operatorId: number;
}

export interface StatefulOperator extends TransformStep {
  readonly stateful: true;
  /** Spark's operatorName: stateStoreSave, dedupe, dedupeWithinWatermark, sessionWindowStateStoreSaveExec. */
  readonly operatorName: string;
  /** A new operator with the same definition and no state: each query started from a frame gets its own. */
  fresh(): StatefulOperator;
  /** Checks the plan when the query starts (output mode, watermark); throws INVALID_OPTION with Spark's wording. */
  validate(outputMode: OutputMode, eventTime: EventTimeInfo | undefined): void;
  /** Binds the operator to its state folder (checkpoint/state/<id>/0) and loads `version` (= the batch id about to run). */
  restore(duck: Duck, dir: string, version: number): Promise<void>;
  apply(input: string, ctx: StatefulContext): Promise<string>;
  /** Commits state version `version` (= batch id + 1) and returns the batch's progress. */
  commit(version: number): Promise<StateOperatorProgress>;
  /**
   * True when a later watermark changes this operator's state or output, so a batch with no new
   * rows must run once the watermark moves (Spark's shouldRunAnotherBatch): aggregations in append
   * and update mode keyed on event time, deduplication with a watermark. Never in complete mode.
   */
  needsNoDataBatch(outputMode: OutputMode): boolean;
  close(): Promise<void>;
}

export function isStateful(step: TransformStep): step is StatefulOperator {
  return (step as Partial<StatefulOperator>).stateful === true;
}

/** A `withWatermark(column, delay)` step: rows pass through; the batch's event-time stats are measured. */
export interface WatermarkStep extends TransformStep {
  readonly watermark: { column: string; delayMs: number };
}

export function isWatermarkStep(step: TransformStep): step is WatermarkStep {
  return (step as Partial<WatermarkStep>).watermark !== undefined;
}

export function emptyProgress(operatorName: string): StateOperatorProgress {
  return {
    operatorName,
    numRowsTotal: 0,
    numRowsUpdated: 0,
    allUpdatesTimeMs: 0,
    numRowsRemoved: 0,
    allRemovalsTimeMs: 0,
    commitTimeMs: 0,
    memoryUsedBytes: 0,
    numRowsDroppedByWatermark: 0,
    numShufflePartitions: 1,
    numStateStoreInstances: 1,
    customMetrics: {},
  };
}

/** The context a withWatermark step gets: it reports the event times it saw in the batch. */
export interface WatermarkContext extends TransformContext {
  recordEventTime(stats: import("./watermark").EventTimeStats): void;
}
