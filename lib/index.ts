/**
 * Streamlab's public API — what `import * as sl from "streamlab"` gives a notebook: the verbs a
 * learner uses, flat; the rest of each part in its namespace (`sl.sim`, `sl.viz`, `sl.delta`,
 * `sl.stream`, `sl.postgres`, `sl.notify`). Protocol internals (sources and sinks as classes, the Delta
 * transaction, the checkpoint logs…) are in "streamlab/internals".
 */

// Errors: one class, stable codes.
export { StreamlabError, isStreamlabError, type ErrorCode } from "./errors";

// SQL at hand (DuckDB) and where the project's data lives.
export { duck, rowsSql, sqlString, sqlIdent, type Row } from "./duck";
export { projectRoot, dataPath, freshDir, listFiles } from "./util/paths";
export { parseDuration } from "./util/duration";

// Simulated feeds, tables and charts.
export { simulate, generate, FileSimulator } from "./sim/index";
export { show, chart } from "./viz/index";

// Streaming: sources → transformations → sinks, queries, and what a checkpoint holds.
export { readStream, StreamFrame, checkpointBatches, checkpointTree, type SinkSpec, type WriteStreamOptions } from "./api/index";
export { streams, type StreamingQuery, type StreamingQueryProgress } from "./stream/index";
export { MemoryStream } from "./sources/memory-source";
export { window, sessionWindow } from "./stream/window";

// Delta Lake tables.
export { DeltaTable, DeltaCatalog } from "./delta/index";

// Jobs: the scheduled users feed (users → Delta → e-mail summary).
export { runUsersFeed, type UsersFeedOptions } from "./pipeline/users-feed";

// Namespaces.
export * as sim from "./sim/index";
export * as viz from "./viz/index";
export * as delta from "./delta/index";
export * as stream from "./stream/index";
export * as postgres from "./api/postgres";
export * as notify from "./notify/index";
export * as medallion from "./pipeline/medallion/index";
