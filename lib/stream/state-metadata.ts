/**
 * What a checkpoint's `state/` folder holds, per stateful operator — Spark's `state-metadata`
 * source (operatorId, operatorName, the batches its versions cover) plus the state files on disk
 * and the rows of the newest version, read back from Parquet with DuckDB. For tools that look
 * into a checkpoint (`streamlab checkpoint show`); nothing is written or locked.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Duck } from "../duck";
import { isStreamlabError, messageOf } from "../errors";
import { readStateSchema } from "./operators/state-schema";
import { StateStore, stateFilesOnDisk } from "./state-store";

export interface StateOperatorMetadata {
  operatorId: number;
  /** Spark's operatorName (stateStoreSave, dedupe, …); undefined without `_metadata/schema`. */
  operatorName?: string;
  keyColumns: string[];
  /** The state row's columns with their DuckDB types, keys first. */
  columns: [name: string, type: string][];
  /** Versions with a delta file, and with a snapshot file (version v = the state after batch v − 1). */
  deltas: number[];
  snapshots: number[];
  /** The newest version on disk (0: none). */
  latestVersion: number;
  /** Rows in the newest version; undefined when it cannot be restored (see `error`). */
  numRowsTotal?: number;
  error?: string;
}

/**
 * The key columns of a schema written before keys were recorded: every column but the
 * aggregates' partials (`__sl_a<i>…`) and dedupWithinWatermark's expiry.
 */
function keysOf(columns: [string, string][], recorded: string[] | undefined): string[] {
  return recorded ?? columns.map(([n]) => n).filter((n) => !/^__sl_a\d/.test(n) && n !== "__sl_expires_us");
}

/** One entry per `state/<operatorId>` folder of the checkpoint at `checkpointDir`, by operator id. */
export async function readStateMetadata(checkpointDir: string, duck: Duck): Promise<StateOperatorMetadata[]> {
  const root = path.join(checkpointDir, "state");
  if (!fs.existsSync(root)) return [];
  const ids = fs
    .readdirSync(root)
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
    .sort((a, b) => a - b);
  const out: StateOperatorMetadata[] = [];
  for (const operatorId of ids) {
    const partition = path.join(root, String(operatorId), "0");
    const schema = readStateSchema(partition);
    const columns = schema?.columns ?? [];
    const keyColumns = schema ? keysOf(columns, schema.keyColumns) : [];
    const listing = stateFilesOnDisk(partition);
    const latestVersion = Math.max(0, ...listing.deltas, ...listing.snapshots);
    const entry: StateOperatorMetadata = { operatorId, operatorName: schema?.operator, keyColumns, columns, ...listing, latestVersion };
    if (!schema) entry.error = `no ${path.join("state", String(operatorId), "_metadata", "schema")}: the rows cannot be read`;
    else if (latestVersion > 0) {
      const store = new StateStore(duck, partition, { keyColumns, columns });
      try {
        await store.load(latestVersion);
        entry.numRowsTotal = (await store.metrics()).numRowsTotal;
      } catch (e) {
        if (!isStreamlabError(e, "STREAM_CHECKPOINT_CORRUPT")) throw e;
        entry.error = messageOf(e);
      } finally {
        await store.close();
      }
    } else entry.numRowsTotal = 0;
    out.push(entry);
  }
  return out;
}
