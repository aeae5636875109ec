/**
 * Bronze: the daily files as they came, exactly once per file. The file source (Auto Loader
 * semantics, its checkpoint under BASE/_checkpoints/bronze) reads every column as the original
 * string; each row gets `_source_file`, `_ingested_at` and `_batch_id`, and the Delta sink commits
 * one append per batch, idempotent by its txn. Malformed lines go to the file source's quarantine
 * (badRecordsPath BASE/quarantine/bronze), counted, never dropped.
 */
import { checkpointBatches } from "../../api/inspect";
import { readStream } from "../../api/read-stream";
import { DeltaTable } from "../../delta/table";
import type { Duck } from "../../duck";
import type { StreamingQueryProgress } from "../../stream/progress";
import { BRONZE_DATA_SCHEMA, BRONZE_SCHEMA, type MedallionPaths } from "./layout";
import { commitNote, type LayerResult } from "./run-log";

/** Only the daily files: anything else in the landing folder is not bronze's. */
export const DAILY_FILE_GLOB = "events_*.csv";

export async function runBronze(raw: string, p: MedallionPaths, duck: Duck, runId: string): Promise<LayerResult> {
  const startedAt = new Date();
  await DeltaTable.create(p.bronze, BRONZE_SCHEMA, { ifNotExists: true, duck, properties: { "delta.appendOnly": "true" }, description: "Daily event files as they came: every column a string, with _source_file, _ingested_at, _batch_id" });
  const before = (await DeltaTable.forPath(p.bronze, duck).snapshot()).version;
  const progress: StreamingQueryProgress[] = [];
  const q = await readStream
    .files(raw, { format: "csv", schema: BRONZE_DATA_SCHEMA, includeMetadata: true, pathGlobFilter: DAILY_FILE_GLOB, mode: "PERMISSIVE", badRecordsPath: p.bronzeQuarantine })
    .transform({
      label: "bronze columns (_source_file, _ingested_at, _batch_id)",
      apply: (input, ctx) => `SELECT * EXCLUDE (_metadata), _metadata.file_path AS _source_file, now() AS _ingested_at, ${ctx.batchId}::BIGINT AS _batch_id FROM (${input})`,
    })
    .writeStream({ format: "delta", path: p.bronze, options: { userMetadata: commitNote({ runId, layer: "bronze", startedAt }) } }, { checkpointLocation: p.bronzeCheckpoint, queryName: "medallion_bronze", trigger: "availableNow", duck, listeners: [{ onQueryProgress: (e) => progress.push(e.progress) }] });
  await q.awaitTermination();
  const after = (await DeltaTable.forPath(p.bronze, duck).snapshot()).version;
  const batches = new Set(progress.map((x) => x.batchId));
  const files = checkpointBatches(p.bronzeCheckpoint).filter((b) => batches.has(b.batchId)).flatMap((b) => b.files);
  const rows = progress.reduce((s, x) => s + x.numInputRows, 0);
  const malformed = progress.reduce((s, x) => s + Number(x.sources[0]?.metrics.numMalformedRecords ?? 0), 0);
  return {
    runId,
    layer: "bronze",
    status: "COMPLETED",
    startedAt,
    endedAt: new Date(),
    sourceRange: files.length ? { files } : null,
    targetVersion: after > before ? after : null,
    numInputRows: rows + malformed,
    numOutputRows: rows,
    numUpsertedRows: 0,
    numDeletedRows: 0,
    droppedRecords: malformed,
    expectations: [],
  };
}
