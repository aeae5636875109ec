/**
 * Writes data files for a transaction: Parquet by DuckDB (COPY … RETURN_STATS), one folder per
 * partition (hive-style, escaped as Spark escapes), unique names, and an `add` action per file
 * with its stats. DuckDB writes the files into a staging folder of the table (named after this
 * process, so a crashed writer's folder is recognised and removed later) and they are renamed
 * into place; they become part of the table only when the commit that names them succeeds. A
 * writer that writes often (a stream's sink) keeps one staging folder across its writes.
 */
import * as crypto from "node:crypto";
import * as path from "node:path";
import type { Duck } from "../duck";
import { sqlString, sqlIdent } from "../duck";
import type { AddFile } from "./actions";
import { duckType, type StructField, type StructType } from "./schema";
import { columnStatsFromJson, deltaStats } from "./stats";
import { faultPoint } from "../util/fault";
import { defaultStorage, encodeDataPath, stagingPathIn, type Storage } from "./storage";

export const NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__";
export const DEFAULT_TARGET_FILE_SIZE = 128 * 1024 * 1024;

/** Escapes a partition value for a directory name as Spark does (ExternalCatalogUtils.escapePathName). */
export function escapePartitionValue(v: string): string {
  let out = "";
  for (const ch of v) {
    const code = ch.codePointAt(0)!;
    if (code < 0x20 || code === 0x7f || `"#%'*/:=?\\{[]^`.includes(ch)) out += `%${code.toString(16).toUpperCase().padStart(2, "0")}`;
    else out += ch;
  }
  return out;
}

/** SQL that renders a partition column as the string Delta stores in partitionValues. */
export function partitionValueSql(col: string, f: StructField): string {
  const c = sqlIdent(col);
  if (f.type === "timestamp" || f.type === "timestamp_ntz") return `strftime(${c}, '%Y-%m-%d %H:%M:%S.%f')`;
  if (f.type === "binary") return `decode(${c})`;
  return `CAST(${c} AS VARCHAR)`;
}

export interface WrittenFiles {
  adds: AddFile[];
  numOutputRows: number;
  numOutputBytes: number;
}

export interface DataFileOptions {
  targetFileSize?: number;
  dataChange?: boolean;
  /** Sub-folder for the files (e.g. "_change_data" for CDF files). */
  subdir?: string;
  storage?: Storage;
  /** A staging folder the caller keeps across writes (and removes); default: one for this call. */
  staging?: Staging;
}

/**
 * Writes the rows of `select` (whose columns are the table's, by name) as data files of a table
 * with `schema` and `partitionColumns`.
 */
export async function writeDataFiles(
  duck: Duck,
  tableRoot: string,
  select: string,
  schema: StructType,
  partitionColumns: string[],
  options: DataFileOptions = {},
): Promise<WrittenFiles> {
  const target = options.targetFileSize ?? DEFAULT_TARGET_FILE_SIZE;
  const dataFields = schema.fields.filter((f) => !partitionColumns.includes(f.name));
  const partFields = partitionColumns.map((c) => schema.fields.find((f) => f.name === c)!);
  const dataSchema: StructType = { type: "struct", fields: dataFields };
  const projection = dataFields.map((f) => `CAST(${sqlIdent(f.name)} AS ${duckType(f.type)}) AS ${sqlIdent(f.name)}`).join(", ");

  const combos: (string | null)[][] = partFields.length
    ? (await duck.all<Record<string, string | null>>(`SELECT DISTINCT ${partFields.map((f, i) => `${partitionValueSql(f.name, f)} AS p${i}`).join(", ")} FROM (${select})`)).map((r) =>
        partFields.map((_, i) => r[`p${i}`] ?? null),
      )
    : [[]];

  const storage = options.storage ?? defaultStorage;
  const staging = options.staging ?? new Staging(tableRoot, storage);
  const result: WrittenFiles = { adds: [], numOutputRows: 0, numOutputBytes: 0 };
  try {
    for (const combo of combos) {
      const where = partFields.length
        ? ` WHERE ${partFields.map((f, i) => `${partitionValueSql(f.name, f)} IS NOT DISTINCT FROM ${combo[i] === null ? "NULL" : sqlString(combo[i]!)}`).join(" AND ")}`
        : "";
      // APPEND with a unique name per file: the folder may hold earlier writes' files (a kept
      // staging folder, or other partitions of this write); RETURN_STATS names this statement's.
      const rows = await duck.json<{ filename: string; count: string; file_size_bytes: string; column_statistics: unknown }>(
        `COPY (SELECT ${projection || "NULL AS __empty"} FROM (${select})${where}) TO ${sqlString(staging.dir())} ` +
          `(FORMAT parquet, COMPRESSION snappy, FILENAME_PATTERN 'part-{uuid}', APPEND, FILE_SIZE_BYTES ${Math.max(1, Math.floor(target))}, RETURN_STATS)`,
      );
      const relDir = [options.subdir, ...partFields.map((f, i) => `${f.name}=${combo[i] === null ? NULL_PARTITION : escapePartitionValue(combo[i]!)}`)].filter(Boolean).join("/");
      faultPoint("delta.afterStaging");
      const finalDir = path.join(tableRoot, relDir);
      // The table's root exists (the staging folder is in it).
      if (relDir) storage.mkdir(finalDir);
      for (const [i, r] of rows.entries()) {
        const count = Number(r.count);
        if (count === 0 && (rows.length > 1 || combos.length > 1 || partFields.length > 0)) continue;
        const name = `part-${String(i).padStart(5, "0")}-${crypto.randomUUID()}-c000.snappy.parquet`;
        const finalPath = path.join(finalDir, name);
        storage.rename(r.filename, finalPath);
        const st = storage.stat(finalPath)!;
        const rel = relDir ? `${relDir}/${name}` : name;
        result.adds.push({
          path: encodeDataPath(rel),
          partitionValues: Object.fromEntries(partFields.map((f, j) => [f.name, combo[j] ?? null])),
          size: st.size,
          modificationTime: Math.floor(st.mtimeMs),
          dataChange: options.dataChange ?? true,
          stats: JSON.stringify(deltaStats(dataSchema, count, columnStatsFromJson(r.column_statistics))),
        });
        result.numOutputRows += count;
        result.numOutputBytes += st.size;
      }
    }
  } catch (e) {
    // Nothing was committed: take back the files this call placed.
    discardFiles(tableRoot, result.adds, storage);
    throw e;
  } finally {
    if (!options.staging) staging.remove();
  }
  // An empty write still produces one empty file per call in DuckDB: drop it, it carries no rows.
  if (result.numOutputRows === 0) {
    discardFiles(tableRoot, result.adds, storage);
    return { adds: [], numOutputRows: 0, numOutputBytes: 0 };
  }
  return result;
}

/** Deletes files written by writeDataFiles when their commit did not happen. */
export function discardFiles(tableRoot: string, adds: { path: string }[], storage: Storage = defaultStorage): void {
  for (const a of adds) storage.remove(path.join(tableRoot, decodeURIComponent(a.path)));
}

/**
 * A staging folder of this process in the table root, made on first use (only large inputs need
 * one) and removed by remove(); after a crash, the next writer recognises it by its pid.
 */
export class Staging {
  private made?: string;
  constructor(readonly tableRoot: string, readonly storage: Storage = defaultStorage) {}

  dir(): string {
    if (!this.made) {
      this.made = stagingPathIn(this.tableRoot);
      this.storage.mkdir(this.made);
    }
    return this.made;
  }

  remove(): void {
    if (this.made) this.storage.remove(this.made, { recursive: true });
    this.made = undefined;
  }
}
