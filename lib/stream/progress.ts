/** StreamingQueryProgress: what each micro-batch reports, with Spark's field names. */
import type { StateOperatorProgress } from "./stateful";

export interface SourceProgress {
  description: string;
  startOffset: unknown;
  endOffset: unknown;
  latestOffset: unknown;
  numInputRows: number;
  inputRowsPerSecond: number;
  processedRowsPerSecond: number;
  metrics: Record<string, string>;
}

export interface SinkProgress {
  description: string;
  numOutputRows: number;
  metrics: Record<string, string>;
}

export interface StreamingQueryProgress {
  id: string;
  runId: string;
  name: string;
  timestamp: string;
  batchId: number;
  batchDuration: number;
  numInputRows: number;
  inputRowsPerSecond: number;
  processedRowsPerSecond: number;
  durationMs: Record<"latestOffset" | "getBatch" | "queryPlanning" | "addBatch" | "walCommit" | "commitOffsets" | "triggerExecution", number>;
  /** {avg, max, min, watermark} as ISO-8601 strings; only {watermark} for a batch without rows; {} without withWatermark. */
  eventTime: Record<string, string>;
  /** One per stateful operator, the one nearest the sink first. */
  stateOperators: StateOperatorProgress[];
  sources: SourceProgress[];
  sink: SinkProgress;
}

export interface StreamingQueryStatus {
  message: string;
  isDataAvailable: boolean;
  isTriggerActive: boolean;
}

/** Parses an offset string for display (JSON when it is JSON). */
export function offsetValue(o: string | null): unknown {
  if (o === null) return null;
  try {
    return JSON.parse(o);
  } catch {
    return o;
  }
}

/** Rows per second, 0 when no time passed. */
export function rate(rows: number, ms: number): number {
  return ms > 0 ? Math.round((rows * 1000 * 100) / ms) / 100 : 0;
}
