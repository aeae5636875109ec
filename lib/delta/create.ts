/**
 * Creating a table: checking the target folder, the first commit's metaData and protocol, and
 * DeltaTable.create's empty version 0. Two writers may create the same table at once; the one
 * whose commit 0 lands first wins and the other finds a table (DELTA_TABLE_ALREADY_EXISTS).
 */
import * as crypto from "node:crypto";
import * as path from "node:path";
import type { Duck } from "../duck";
import { duck as sharedDuck } from "../duck";
import { StreamlabError } from "../errors";
import type { Action, Metadata, Protocol } from "./actions";
import { autoCompactSettings } from "./auto-compact";
import { parseDdl } from "./ddl";
import { logDir } from "./log-path";
import { listLog } from "./log-segment";
import type { StructType } from "./schema";
import { defaultStorage, isStagingName, type Storage } from "./storage";
import { minimalProtocol } from "./table-features";
import { Transaction, type CommitResult } from "./transaction";

export interface CreateTableOptions {
  /** Partition columns (simple types only; at least one column must stay a data column). */
  partitionColumns?: string[];
  /** Table properties, the metaData's configuration (delta.appendOnly, delta.checkpointInterval, delta.autoOptimize.autoCompact, delta.constraints.NAME, ...). */
  properties?: Record<string, string>;
  /** The same as `properties` (Delta's name for them); both may be given and are merged. */
  configuration?: Record<string, string>;
  name?: string;
  description?: string;
  /** Return quietly when a table already exists at the path (CREATE TABLE IF NOT EXISTS). */
  ifNotExists?: boolean;
  duck?: Duck;
  storage?: Storage;
}

/**
 * Whether `root` holds a Delta table (true), nothing yet (false), or something else (throws
 * DELTA_NOT_A_DELTA_TABLE). A `_delta_log/` without commits is a table being created; staging
 * folders and hidden files are a writer's work in progress, never "other files".
 */
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
  const other = storage.list(root).map((e) => e.name).filter((n) => !n.startsWith(".") && !isStagingName(n));
  if (other.length > 0) {
    throw new StreamlabError("DELTA_NOT_A_DELTA_TABLE", `${root} is not empty and is not a Delta table (no _delta_log; it holds ${other.slice(0, 3).join(", ")}${other.length > 3 ? ", …" : ""}).`, {
      hint: "Write the table into an empty or new folder, or convert the files first.",
    });
  }
  return false;
}

/** The metaData action of a new table; checks partition columns and properties. */
export function newMetadata(schema: StructType, partitionBy: string[], properties: Record<string, string>, name?: string, description?: string): Metadata {
  for (const p of partitionBy) {
    const f = schema.fields.find((x) => x.name === p);
    if (!f) {
      throw new StreamlabError("INVALID_OPTION", `partitionBy names "${p}", which is not a column.`, { hint: `The columns are: ${schema.fields.map((x) => x.name).join(", ")}.` });
    }
    if (typeof f.type !== "string") throw new StreamlabError("INVALID_OPTION", `Cannot partition by "${p}": its type is nested.`);
  }
  if (partitionBy.length > 0 && partitionBy.length >= schema.fields.length) {
    throw new StreamlabError("INVALID_OPTION", "Cannot partition by every column: a Delta table needs at least one data column.");
  }
  const interval = properties["delta.checkpointInterval"];
  if (interval !== undefined && !(Number.isInteger(Number(interval)) && Number(interval) > 0)) {
    throw new StreamlabError("INVALID_OPTION", `delta.checkpointInterval must be a positive integer, got "${interval}".`);
  }
  autoCompactSettings(properties);
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

/** A schema given as Spark DDL or as a Delta struct. */
export function resolveSchema(s: string | StructType): StructType {
  return typeof s === "string" ? parseDdl(s) : s;
}

/** A total order of protocols, to never downgrade one: reader, then writer version, then the number of features. */
export function protocolRank(p: Protocol): number {
  return p.minReaderVersion * 100 + p.minWriterVersion + (p.writerFeatures?.length ?? 0) / 100;
}

/**
 * The protocol and metaData actions for committing `metadata`: the first commit carries both;
 * later ones carry the protocol only when the metadata needs a higher one.
 */
export function metadataActions(metadata: Metadata, current?: Protocol): Action[] {
  const protocol = minimalProtocol(metadata);
  const upgrade = !current || (JSON.stringify(protocol) !== JSON.stringify(current) && protocolRank(protocol) > protocolRank(current));
  return [...(upgrade ? [{ protocol }] : []), { metaData: metadata }];
}

/**
 * Creates an empty table (version 0) at `tablePath`. Throws DELTA_TABLE_ALREADY_EXISTS when a
 * table is there already (or another writer created it first), unless `ifNotExists`.
 */
export async function createTable(tablePath: string, schema: string | StructType, options: CreateTableOptions = {}): Promise<CommitResult | undefined> {
  const root = path.resolve(tablePath);
  const storage = options.storage ?? defaultStorage;
  const exists = (version: number) => {
    if (options.ifNotExists) return undefined;
    throw new StreamlabError("DELTA_TABLE_ALREADY_EXISTS", `A Delta table already exists at ${root} (version ${version}).`, {
      hint: "Write to it, or pass ifNotExists: true to create it only when it is missing.",
      details: { path: root, version },
    });
  };
  if (checkTarget(root, storage)) return exists(listLog(root, storage).commits.at(-1)?.version ?? 0);
  const metadata = newMetadata(resolveSchema(schema), options.partitionColumns ?? [], { ...options.properties, ...options.configuration }, options.name, options.description);
  const duck = options.duck ?? (await sharedDuck());
  const txn = new Transaction(root, undefined, duck, {
    operation: "CREATE TABLE",
    operationParameters: {
      isManaged: "false",
      description: options.description ?? null,
      partitionBy: JSON.stringify(metadata.partitionColumns),
      properties: JSON.stringify(metadata.configuration ?? {}),
    },
    storage,
  });
  txn.addActions(...metadataActions(metadata));
  try {
    return await txn.commit();
  } catch (e) {
    if (e instanceof StreamlabError && e.code === "DELTA_TABLE_ALREADY_EXISTS") return exists(0);
    throw e;
  }
}
