/**
 * Writes to a Delta table: create, append and overwrite (whole table or `replaceWhere`), from a
 * query, a view, a file or rows — with schema enforcement and evolution, constraints, partitioning,
 * idempotent (txnAppId, txnVersion) writes and optimistic concurrency.
 */
import * as path from "node:path";
import { duck as sharedDuck, type Duck, sqlIdent } from "../duck";
import { StreamlabError, isStreamlabError } from "../errors";
import { toSql, type DataInput } from "../sql-input";
import { faultPoint, tableLabel } from "../util/fault";
import type { Action, AddFile, Metadata } from "./actions";
import { enforceConstraints, hasConstraints } from "./constraints";
import { checkTarget, metadataActions, newMetadata, resolveSchema } from "./create";
import { Staging, discardFiles, writeDataFiles } from "./data-files";
import { logDir } from "./log-path";
import { removeAction, rewriteFiles, inFiles, tableColumns } from "./operations/rewrite";
import { duckType, type StructType } from "./schema";
import { planSchema, schemaFromColumns, type SourceColumn } from "./schema-check";
import { Snapshot } from "./snapshot";
import { defaultStorage, type Storage } from "./storage";
import { checkWritable } from "./table-features";
import { Transaction, type IsolationLevel } from "./transaction";

export { checkTarget, newMetadata, resolveSchema };

export type SaveMode = "append" | "overwrite" | "errorIfExists" | "ignore";

export interface WriteOptions {
  /** Default "append" (which creates the table when missing). */
  mode?: SaveMode;
  /** Partition columns, when the write creates the table. */
  partitionBy?: string[];
  /** An explicit schema (Spark DDL or a Delta struct) when the write creates the table. */
  schema?: string | StructType;
  /** Add the data's new columns to the table. */
  mergeSchema?: boolean;
  /** With mode "overwrite": replace the schema (and partitioning) too. */
  overwriteSchema?: boolean;
  /** With mode "overwrite": replace only the rows matching this predicate; every new row must match it. */
  replaceWhere?: string;
  /** Table properties when creating (delta.checkpointInterval, delta.appendOnly, delta.enableChangeDataFeed, delta.autoOptimize.autoCompact, delta.constraints.NAME, ...). */
  properties?: Record<string, string>;
  /** Idempotent writes: skip when this appId already committed this txnVersion or a later one. */
  txnAppId?: string;
  txnVersion?: number;
  /** Parquet file size to aim for (bytes). Default 128 MiB. */
  targetFileSize?: number;
  /** Commit even when there are no rows (appends nothing; useful to record a txn). */
  allowEmpty?: boolean;
  /** The commitInfo operation (default "WRITE", or "CREATE TABLE" for an empty create). */
  operation?: string;
  operationParameters?: Record<string, unknown>;
  isolationLevel?: IsolationLevel;
  userMetadata?: string;
  /** Table name and description recorded in metaData when creating. */
  name?: string;
  description?: string;
  duck?: Duck;
  /** Where the table lives (default: the local file system). */
  storage?: Storage;
  /**
   * The table as the caller last saw it (a writer that commits often keeps it between writes):
   * brought up to date by reading only the commits written since, instead of loading the table.
   */
  snapshot?: Snapshot;
  /** Look for crashed writers' leftovers before committing (default true). */
  cleanLeftovers?: boolean;
  /** Write a checkpoint the commit is due for while the caller goes on (see TransactionOptions.checkpointInBackground). */
  checkpointInBackground?: boolean;
  /** Runs once the data files are written, before the commit; a throw discards the files and commits nothing. */
  beforeCommit?: () => Promise<void>;
  /** The input's columns and DuckDB types, when the caller knows them (saves asking DuckDB to describe the input). */
  inputColumns?: SourceColumn[];
  /** A staging folder in the table that the caller keeps across its writes and removes when done (a stream's sink); default: one per write. */
  staging?: Staging;
}

export interface WriteResult {
  version: number;
  skipped: boolean;
  numFiles: number;
  numOutputRows: number;
  numOutputBytes: number;
  numRemovedFiles: number;
  /** Columns added by mergeSchema. */
  addedColumns: string[];
  /** The table at `version` (or after the auto compaction that followed), when it follows from the snapshot written to and the commits made (for the caller to keep). */
  snapshot?: Snapshot;
  /** The version of the auto compaction the write set off (delta.autoOptimize.autoCompact), if any. */
  autoCompactVersion?: number;
}

