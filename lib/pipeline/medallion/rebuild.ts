/**
 * The run log rebuilt from the targets' own commits: every commit the pipeline makes carries a note
 * (commitInfo.userMetadata: the run id, when it started, what it read, the contract's metrics) and
 * Delta's operation metrics, so the rows of `_pipeline/runs` for the layers that committed can be
 * recovered without it — after the log was lost, or a crash before its row was written. Runs that
 * committed nothing ("no change", a failed contract) leave no commit, and so no rebuilt row.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { checkpointBatches } from "../../api/inspect";
import type { CommitEntry } from "../../delta/commit-range";
import { DeltaTable } from "../../delta/table";
import { LAYERS, type MedallionPaths } from "./layout";
import { readCommitNote, type LayerResult } from "./run-log";

const metric = (c: CommitEntry, name: string) => Number(c.operationMetrics[name] ?? 0);

function commits(table: string): CommitEntry[] {
  return fs.existsSync(table) ? DeltaTable.forPath(table).changes(0) : [];
}

/** Malformed lines bronze's batch `batchId` quarantined: the lines of its badRecordsPath file. */
function malformed(p: MedallionPaths, batchId: number): number {
  const f = path.join(p.bronzeQuarantine, `batch-${String(batchId).padStart(6, "0")}.json`);
  return fs.existsSync(f) ? fs.readFileSync(f, "utf8").split("\n").filter((l) => l.trim() !== "").length : 0;
}

/** One row per layer per run that committed, oldest first, as appendRunLog wrote them (ended_at: the last commit's time). */
export function rebuildRunLog(p: MedallionPaths): LayerResult[] {
  const out: LayerResult[] = [];
  const base = (note: NonNullable<ReturnType<typeof readCommitNote>>, c: CommitEntry): LayerResult => ({
    runId: note.runId,
    layer: note.layer,
    status: "COMPLETED",
    startedAt: new Date(note.startedAt),
    endedAt: new Date(c.timestamp),
    sourceRange: note.sourceRange ?? null,
    targetVersion: c.version,
    numInputRows: note.numInputRows ?? 0,
    numOutputRows: 0,
    numUpsertedRows: 0,
    numDeletedRows: note.numDeletedRows ?? 0,
    droppedRecords: note.droppedRecords ?? 0,
    expectations: note.expectations ?? [],
  });

  // Bronze: one commit per micro-batch; a run's batches are its commits with its note.
  const files = new Map(checkpointBatches(p.bronzeCheckpoint).map((b) => [b.batchId, b.files]));
  const byRun = new Map<string, LayerResult>();
  for (const c of commits(p.bronze)) {
    const note = readCommitNote(c.commitInfo?.userMetadata);
    if (!note || note.layer !== "bronze") continue;
    const batchId = Number(c.operationParameters.epochId);
    const r = byRun.get(note.runId) ?? base(note, c);
    const rows = metric(c, "numOutputRows");
    const bad = malformed(p, batchId);
    r.targetVersion = c.version;
    r.endedAt = new Date(c.timestamp);
    r.numOutputRows += rows;
    r.numInputRows += rows + bad;
    r.droppedRecords += bad;
    r.sourceRange = { files: [...(r.sourceRange && "files" in r.sourceRange ? r.sourceRange.files : []), ...(files.get(batchId) ?? [])] };
    byRun.set(note.runId, r);
  }
  out.push(...byRun.values());

  // Silver: one commit per run (a MERGE, an insert-only append, or the txn alone).
  for (const c of commits(p.silver)) {
    const note = readCommitNote(c.commitInfo?.userMetadata);
    if (!note || note.layer !== "silver") continue;
    const r = base(note, c);
    const merged = c.operationMetrics.numTargetRowsInserted !== undefined;
    r.numUpsertedRows = merged ? metric(c, "numTargetRowsUpdated") : 0;
    r.numOutputRows = merged ? metric(c, "numTargetRowsInserted") + r.numUpsertedRows : metric(c, "numOutputRows");
    r.numDeletedRows = merged ? metric(c, "numTargetRowsDeleted") : 0;
    out.push(r);
  }

  // Gold: one replaceWhere (or full) overwrite per run.
  for (const c of commits(p.gold)) {
    const note = readCommitNote(c.commitInfo?.userMetadata);
    if (!note || note.layer !== "gold") continue;
    const r = base(note, c);
    r.numOutputRows = metric(c, "numOutputRows");
    out.push(r);
  }
  return out.sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime() || a.runId.localeCompare(b.runId) || LAYERS.indexOf(a.layer) - LAYERS.indexOf(b.layer));
}
