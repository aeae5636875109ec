/**
 * Reads checkpoints (classic single-file, multi-part, and V2 with sidecars) into actions.
 * Parquet is read by DuckDB; each action struct comes back as JSON so the replay code sees
 * the same shapes as in JSON commits.
 */
import * as path from "node:path";
import type { Duck } from "../duck";
import { sqlString } from "../duck";
import { StreamlabError, messageOf } from "../errors";
import { parseCommit, type Action } from "./actions";
import { sidecarPath } from "./log-path";
import type { CheckpointFile } from "./log-segment";
import { defaultStorage, type Storage } from "./storage";

const ACTION_COLUMNS = ["txn", "add", "remove", "metaData", "protocol", "domainMetadata", "checkpointMetadata", "sidecar"] as const;

/** Actions of Parquet checkpoint (or sidecar) files. */
export async function readParquetActions(duck: Duck, files: string[]): Promise<Action[]> {
  const list = `[${files.map(sqlString).join(", ")}]`;
  const src = `read_parquet(${list}, union_by_name = true, hive_partitioning = false)`;
  const present = new Set((await duck.describe(`SELECT * FROM ${src}`)).map((c) => c.name));
  const cols = ACTION_COLUMNS.filter((c) => present.has(c));
  if (cols.length === 0) return [];
  // One JSON array per action column (its non-null values), in one row: a parse per column, instead
  // of a JavaScript value per column per row and a parse per action. A checkpoint's actions are a
  // set (one per file, txn, domain…): their order within it means nothing.
  const [row] = await duck.all<Record<string, string | null>>(`SELECT ${cols.map((c) => `to_json(list("${c}") FILTER (WHERE "${c}" IS NOT NULL))::VARCHAR AS "${c}"`).join(", ")} FROM ${src}`);
  const actions: Action[] = [];
  for (const c of cols) {
    const text = row?.[c];
    if (text) for (const value of JSON.parse(text) as unknown[]) actions.push({ [c]: value } as Action);
  }
  return actions;
}

/** All actions of one checkpoint. Throws DELTA_INVALID_CHECKPOINT when it cannot be read. */
export async function readCheckpoint(duck: Duck, checkpoint: CheckpointFile, storage: Storage = defaultStorage): Promise<Action[]> {
  try {
    let actions: Action[];
    const top = checkpoint.paths[0]!;
    if (checkpoint.kind === "v2" && top.endsWith(".json")) actions = parseCommit(storage.readText(top), top);
    else actions = await readParquetActions(duck, checkpoint.paths);
    if (checkpoint.kind === "v2") {
      const sidecars = actions.filter((a) => a.sidecar).map((a) => sidecarPath(top, a.sidecar!.path));
      if (sidecars.length > 0) actions = actions.filter((a) => !a.sidecar).concat(await readParquetActions(duck, sidecars));
    }
    return actions;
  } catch (e) {
    throw new StreamlabError("DELTA_INVALID_CHECKPOINT", `Cannot read the checkpoint at version ${checkpoint.version} (${checkpoint.paths.map((p) => path.basename(p)).join(", ")}): ${messageOf(e)}`, {
      cause: e,
      details: { version: checkpoint.version },
    });
  }
}