const MODES: SaveMode[] = ["append", "overwrite", "errorIfExists", "ignore"];
let stageCounter = 0;

/** Writes `input` to the Delta table at `tablePath`. */
export async function writeDelta(tablePath: string, input: DataInput, options: WriteOptions = {}): Promise<WriteResult> {
  checkWriteOptions(options);
  const duck = options.duck ?? (await sharedDuck());
  const root = path.resolve(tablePath);
  const storage = options.storage ?? defaultStorage;
  for (let attempt = 1; ; attempt++) {
    const known = attempt === 1 && options.snapshot?.tableRoot === root ? options.snapshot.update() : undefined;
    const snapshot = known ?? (checkTarget(root, storage) ? await Snapshot.load(root, { duck, storage }) : undefined);
    try {
      return await writeTo(root, snapshot, input, options, duck, storage);
    } catch (e) {
      // Another writer created the table while this one prepared to: write to the table it made,
      // with the same rules as if it had been there (append, schema checks, conflicts).
      if (!snapshot && attempt === 1 && isStreamlabError(e, "DELTA_TABLE_ALREADY_EXISTS")) continue;
      throw e;
    }
  }
}

function checkWriteOptions(options: WriteOptions): void {
  const mode = options.mode ?? "append";
  if (!MODES.includes(mode)) throw new StreamlabError("INVALID_OPTION", `Unknown write mode "${mode}".`, { hint: `Use one of: ${MODES.join(", ")}.` });
  if (options.replaceWhere && mode !== "overwrite") throw new StreamlabError("INVALID_OPTION", "replaceWhere needs mode: \"overwrite\".");
  if ((options.txnAppId === undefined) !== (options.txnVersion === undefined)) throw new StreamlabError("INVALID_OPTION", "txnAppId and txnVersion go together.");
  if (options.txnVersion !== undefined && !(Number.isInteger(options.txnVersion) && options.txnVersion >= 0)) {
    throw new StreamlabError("INVALID_OPTION", `txnVersion must be a non-negative integer, got ${options.txnVersion}.`);
  }
}

function skippedResult(snapshot: Snapshot): WriteResult {
  return { version: snapshot.version, skipped: true, numFiles: 0, numOutputRows: 0, numOutputBytes: 0, numRemovedFiles: 0, addedColumns: [], snapshot };
}

