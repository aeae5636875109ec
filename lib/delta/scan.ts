/**
 * Scans of a snapshot through DuckDB: which data files to read (after partition pruning and
 * data skipping) and how — physical-to-logical names under column mapping, partition values
 * cast to the schema's types, deletion vectors applied. The result is SQL over the files, so
 * large tables never pass through JavaScript.
 */
import type { Duck, Row } from "../duck";
import { sqlString, sqlIdent } from "../duck";
import { StreamlabError } from "../errors";
import type { AddFile } from "./actions";
import { readDeletionVector } from "./deletion-vectors";
import { duckType, isArray, isMap, isStruct, logicalExpr, physicalName, type ColumnMappingMode, type StructField } from "./schema";
import { mayMatch, parseConjuncts, statsOf } from "./skipping";
import type { Snapshot } from "./snapshot";

export interface ScanOptions {
  /** Logical column names to return (default: all, in schema order). */
  columns?: string[];
  /** A SQL predicate over logical columns; also used for partition pruning and data skipping. */
  filter?: string;
  /** Also return each row's data file (FILE_COLUMN) and row index in it (ROW_COLUMN): for DML. */
  withFileInfo?: boolean;
  /** Scan only these active files (default: all). */
  files?: AddFile[];
}

export const FILE_COLUMN = "__sl_file";
export const ROW_COLUMN = "__sl_row";

export interface ScanMetrics {
  totalFiles: number;
  filesSelected: number;
  filesSkipped: number;
  deletionVectors: number;
  /** Time to plan the scan (file selection, deletion vectors, temporary tables), ms. */
  planningMs: number;
}

let scanCounter = 0;

/** A planned scan: `sql` selects the table's rows in DuckDB. close() drops its temporary tables. */
export class DeltaScan {
  constructor(
    readonly snapshot: Snapshot,
    readonly duck: Duck,
    readonly sql: string,
    readonly files: AddFile[],
    readonly metrics: ScanMetrics,
    private readonly temps: string[],
  ) {}

  /** All rows as JavaScript objects (small results only). */
  async rows<T extends Row = Row>(limit?: number): Promise<T[]> {
    return this.duck.all<T>(limit === undefined ? this.sql : `SELECT * FROM (${this.sql}) LIMIT ${limit}`);
  }

  async count(): Promise<number> {
    return Number(await this.duck.value(`SELECT count(*) FROM (${this.sql})`));
  }

  /** A DuckDB view over the scan, for SQL in notebooks and pipelines. */
  async createView(name: string): Promise<string> {
    await this.duck.run(`CREATE OR REPLACE TEMP VIEW ${sqlIdent(name)} AS ${this.sql}`);
    return name;
  }

  /** Rows as an arquero table (small results only). */
  async arquero(limit?: number): Promise<unknown> {
    const aq = (await import("arquero")) as { from(rows: object[]): unknown };
    return aq.from(await this.rows(limit));
  }

  /** Drops the scan's temporary tables (deletion vectors, file lists); views made by createView stop working. */
  async close(): Promise<void> {
    for (const t of this.temps.splice(0)) await this.duck.run(`DROP TABLE IF EXISTS ${t}`);
  }

