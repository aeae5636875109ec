/** The micro-batch streaming engine: queries, triggers, progress, listeners and checkpoints, and the Source / Sink contracts. */
export { StreamingQuery, type QueryOptions } from "./query";
export { ManualClock, systemClock, type Clock } from "./clock";
export { streams, StreamingQueryManager } from "./manager";
export { parseTrigger, type Trigger, type TriggerSpec } from "./trigger";
export type { StreamingQueryProgress, StreamingQueryStatus } from "./progress";
export type { StreamingQueryListener } from "./listener";
export { ProgressTotals } from "./progress-totals";
export { Checkpoint, type RecordedBatch } from "./checkpoint";
export type { TransformStep, TransformContext } from "./transform";
export type { Source, SourceContext, OffsetRequest, BatchDescription } from "./source";
export type { Sink, SinkContext, SinkResult, OutputMode } from "./sink";
export { window, sessionWindow, type WindowSpec, type TimeWindow, type SessionWindow } from "./window";
export type { StateOperatorProgress } from "./stateful";