/** One attempt at the write against `snapshot` (undefined: the table does not exist yet). */
async function writeTo(root: string, snapshot: Snapshot | undefined, input: DataInput, options: WriteOptions, duck: Duck, storage: Storage): Promise<WriteResult> {
  const mode = options.mode ?? "append";
  if (snapshot && mode === "errorIfExists") throw new StreamlabError("INVALID_OPTION", `The table ${root} already exists (mode errorIfExists).`);
  if (snapshot && mode === "ignore") return skippedResult(snapshot);
  if (snapshot) checkWritable(snapshot.protocol, snapshot.metadata, root);
  const txn = new Transaction(root, snapshot, duck, {
    operation: options.operation ?? "WRITE",
    operationParameters: options.operationParameters ?? {
      mode: mode === "errorIfExists" ? "ErrorIfExists" : mode[0]!.toUpperCase() + mode.slice(1),
      partitionBy: JSON.stringify(snapshot?.partitionColumns ?? options.partitionBy ?? []),
      ...(options.replaceWhere ? { predicate: JSON.stringify([options.replaceWhere]) } : {}),
    },
    txnAppId: options.txnAppId,
    txnVersion: options.txnVersion,
    isolationLevel: options.isolationLevel,
    userMetadata: options.userMetadata,
    storage,
    cleanLeftovers: options.cleanLeftovers,
    checkpointInBackground: options.checkpointInBackground,
  });
  // A replayed idempotent write is skipped before it touches anything.
  if (txn.alreadyCommitted()) return skippedResult(snapshot!);

  // Large row arrays are staged in a file inside the table, so a crash never leaves one elsewhere.
  const staging = new Staging(root, storage);
  const src = toSql(input, { tempDir: () => staging.dir() });
  const written: AddFile[] = [];
  let stage: string | undefined;
  try {
    const plan = planTableSchema(root, snapshot, mode, options.inputColumns ?? (await duck.describe(src.sql)), options);
    // The log folder exists before any data file: another writer creating the same table sees a
    // table being created (and races for commit 0), never a folder of unknown files.
    if (!snapshot) storage.mkdir(logDir(root));
    let select = projectToTable(src.sql, plan);
    if (plan.partitionColumns.length > 0 || hasConstraints(plan.schema, plan.configuration) || options.replaceWhere) {
      // Several passes follow (checks, one COPY per partition): materialise the input once.
      stage = `__sl_write_stage_${++stageCounter}`;
      await duck.run(`CREATE TEMP TABLE ${stage} AS ${select}`);
      select = `SELECT * FROM ${stage}`;
    }
    await checkRows(duck, select, plan, options.replaceWhere);

    const files = await writeDataFiles(duck, root, select, plan.schema, plan.partitionColumns, { targetFileSize: options.targetFileSize, storage, staging: options.staging });
    written.push(...files.adds);
    if (files.numOutputRows === 0 && snapshot && mode === "append" && !options.allowEmpty && plan.addedColumns.length === 0) {
      throw new StreamlabError("DELTA_EMPTY_WRITE", `The write to ${root} has no rows; the table is unchanged.`, { hint: "Pass allowEmpty: true to commit an empty write anyway." });
    }
    const actions: Action[] = plan.metadata ? metadataActions(plan.metadata, snapshot?.protocol) : [];
    let removed = 0;
    if (snapshot && mode === "overwrite") {
      const replaced = await replacedRows(snapshot, duck, txn, options, written);
      actions.push(...replaced.actions);
      removed = replaced.removed;
    }
    actions.push(...files.adds.map((add) => ({ add })));
    txn.addActions(...actions);
    await options.beforeCommit?.();
    faultPoint("delta.beforeCommit", options.txnVersion);
    faultPoint(`delta.beforeCommit:${tableLabel(root)}`, options.txnVersion);
    const result = await txn.commit({
      numFiles: written.length,
      numOutputRows: files.numOutputRows,
      numOutputBytes: files.numOutputBytes,
      ...(removed ? { numRemovedFiles: removed } : {}),
    });
    if (result.skipped) discardFiles(root, written, storage);
    return {
      version: result.version,
      skipped: result.skipped,
      numFiles: result.skipped ? 0 : written.length,
      numOutputRows: result.skipped ? 0 : files.numOutputRows,
      numOutputBytes: result.skipped ? 0 : files.numOutputBytes,
      numRemovedFiles: result.skipped ? 0 : removed,
      addedColumns: plan.addedColumns,
      snapshot: result.snapshot,
      ...(result.autoCompactVersion !== undefined ? { autoCompactVersion: result.autoCompactVersion } : {}),
    };
  } catch (e) {
    discardFiles(root, written, storage);
    throw e;
  } finally {
    src.cleanup();
    staging.remove();
    if (stage) await duck.run(`DROP TABLE IF EXISTS ${stage}`);
  }
}

/** The table's schema after the write, where each column's data comes from, and the metadata to commit (if it changes). */
interface TablePlan {
  schema: StructType;
  /** Table column → data column (undefined: the data has none; NULL is written). */
  sources: Map<string, string | undefined>;
  /** The new metaData, when the write creates the table or changes its schema. */
  metadata?: Metadata;
  configuration: Record<string, string | null>;
  partitionColumns: string[];
  addedColumns: string[];
}

