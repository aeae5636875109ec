/**
 * Writes to a Delta table: create, append and overwrite (whole table or `replaceWhere`), from a
 * query, a view, a file or rows — with schema enforcement and evolution, constraints, partitioning,
 * idempotent (txnAppId, txnVersion) writes and optimistic concurrency.
 */
import * as crypto from "node:crypto";
import * as path from "node:path";
import { duck as sharedDuck, type Duck } from "../duck";
import { StreamlabError } from "../errors";
import { toSql, type DataInput } from "../sql-input";
import { faultPoint } from "../util/fault";
import type { Action, Metadata } from "./actions";
import { enforceConstraints, hasConstraints } from "./constraints";
import { discardFiles, writeDataFiles } from "./data-files";
import { parseDdl } from "./ddl";
import { listLog } from "./log-segment";
import { fileList, matchFiles, removeAction, tableColumns } from "./operations/rewrite";
import { FILE_COLUMN } from "./scan";
import { duckType, quoteIdent, type StructType } from "./schema";
import { planSchema, schemaFromColumns } from "./schema-check";
import { Snapshot } from "./snapshot";
import { logDir } from "./log-path";
import { defaultStorage, type Storage } from "./storage";
import { checkWritable, minimalProtocol } from "./table-features";
import { Transaction, type IsolationLevel } from "./transaction";

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
  /** Table properties when creating (delta.checkpointInterval, delta.appendOnly, delta.enableChangeDataFeed, delta.constraints.NAME, ...). */
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
}

const MODES: SaveMode[] = ["append", "overwrite", "errorIfExists", "ignore"];
let stageCounter = 0;

/** Throws DELTA_NOT_A_DELTA_TABLE when `root` holds files but no _delta_log. */
export function checkTarget(root: string, storage: Storage = defaultStorage): boolean {
  const st = storage.stat(root);
  if (!st) return false;
  if (!st.isDirectory) {
    throw new StreamlabError("DELTA_NOT_A_DELTA_TABLE", `${root} is a file, not a Delta table folder.`, { hint: "Choose a folder path for the table." });
  }
  if (storage.exists(logDir(root))) {
    const listing = listLog(root, storage);
    return listing.commits.length > 0 || listing.checkpoints.length > 0;
  }
  const other = storage.list(root).map((e) => e.name).filter((n) => !n.startsWith("."));
  if (other.length > 0) {
    throw new StreamlabError("DELTA_NOT_A_DELTA_TABLE", `${root} is not empty and is not a Delta table (no _delta_log; it holds ${other.slice(0, 3).join(", ")}${other.length > 3 ? ", …" : ""}).`, {
      hint: "Write the table into an empty or new folder, or convert the files first.",
    });
  }
  return false;
}

export function newMetadata(schema: StructType, partitionBy: string[], properties: Record<string, string>, name?: string, description?: string): Metadata {
  for (const p of partitionBy) {
    if (!schema.fields.some((f) => f.name === p)) {
      throw new StreamlabError("INVALID_OPTION", `partitionBy names "${p}", which is not a column.`, { hint: `The columns are: ${schema.fields.map((f) => f.name).join(", ")}.` });
    }
    const f = schema.fields.find((x) => x.name === p)!;
    if (typeof f.type !== "string") throw new StreamlabError("INVALID_OPTION", `Cannot partition by "${p}": its type is nested.`);
  }
  if (partitionBy.length > 0 && partitionBy.length >= schema.fields.length) {
    throw new StreamlabError("INVALID_OPTION", "Cannot partition by every column: a Delta table needs at least one data column.");
  }
  const interval = properties["delta.checkpointInterval"];
  if (interval !== undefined && !(Number.isInteger(Number(interval)) && Number(interval) > 0)) {
    throw new StreamlabError("INVALID_OPTION", `delta.checkpointInterval must be a positive integer, got "${interval}".`);
  }
  return {
    id: crypto.randomUUID(),
    ...(name ? { name } : {}),
    ...(description ? { description } : {}),
    format: { provider: "parquet", options: {} },
    schemaString: JSON.stringify(schema),
    partitionColumns: partitionBy,
    configuration: properties,
    createdTime: Date.now(),
  };
}

export function resolveSchema(s: string | StructType): StructType {
  return typeof s === "string" ? parseDdl(s) : s;
}

