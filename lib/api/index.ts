/** The user-facing facade over the engine, the sources and the sinks: `readStream`, `StreamFrame`, `writeStream`'s sink specs, and checkpoint inspection. */
export { readStream, StreamFrame, type WriteStreamOptions } from "./read-stream";
export { toSink, type SinkSpec, type SinkFormat, type SinkOptionsByFormat } from "./sinks";
export { checkpointBatches, checkpointTree, type CheckpointBatch } from "./inspect";