  /** `await using scan = await table.scan()` closes the scan when the block ends. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** A typed NULL column, for columns no file has. */
function nullColumn(f: StructField, mode: ColumnMappingMode): string {
  return `CAST(NULL AS ${duckType(f.type, mode)}) AS ${sqlIdent(f.name)}`;
}

/** A partition value (a string in the log) as a SQL expression of the column's type. */
function partitionExpr(col: string, f: StructField): string {
  const t = f.type;
  if (t === "string") return col;
  if (t === "binary") return `encode(${col})`;
  const nonEmpty = `NULLIF(${col}, '')`;
  if (t === "timestamp") return `CAST(replace(${nonEmpty}, 'T', ' ') AS TIMESTAMPTZ)`;
  if (t === "timestamp_ntz") return `CAST(replace(replace(${nonEmpty}, 'T', ' '), 'Z', '') AS TIMESTAMP)`;
  return `CAST(${nonEmpty} AS ${duckType(t)})`;
}

export async function planScan(snapshot: Snapshot, duck: Duck, options: ScanOptions = {}): Promise<DeltaScan> {
  const started = performance.now();
  const schema = snapshot.schema;
  const mode = snapshot.columnMapping;
  const partitionColumns = snapshot.partitionColumns;
  const fields = schema.fields;
  const wanted = options.columns ?? fields.map((f) => f.name);
  for (const c of wanted) {
    if (!fields.some((f) => f.name === c)) {
      throw new StreamlabError("INVALID_ARGUMENT", `The table has no column "${c}".`, { hint: `Its columns are: ${fields.map((f) => f.name).join(", ")}.` });
    }
  }
  const conjuncts = options.filter ? parseConjuncts(options.filter) : [];
  const candidates = options.files ?? snapshot.files;
  const files = candidates.filter((a) => mayMatch(a, conjuncts, schema, partitionColumns, mode));
  const info = options.withFileInfo ? [FILE_COLUMN, ROW_COLUMN] : [];
  const id = ++scanCounter;
  const temps: string[] = [];
  const outer = (inner: string) => {
    const projection = [...wanted, ...info].map(sqlIdent).join(", ");
    return `SELECT ${projection} FROM (${inner}) AS t${options.filter ? ` WHERE ${options.filter}` : ""}`;
  };
  const metrics: ScanMetrics = { totalFiles: candidates.length, filesSelected: files.length, filesSkipped: candidates.length - files.length, deletionVectors: 0, planningMs: 0 };

  if (files.length === 0) {
    const extra = options.withFileInfo ? `, NULL::VARCHAR AS ${FILE_COLUMN}, NULL::BIGINT AS ${ROW_COLUMN}` : "";
    const inner = `SELECT ${fields.map((f) => nullColumn(f, mode)).join(", ")}${extra} WHERE false`;
    metrics.planningMs = performance.now() - started;
    return new DeltaScan(snapshot, duck, outer(inner), files, metrics, temps);
  }

  // One row per file: its local path and its partition values (strings, as in the log).
  const partFields = partitionColumns.map((c) => {
    const f = fields.find((x) => x.name === c);
    if (!f) throw new StreamlabError("DELTA_INVALID_SCHEMA", `Partition column "${c}" is not in the table's schema.`);
    return f;
  });
  const paths = files.map((a) => snapshot.filePath(a));
  const filesTable = `__sl_scan_files_${id}`;
  const joined = partFields.length > 0 || files.some((a) => a.deletionVector) || options.withFileInfo === true;
  if (joined) {
    await duck.run(`CREATE TEMP TABLE ${filesTable} (filename VARCHAR${partFields.map((_, i) => `, p${i} VARCHAR`).join("")})`);
    temps.push(filesTable);
    await appendRows(duck, filesTable, files.map((a, i) => [paths[i]!, ...partFields.map((f) => {
      const v = a.partitionValues?.[physicalName(f, mode)];
      return v === undefined ? null : v;
    })]));
  }

  // Deletion vectors: the deleted row indexes of each file, anti-joined by (file, row index).
  const withDv = files.map((a, i) => ({ a, p: paths[i]! })).filter(({ a }) => a.deletionVector);
  let dvTable: string | undefined;
  if (withDv.length > 0) {
    dvTable = `__sl_scan_dv_${id}`;
    await duck.run(`CREATE TEMP TABLE ${dvTable} (filename VARCHAR, row_idx BIGINT)`);
    temps.push(dvTable);
    const rows: unknown[][] = [];
    for (const { a, p } of withDv) for (const r of readDeletionVector(snapshot.tableRoot, a.deletionVector!, snapshot.storage)) rows.push([p, r]);
    await appendRows(duck, dvTable, rows);
    metrics.deletionVectors = withDv.length;
  }

  const list = `[${paths.map(sqlString).join(", ")}]`;
  const dataFields = fields.filter((f) => !partitionColumns.includes(f.name));
  // Files known to hold every column of the schema are read as they are: no footer is read before
  // the query runs, and none beyond what the query needs. Otherwise (an evolved schema, files
  // without stats) DuckDB unifies their columns by name, reading every footer.
  const uniform = mode === "none" && holdsEveryColumn(files, dataFields.map((f) => f.name));
  const reader = `read_parquet(${list}${joined ? ", filename = true" : ""}${dvTable || options.withFileInfo ? ", file_row_number = true" : ""}${uniform ? "" : ", union_by_name = true"}, hive_partitioning = false)`;
  const available = uniform ? new Set(dataFields.map((f) => f.name)) : new Set((await duck.describe(`SELECT * FROM ${reader}`)).map((c) => c.name));
  const select = fields.map((f) => {
    const pi = partitionColumns.indexOf(f.name);
    if (pi >= 0) return `${partitionExpr(`f.p${pi}`, f)} AS ${sqlIdent(f.name)}`;
    const phys = physicalName(f, mode);
    if (!available.has(phys)) return nullColumn(f, mode);
    const col = `d.${sqlIdent(phys)}`;
    const nested = isStruct(f.type) || isArray(f.type) || isMap(f.type);
    const expr = nested ? logicalExpr(col, f.type, mode) : `CAST(${col} AS ${duckType(f.type)})`;
    return `${expr} AS ${sqlIdent(f.name)}`;
  });
  if (options.withFileInfo) select.push(`d.filename AS ${FILE_COLUMN}`, `d.file_row_number AS ${ROW_COLUMN}`);
  // Without partition values or deletion vectors to join by file, LIMIT stops the read early.
  let inner = joined ? `SELECT ${select.join(", ")} FROM ${reader} AS d JOIN ${filesTable} AS f ON d.filename = f.filename` : `SELECT ${select.join(", ")} FROM ${reader} AS d`;
  if (dvTable) inner += ` ANTI JOIN ${dvTable} AS dv ON d.filename = dv.filename AND d.file_row_number = dv.row_idx`;
  metrics.planningMs = performance.now() - started;
  return new DeltaScan(snapshot, duck, outer(inner), files, metrics, temps);
}

/**
 * Whether every file's statistics count nulls for each of `columns` — true only when the writer
 * saw each column in the file (Delta writers record stats for the columns a file has; Spark for
 * the first 32). A file without stats, or a table wider than its stats, says nothing: false.
 */
function holdsEveryColumn(files: AddFile[], columns: string[]): boolean {
  return files.every((a) => {
    const nullCount = statsOf(a)?.nullCount;
    return nullCount !== undefined && columns.every((c) => c in nullCount);
  });
}

/** Bulk-inserts small JS rows into a temp table with DuckDB's appender. */
async function appendRows(duck: Duck, table: string, rows: unknown[][]): Promise<void> {
  const appender = await duck.connection.createAppender(table);
  for (const r of rows) {
    for (const v of r) {
      if (v === null || v === undefined) appender.appendNull();
      else if (typeof v === "number") appender.appendBigInt(BigInt(v));
      else appender.appendVarchar(String(v));
    }
    appender.endRow();
  }
  appender.closeSync();
}
