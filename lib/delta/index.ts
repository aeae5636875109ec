/** Delta Lake: log replay, snapshots, scans and time travel. */
export { DeltaTable, type ReadOptions } from "./table";
export { Snapshot, versionAtTimestamp, type SnapshotOptions } from "./snapshot";
export { planScan, DeltaScan, type ScanOptions, type ScanMetrics } from "./scan";
export { history, type HistoryEntry } from "./history";
export { listLog, logSegment, type LogSegment } from "./log-segment";
export type * from "./actions";
export { parseSchema, duckType, type StructType, type DeltaType } from "./schema";
export { checkReadable, SUPPORTED_READER_FEATURES } from "./table-features";
