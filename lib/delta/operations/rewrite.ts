/**
 * The copy-on-write machinery DELETE, UPDATE, MERGE and replaceWhere share: find the files
 * holding rows that match a predicate, remove them, and write back the rows that survive
 * (changed where needed). Change Data Feed files are written beside them when enabled.
 */
import type { Duck } from "../../duck";
import { sqlString } from "../../duck";
import type { Action, AddFile, RemoveFile } from "../actions";
import { writeDataFiles, type WrittenFiles } from "../data-files";
import { planScan, FILE_COLUMN, type DeltaScan } from "../scan";
import { quoteIdent, type StructType } from "../schema";
import { mayMatch, parseConjuncts } from "../skipping";
import type { Snapshot } from "../snapshot";

export interface FileHit {
  add: AddFile;
  path: string;
  hits: number;
  rows: number;
}

/** A scan over `files` with each row's file and row index, and the per-file count of rows matching `predicate`. */
export async function matchFiles(snapshot: Snapshot, duck: Duck, predicate: string | undefined, files?: AddFile[]): Promise<{ scan: DeltaScan; hits: FileHit[] }> {
  const conj = predicate ? parseConjuncts(predicate) : [];
  const candidates = (files ?? snapshot.files).filter((a) => mayMatch(a, conj, snapshot.schema, snapshot.partitionColumns, snapshot.columnMapping));
  const scan = await planScan(snapshot, duck, { withFileInfo: true, files: candidates });
  if (candidates.length === 0) return { scan, hits: [] };
  const cond = predicate ? `coalesce((${predicate}), false)` : "true";
  const counts = await duck.all<{ f: string; hits: bigint; n: bigint }>(`SELECT ${FILE_COLUMN} AS f, count(*) FILTER (WHERE ${cond}) AS hits, count(*) AS n FROM (${scan.sql}) GROUP BY 1`);
  const byPath = new Map(candidates.map((a) => [snapshot.filePath(a), a]));
  const hits = counts.map((c) => ({ add: byPath.get(c.f)!, path: c.f, hits: Number(c.hits), rows: Number(c.n) }));
  return { scan, hits };
}

export function removeAction(add: AddFile, dataChange = true, now = Date.now()): { remove: RemoveFile } {
  return {
    remove: {
      path: add.path,
      deletionTimestamp: now,
      dataChange,
      extendedFileMetadata: true,
      partitionValues: add.partitionValues,
      size: add.size,
      ...(add.stats ? { stats: add.stats } : {}),
      ...(add.deletionVector ? { deletionVector: add.deletionVector } : {}),
    },
  };
}

/** The table's columns selected from a scan (dropping the file/row columns). */
export function tableColumns(schema: StructType): string {
  return schema.fields.map((f) => quoteIdent(f.name)).join(", ");
}

/** SQL listing file paths, for `__sl_file IN (...)`. */
export function fileList(paths: string[]): string {
  return paths.length ? paths.map(sqlString).join(", ") : "NULL";
}

export function cdfEnabled(snapshot: Snapshot): boolean {
  return snapshot.configuration["delta.enableChangeDataFeed"] === "true";
}

/** Writes Change Data Feed rows (`select` yields the table's columns plus _change_type) as `cdc` actions. */
export async function writeChangeData(duck: Duck, snapshot: Snapshot, select: string): Promise<{ actions: Action[]; files: WrittenFiles }> {
  const schema: StructType = { type: "struct", fields: [...snapshot.schema.fields, { name: "_change_type", type: "string", nullable: true, metadata: {} }] };
  const files = await writeDataFiles(duck, snapshot.tableRoot, select, schema, snapshot.partitionColumns, { subdir: "_change_data", dataChange: false });
  const actions: Action[] = files.adds.map((a) => ({ cdc: { path: a.path, partitionValues: a.partitionValues, size: a.size, dataChange: false } }));
  return { actions, files };
}

