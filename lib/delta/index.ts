/** Delta Lake: log replay, snapshots, scans, time travel, writes and table operations. */
export { DeltaTable, type ReadOptions } from "./table";
export { Snapshot, versionAtTimestamp, type SnapshotOptions } from "./snapshot";
export { planScan, DeltaScan, type ScanOptions, type ScanMetrics } from "./scan";
export { history, type HistoryEntry } from "./history";
export { commitRange, readCommit, type CommitEntry } from "./commit-range";
export { LocalStorage, defaultStorage, type Storage, type FileEntry } from "./storage";
export { listLog, logSegment, type LogSegment } from "./log-segment";
export type * from "./actions";
export { parseSchema, duckType, type StructType, type DeltaType } from "./schema";
export { parseDdl, schemaDdl } from "./ddl";
export { checkReadable, checkWritable, SUPPORTED_READER_FEATURES, SUPPORTED_WRITER_FEATURES } from "./table-features";
export { writeDelta, type WriteOptions, type WriteResult, type SaveMode } from "./write";
export { Transaction, type CommitResult } from "./transaction";
export { writeCheckpoint } from "./checkpoint-writer";
export type { MergeClause, MergeOptions, MergeResult } from "./operations/merge";
export type { VacuumOptions, VacuumResult } from "./operations/vacuum";
export { readChanges } from "./table-changes";
export { DeltaCatalog } from "./catalog";
