/**
 * The run log BASE/_pipeline/runs: a Delta table with one row per layer per run, its fields named
 * after DLT's `flow_progress` events (flow_name, status, metrics num_output_rows /
 * num_upserted_rows / num_deleted_rows, data_quality dropped_records and expectations). It is a
 * record for people and SQL: what each layer processed is decided by the targets' own commits
 * (their txn), never by this log.
 */
import { DeltaTable } from "../../delta/table";
import { sqlLiteral, type Duck } from "../../duck";
import type { ExpectationMetrics } from "./expectations";
import { RUNS_SCHEMA, type Layer } from "./layout";

export type LayerStatus = "COMPLETED" | "FAILED";

/** What one layer did in one run. */
export interface LayerResult {
  runId: string;
  layer: Layer;
  status: LayerStatus;
  startedAt: Date;
  endedAt: Date;
  /** What was read: bronze's files, or the versions of the layer below (inclusive). null: nothing new. */
  sourceRange: { files: string[] } | { fromVersion: number; toVersion: number } | null;
  /** The version the layer committed; null when it changed nothing. */
  targetVersion: number | null;
  numInputRows: number;
  numOutputRows: number;
  numUpsertedRows: number;
  numDeletedRows: number;
  /** Rows quarantined: bronze's malformed lines, silver's dropped rows. */
  droppedRecords: number;
  expectations: ExpectationMetrics[];
  /** The error of a FAILED layer, as `[CODE] message`. */
  error?: string;
}

/** One line per layer, as the CLI prints it. */
export function describeLayer(r: LayerResult): string {
  const target = r.targetVersion === null ? "no change" : `version ${r.targetVersion}`;
  const head = `${r.layer.padEnd(6)} ${r.status === "FAILED" ? "FAILED" : target}`;
  const counts = `read ${r.numInputRows}, written ${r.numOutputRows}, merged ${r.numUpsertedRows}, quarantined ${r.droppedRecords}`;
  return `${head}: ${counts}${r.status === "FAILED" && r.error ? ` — ${r.error}` : ""}`;
}

/** Appends the layer's row to the run log (created on first use). */
export async function appendRunLog(runsPath: string, r: LayerResult, duck: Duck): Promise<void> {
  await DeltaTable.create(runsPath, RUNS_SCHEMA, { ifNotExists: true, duck, description: "The medallion pipeline's run log: one row per layer per run (DLT flow_progress fields)" });
  const v = (x: unknown, type: string) => `CAST(${sqlLiteral(x ?? null)} AS ${type})`;
  const row = [
    `${v(r.runId, "VARCHAR")} AS run_id`,
    `${v(r.layer, "VARCHAR")} AS flow_name`,
    `${v(r.status, "VARCHAR")} AS status`,
    `${v(r.startedAt.toISOString(), "TIMESTAMPTZ")} AS started_at`,
    `${v(r.endedAt.toISOString(), "TIMESTAMPTZ")} AS ended_at`,
    `${v(r.sourceRange ? JSON.stringify(r.sourceRange) : null, "VARCHAR")} AS source_range`,
    `${v(r.targetVersion, "BIGINT")} AS target_version`,
    `${v(r.numInputRows, "BIGINT")} AS num_input_rows`,
    `${v(r.numOutputRows, "BIGINT")} AS num_output_rows`,
    `${v(r.numUpsertedRows, "BIGINT")} AS num_upserted_rows`,
    `${v(r.numDeletedRows, "BIGINT")} AS num_deleted_rows`,
    `${v(r.droppedRecords, "BIGINT")} AS dropped_records`,
    `${v(JSON.stringify(r.expectations), "VARCHAR")} AS expectations`,
    `${v(r.error, "VARCHAR")} AS error`,
  ];
  await DeltaTable.forPath(runsPath, duck).write(`SELECT ${row.join(", ")}`, { mode: "append", operation: "RUN LOG" });
}

/**
 * What a layer's commit records about its run (commitInfo.userMetadata), so the run log can be
 * rebuilt from the targets' own commits: the run, when it started, what it read, the contract's metrics.
 */
export interface CommitNote {
  medallion: { runId: string; layer: Layer; startedAt: string; sourceRange?: LayerResult["sourceRange"]; numInputRows?: number; droppedRecords?: number; numDeletedRows?: number; expectations?: ExpectationMetrics[] };
}

export function commitNote(r: Pick<LayerResult, "runId" | "layer" | "startedAt"> & Partial<Pick<LayerResult, "sourceRange" | "numInputRows" | "droppedRecords" | "numDeletedRows" | "expectations">>): string {
  const { runId, layer, startedAt, ...rest } = r;
  return JSON.stringify({ medallion: { runId, layer, startedAt: startedAt.toISOString(), ...rest } } satisfies CommitNote);
}

/** The note of a commit, if it is one of the pipeline's. */
export function readCommitNote(userMetadata: string | undefined | null): CommitNote["medallion"] | undefined {
  if (!userMetadata) return undefined;
  try {
    const n = JSON.parse(userMetadata) as Partial<CommitNote>;
    return n && typeof n.medallion === "object" && typeof n.medallion.runId === "string" ? n.medallion : undefined;
  } catch {
    return undefined;
  }
}
