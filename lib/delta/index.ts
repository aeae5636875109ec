/**
 * Delta Lake for users (`sl.delta`): tables by path or by name, their history and changes, and
 * schemas as Spark DDL. The protocol pieces (log segment, replay, snapshot, scan, transaction,
 * checkpoints) are in "streamlab/internals".
 */
export { DeltaTable, type ReadOptions } from "./table";
export { DeltaCatalog } from "./catalog";
export { type HistoryEntry } from "./history";
export type { WriteOptions, WriteResult, SaveMode } from "./write";
export type { CreateTableOptions } from "./create";
export type { CommitEntry } from "./commit-range";
export type { MergeClause, MergeOptions, MergeResult } from "./operations/merge";
export type { VacuumOptions, VacuumResult } from "./operations/vacuum";
export { parseDdl, schemaDdl } from "./ddl";
export type { StructType, StructField, DeltaType } from "./schema";
