/** The micro-batch streaming engine. */
export { readStream, StreamFrame, type SinkSpec, type WriteStreamOptions } from "./api";
export { StreamingQuery } from "./micro-batch";
export { streams, StreamingQueryManager } from "./manager";
export { parseTrigger, type Trigger, type TriggerSpec } from "./trigger";
export type { StreamingQueryProgress, StreamingQueryStatus } from "./progress";
export type { StreamingQueryListener } from "./listener";
export { Checkpoint } from "./checkpoint";
export type { TransformStep, TransformContext } from "./transform";
export { checkpointBatches, checkpointTree, runIngestProcess, type CheckpointBatch } from "./inspect";