function planTableSchema(root: string, snapshot: Snapshot | undefined, mode: SaveMode, cols: SourceColumn[], options: WriteOptions): TablePlan {
  let plan: Omit<TablePlan, "configuration" | "partitionColumns">;
  if (!snapshot || (mode === "overwrite" && options.overwriteSchema)) {
    // A new table, or a new definition of it: the schema given, else the data's.
    const schema = options.schema ? resolveSchema(options.schema) : schemaFromColumns(cols);
    const { sources } = planSchema(schema, cols, { mergeSchema: false });
    const props = snapshot && !options.properties ? (snapshot.configuration as Record<string, string>) : options.properties ?? {};
    const metadata = newMetadata(schema, options.partitionBy ?? (snapshot && !options.partitionBy ? snapshot.partitionColumns : []), props, options.name, options.description);
    if (snapshot) metadata.id = snapshot.metadata.id;
    plan = { schema, sources, metadata, addedColumns: [] };
  } else {
    if (options.partitionBy && JSON.stringify(options.partitionBy) !== JSON.stringify(snapshot.partitionColumns)) {
      throw new StreamlabError("DELTA_SCHEMA_MISMATCH", `partitionBy ${JSON.stringify(options.partitionBy)} differs from the table's partitioning ${JSON.stringify(snapshot.partitionColumns)}.`, {
        hint: "Leave partitionBy out when writing to an existing table, or overwrite with overwriteSchema: true.",
      });
    }
    const { schema, sources, added } = planSchema(snapshot.schema, cols, { mergeSchema: options.mergeSchema });
    const metadata = added.length > 0 ? { ...snapshot.metadata, schemaString: JSON.stringify(schema) } : undefined;
    plan = { schema, sources, metadata, addedColumns: added };
  }
  const meta = plan.metadata ?? snapshot!.metadata;
  const configuration = meta.configuration ?? {};
  if (snapshot && configuration["delta.appendOnly"] === "true" && mode === "overwrite") {
    throw new StreamlabError("DELTA_APPEND_ONLY", `${root} is append-only (delta.appendOnly = true): it cannot be overwritten.`, { hint: "Append instead, or unset delta.appendOnly." });
  }
  return { ...plan, configuration, partitionColumns: meta.partitionColumns };
}

/** The data in the table's column order and types; columns the data lacks are NULL. */
function projectToTable(sql: string, plan: TablePlan): string {
  const cols = plan.schema.fields.map((f) => {
    const s = plan.sources.get(f.name);
    return `${s === undefined ? "NULL" : `CAST(${sqlIdent(s)} AS ${duckType(f.type)})`} AS ${sqlIdent(f.name)}`;
  });
  return `SELECT ${cols.join(", ")} FROM (${sql})`;
}

/** Constraints, and replaceWhere's rule that every row written must match its predicate. */
async function checkRows(duck: Duck, select: string, plan: TablePlan, replaceWhere: string | undefined): Promise<void> {
  await enforceConstraints(duck, select, plan.schema, plan.configuration);
  if (!replaceWhere) return;
  const outside = Number(await duck.value(`SELECT count(*) FROM (${select}) WHERE NOT coalesce((${replaceWhere}), false)`));
  if (outside > 0) {
    throw new StreamlabError("DELTA_CONSTRAINT_VIOLATION", `${outside} row${outside === 1 ? "" : "s"} of the data do not match replaceWhere (${replaceWhere}); nothing was written.`, {
      hint: "Every row written with replaceWhere must match its predicate.",
    });
  }
}

/**
 * What an overwrite removes: every file, or with replaceWhere the files holding matching rows
 * (copy-on-write: their other rows are written back). Files written are added to `written`.
 */
async function replacedRows(snapshot: Snapshot, duck: Duck, txn: Transaction, options: WriteOptions, written: AddFile[]): Promise<{ actions: Action[]; removed: number }> {
  const predicate = options.replaceWhere;
  if (!predicate) {
    txn.read(snapshot.files);
    return { actions: snapshot.files.map((a) => removeAction(a)), removed: snapshot.files.length };
  }
  const rewrite = await rewriteFiles(snapshot, duck, txn, {
    predicate,
    targetFileSize: options.targetFileSize,
    output: ({ scan, touched }) => {
      const partial = touched.filter((h) => h.hits < h.rows);
      return { rows: partial.length ? `SELECT ${tableColumns(snapshot.schema)} FROM (${scan.sql}) WHERE ${inFiles(partial)} AND NOT coalesce((${predicate}), false)` : undefined };
    },
  });
  if (!rewrite) return { actions: [], removed: 0 };
  written.push(...rewrite.adds);
  return { actions: rewrite.actions, removed: rewrite.touched.length };
}
