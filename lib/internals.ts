/**
 * "streamlab/internals": the pieces under the public API, for tools, tests and the curious — the
 * Delta protocol (log segment → replay → snapshot → scan, transaction, checkpoints), the engine's
 * checkpoint logs and contracts, and the concrete sources and sinks. Not a stable surface.
 */
export { Duck, sqlLiteral } from "./duck";
export { StreamlabError, messageOf } from "./errors";

// Delta protocol.
export { Snapshot, versionAtTimestamp, type SnapshotOptions } from "./delta/snapshot";
export { planScan, DeltaScan, type ScanOptions, type ScanMetrics } from "./delta/scan";
export { history } from "./delta/history";
export { listLog, logSegment, type LogSegment } from "./delta/log-segment";
export type * from "./delta/actions";
export { parseSchema, duckType } from "./delta/schema";
export { checkReadable, checkWritable, SUPPORTED_READER_FEATURES, SUPPORTED_WRITER_FEATURES } from "./delta/table-features";
export { writeDelta } from "./delta/write";
export { Transaction, type CommitResult } from "./delta/transaction";
export { writeCheckpoint } from "./delta/checkpoint-writer";
export { readChanges } from "./delta/table-changes";
export { commitRange, readCommit } from "./delta/commit-range";
export { LocalStorage, defaultStorage, type Storage, type FileEntry } from "./delta/storage";
export { createTable } from "./delta/create";
export { replayLog } from "./delta/log-replay";

// The engine.
export { Checkpoint } from "./stream/checkpoint";
export { OffsetSeqLog, type OffsetSeq } from "./stream/offset-log";
export { CommitLog } from "./stream/commit-log";
export type { Source, SourceContext, OffsetRequest } from "./stream/source";
export type { Sink, SinkContext, SinkResult } from "./stream/sink";
export { toSink } from "./api/sinks";

// Sources and sinks.
export { FileStreamSource } from "./sources/file-source";
export { RateSource } from "./sources/rate-source";
export { DeltaSource } from "./sources/delta-source";
export { DeltaSink } from "./sinks/delta-sink";
export { MemorySink } from "./sinks/memory-sink";
export { ConsoleSink } from "./sinks/console-sink";
export { ForeachBatchSink, BatchFrame } from "./sinks/foreach-batch-sink";
export { PostgresSink } from "./sinks/postgres-sink";
export { redact } from "./sinks/postgres";