/** Writes `input` to the Delta table at `tablePath`. */
export async function writeDelta(tablePath: string, input: DataInput, options: WriteOptions = {}): Promise<WriteResult> {
  const mode = options.mode ?? "append";
  if (!MODES.includes(mode)) throw new StreamlabError("INVALID_OPTION", `Unknown write mode "${mode}".`, { hint: `Use one of: ${MODES.join(", ")}.` });
  if (options.replaceWhere && mode !== "overwrite") throw new StreamlabError("INVALID_OPTION", "replaceWhere needs mode: \"overwrite\".");
  if ((options.txnAppId === undefined) !== (options.txnVersion === undefined)) throw new StreamlabError("INVALID_OPTION", "txnAppId and txnVersion go together.");
  if (options.txnVersion !== undefined && !(Number.isInteger(options.txnVersion) && options.txnVersion >= 0)) {
    throw new StreamlabError("INVALID_OPTION", `txnVersion must be a non-negative integer, got ${options.txnVersion}.`);
  }
  const duck = options.duck ?? (await sharedDuck());
  const root = path.resolve(tablePath);
  const exists = checkTarget(root);
  const snapshot = exists ? await Snapshot.load(root, { duck }) : undefined;
  if (snapshot && mode === "errorIfExists") throw new StreamlabError("INVALID_OPTION", `The table ${root} already exists (mode errorIfExists).`);
  if (snapshot && mode === "ignore") return { version: snapshot.version, skipped: true, numFiles: 0, numOutputRows: 0, numOutputBytes: 0, numRemovedFiles: 0, addedColumns: [] };
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
  });
  // A replayed idempotent write is skipped before it touches anything.
  if (txn.alreadyCommitted()) return { version: snapshot!.version, skipped: true, numFiles: 0, numOutputRows: 0, numOutputBytes: 0, numRemovedFiles: 0, addedColumns: [] };

  const src = toSql(input);
  let stage: string | undefined;
  let written: { adds: import("./actions").AddFile[] } = { adds: [] };
  try {
    const cols = await duck.describe(src.sql);
    const replacing = mode === "overwrite" && (options.overwriteSchema || !snapshot);
    let schema: StructType;
    let metadata: Metadata | undefined;
    let sources: Map<string, string | undefined>;
    let addedColumns: string[] = [];
    if (!snapshot || (replacing && options.overwriteSchema)) {
      schema = options.schema ? resolveSchema(options.schema) : schemaFromColumns(cols);
      const plan = planSchema(schema, cols, { mergeSchema: false });
      sources = plan.sources;
      const props = snapshot && !options.properties ? (snapshot.configuration as Record<string, string>) : options.properties ?? {};
      metadata = newMetadata(schema, options.partitionBy ?? (snapshot && !options.partitionBy ? snapshot.partitionColumns : []), props, options.name, options.description);
      if (snapshot) metadata.id = snapshot.metadata.id;
    } else {
      if (options.partitionBy && JSON.stringify(options.partitionBy) !== JSON.stringify(snapshot.partitionColumns)) {
        throw new StreamlabError("DELTA_SCHEMA_MISMATCH", `partitionBy ${JSON.stringify(options.partitionBy)} differs from the table's partitioning ${JSON.stringify(snapshot.partitionColumns)}.`, {
          hint: "Leave partitionBy out when writing to an existing table, or overwrite with overwriteSchema: true.",
        });
      }
      const plan = planSchema(snapshot.schema, cols, { mergeSchema: options.mergeSchema });
      schema = plan.schema;
      sources = plan.sources;
      addedColumns = plan.added;
      if (plan.added.length > 0) metadata = { ...snapshot.metadata, schemaString: JSON.stringify(schema) };
    }
    const configuration = (metadata ?? snapshot!.metadata).configuration ?? {};
    const partitionColumns = (metadata ?? snapshot!.metadata).partitionColumns;
    if (snapshot && configuration["delta.appendOnly"] === "true" && mode === "overwrite") {
      throw new StreamlabError("DELTA_APPEND_ONLY", `${root} is append-only (delta.appendOnly = true): it cannot be overwritten.`, { hint: "Append instead, or unset delta.appendOnly." });
    }

    // The data in the table's column order and types; columns the data lacks are NULL.
    let select = `SELECT ${schema.fields
      .map((f) => {
        const s = sources.get(f.name);
        return `${s === undefined ? "NULL" : `CAST(${quoteIdent(s)} AS ${duckType(f.type)})`} AS ${quoteIdent(f.name)}`;
      })
      .join(", ")} FROM (${src.sql})`;
    if (partitionColumns.length > 0 || hasConstraints(schema, configuration) || options.replaceWhere) {
      // Several passes follow (checks, one COPY per partition): materialise the input once.
      stage = `__sl_write_stage_${++stageCounter}`;
      await duck.run(`CREATE TEMP TABLE ${stage} AS ${select}`);
      select = `SELECT * FROM ${stage}`;
    }
    await enforceConstraints(duck, select, schema, configuration);
    if (options.replaceWhere) {
      const outside = Number(await duck.value(`SELECT count(*) FROM (${select}) WHERE NOT coalesce((${options.replaceWhere}), false)`));
      if (outside > 0) {
        throw new StreamlabError("DELTA_CONSTRAINT_VIOLATION", `${outside} row${outside === 1 ? "" : "s"} of the data do not match replaceWhere (${options.replaceWhere}); nothing was written.`, {
          hint: "Every row written with replaceWhere must match its predicate.",
        });
      }
    }

    written = await writeDataFiles(duck, root, select, schema, partitionColumns, { targetFileSize: options.targetFileSize });
    const w = written as Awaited<ReturnType<typeof writeDataFiles>>;
    if (w.numOutputRows === 0 && snapshot && mode === "append" && !options.allowEmpty && addedColumns.length === 0) {
      throw new StreamlabError("DELTA_EMPTY_WRITE", `The write to ${root} has no rows; the table is unchanged.`, { hint: "Pass allowEmpty: true to commit an empty write anyway." });
    }

    const actions: Action[] = [];
    if (!snapshot || metadata) {
      const meta = metadata!;
      const protocol = minimalProtocol(meta);
      if (!snapshot || JSON.stringify(protocol) !== JSON.stringify(snapshot.protocol)) {
        if (!snapshot || protocolRank(protocol) > protocolRank(snapshot.protocol)) actions.push({ protocol });
      }
      actions.push({ metaData: meta });
    }
    let removed = 0;
    if (snapshot && mode === "overwrite") {
      if (options.replaceWhere) {
        const { scan, hits } = await matchFiles(snapshot, duck, options.replaceWhere);
        try {
          txn.read(hits.map((h) => h.add), options.replaceWhere);
          const touched = hits.filter((h) => h.hits > 0);
          const partial = touched.filter((h) => h.hits < h.rows);
          if (partial.length > 0) {
            const keep = await writeDataFiles(duck, root, `SELECT ${tableColumns(snapshot.schema)} FROM (${scan.sql}) WHERE ${FILE_COLUMN} IN (${fileList(partial.map((h) => h.path))}) AND NOT coalesce((${options.replaceWhere}), false)`, snapshot.schema, snapshot.partitionColumns, { targetFileSize: options.targetFileSize });
            w.adds.push(...keep.adds);
          }
          for (const h of touched) actions.push(removeAction(h.add));
          removed = touched.length;
        } finally {
          await scan.close();
        }
      } else {
        txn.read(snapshot.files);
        for (const a of snapshot.files) actions.push(removeAction(a));
        removed = snapshot.files.length;
      }
    }
    actions.push(...w.adds.map((add) => ({ add })));
    txn.addActions(...actions);
    faultPoint("delta.beforeCommit", options.txnVersion);
    const result = await txn.commit({
      numFiles: w.adds.length,
      numOutputRows: w.numOutputRows,
      numOutputBytes: w.numOutputBytes,
      ...(removed ? { numRemovedFiles: removed } : {}),
    });
    if (result.skipped) discardFiles(root, w.adds);
    return {
      version: result.version,
      skipped: result.skipped,
      numFiles: result.skipped ? 0 : w.adds.length,
      numOutputRows: result.skipped ? 0 : w.numOutputRows,
      numOutputBytes: result.skipped ? 0 : w.numOutputBytes,
      numRemovedFiles: result.skipped ? 0 : removed,
      addedColumns,
    };
  } catch (e) {
    discardFiles(root, written.adds);
    throw e;
  } finally {
    src.cleanup();
    if (stage) await duck.run(`DROP TABLE IF EXISTS ${stage}`);
  }
}

function protocolRank(p: { minReaderVersion: number; minWriterVersion: number; readerFeatures?: string[]; writerFeatures?: string[] }): number {
  return p.minReaderVersion * 100 + p.minWriterVersion + (p.writerFeatures?.length ?? 0) / 100;
}
