/**
 * Copy-on-write, the skeleton DELETE, UPDATE, MERGE and replaceWhere share: find the files
 * holding rows that match a predicate, record them as read, write back the rows that survive
 * (changed where needed, plus any new ones) to new files, and commit removes + adds with the
 * operation's metrics. Change Data Feed files are written beside them when the table has CDF on.
 * The operations only say which rows to write; written files are taken back on any failure.
 */
import type { Duck } from "../../duck";
import { sqlString, sqlIdent } from "../../duck";
import type { Action, AddFile, RemoveFile } from "../actions";
import { enforceConstraints } from "../constraints";
import { discardFiles, writeDataFiles, type WrittenFiles } from "../data-files";
import { planScan, FILE_COLUMN, type DeltaScan } from "../scan";
import { type StructType } from "../schema";
import { mayMatch, parseConjuncts } from "../skipping";
import type { Snapshot } from "../snapshot";
import { Transaction, type TransactionOptions } from "../transaction";
import { faultPoint, tableLabel } from "../../util/fault";

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
  return schema.fields.map((f) => sqlIdent(f.name)).join(", ");
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
  const files = await writeDataFiles(duck, snapshot.tableRoot, select, schema, snapshot.partitionColumns, { subdir: "_change_data", dataChange: false, storage: snapshot.storage });
  const actions: Action[] = files.adds.map((a) => ({ cdc: { path: a.path, partitionValues: a.partitionValues, size: a.size, dataChange: false } }));
  return { actions, files };
}


/** SQL `__sl_file IN (...)` over the files `hits`. */
export function inFiles(hits: FileHit[]): string {
  return `${FILE_COLUMN} IN (${fileList(hits.map((h) => h.path))})`;
}

/** What a copy-on-write operation sees while it decides what to write. */
export interface RewriteContext {
  snapshot: Snapshot;
  duck: Duck;
  /** A scan over the candidate files with FILE_COLUMN and ROW_COLUMN. */
  scan: DeltaScan;
  /** Per candidate file: its rows and how many match the predicate. */
  hits: FileHit[];
  /** The files being replaced. */
  touched: FileHit[];
}

/** What to write in place of the touched files. */
export interface RewriteOutput {
  /** SQL of the rows to write (the kept and changed rows of the touched files, and any new rows); undefined: none. */
  rows?: string;
  /** SQL of the Change Data Feed rows (the table's columns plus _change_type); written only when CDF is on. */
  changes?: string;
  /** Operation metrics known before writing (row counts). */
  metrics?: Record<string, number>;
}

export interface RewriteSpec {
  /** The rows the operation is about: finds the candidate files and is recorded as read (undefined: the whole table). */
  predicate?: string;
  /** Record the read without the predicate (MERGE reads every row it joins). */
  readWholeTable?: boolean;
  /** Which files to replace (default: those with a matching row). */
  touched?(ctx: Omit<RewriteContext, "touched">): Promise<FileHit[]> | FileHit[];
  /** What to write; null when there is nothing to do (no commit). */
  output(ctx: RewriteContext): Promise<RewriteOutput | null> | RewriteOutput | null;
  /** Check NOT NULL and CHECK constraints on the rows before writing (rows that change). */
  enforceConstraints?: boolean;
  targetFileSize?: number;
}

/** The files written and the actions that replace the touched files with them. */
export interface Rewrite {
  touched: FileHit[];
  adds: AddFile[];
  /** Removes of the touched files, adds of the new files, cdc actions. */
  actions: Action[];
  metrics: Record<string, number>;
  /** Every file written (data and change data), to take back if the commit does not happen. */
  written: { path: string }[];
}

/**
 * Writes the replacement of the files a copy-on-write operation touches and records its read in
 * `txn`; returns null when there is nothing to do. Does not commit (replaceWhere commits the
 * rewrite together with new data); copyOnWrite() does.
 */
export async function rewriteFiles(snapshot: Snapshot, duck: Duck, txn: Transaction, spec: RewriteSpec): Promise<Rewrite | null> {
  const { scan, hits } = await matchFiles(snapshot, duck, spec.predicate);
  const written: { path: string }[] = [];
  const storage = snapshot.storage;
  try {
    txn.read(hits.map((h) => h.add), spec.readWholeTable ? undefined : spec.predicate);
    const base = { snapshot, duck, scan, hits };
    const touched = spec.touched ? await spec.touched(base) : hits.filter((h) => h.hits > 0);
    const out = await spec.output({ ...base, touched });
    if (!out) return null;
    const adds: AddFile[] = [];
    if (out.rows) {
      if (spec.enforceConstraints) await enforceConstraints(duck, out.rows, snapshot.schema, snapshot.configuration);
      const files = await writeDataFiles(duck, snapshot.tableRoot, out.rows, snapshot.schema, snapshot.partitionColumns, { targetFileSize: spec.targetFileSize, storage });
      written.push(...files.adds);
      adds.push(...files.adds);
    }
    const actions: Action[] = [...touched.map((h) => removeAction(h.add)), ...adds.map((add) => ({ add }))];
    if (out.changes && cdfEnabled(snapshot)) {
      const cdc = await writeChangeData(duck, snapshot, out.changes);
      written.push(...cdc.files.adds);
      actions.push(...cdc.actions);
    }
    return { touched, adds, actions, metrics: out.metrics ?? {}, written };
  } catch (e) {
    discardFiles(snapshot.tableRoot, written, storage);
    throw e;
  } finally {
    await scan.close();
  }
}

/**
 * A whole copy-on-write operation: rewriteFiles, then one commit of its actions with the
 * metrics `metrics` derives from it. `version` is null when nothing matched.
 */
export async function copyOnWrite(
  snapshot: Snapshot,
  duck: Duck,
  txnOptions: TransactionOptions,
  spec: RewriteSpec,
  metrics: (r: Rewrite) => Record<string, unknown>,
): Promise<{ version: number | null; rewrite: Rewrite | null }> {
  const txn = new Transaction(snapshot.tableRoot, snapshot, duck, txnOptions);
  const rewrite = await rewriteFiles(snapshot, duck, txn, spec);
  if (!rewrite) return { version: null, rewrite };
  txn.addActions(...rewrite.actions);
  faultPoint(`delta.beforeCommit:${tableLabel(snapshot.tableRoot)}`, txnOptions.txnVersion);
  try {
    const r = await txn.commit(metrics(rewrite));
    return { version: r.version, rewrite };
  } catch (e) {
    discardFiles(snapshot.tableRoot, rewrite.written, snapshot.storage);
    throw e;
  }
}
