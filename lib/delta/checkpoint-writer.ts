/**
 * Writes classic Parquet checkpoints (PROTOCOL.md, "Checkpoints") with the protocol's checkpoint
 * schema, then `_last_checkpoint`. The actions are staged as JSON in `_delta_log/` (a hidden
 * temporary, never outside the table), DuckDB writes the Parquet under a temporary name that is
 * flushed and renamed into place, and `_last_checkpoint` is replaced atomically: a crash leaves at
 * most temporaries that the next write removes, never a broken table.
 */
import * as path from "node:path";
import type { Duck } from "../duck";
import { sqlString } from "../duck";
import type { Action } from "./actions";
import { checkpointFileName, lastCheckpointPath, logDir } from "./log-path";
import type { Snapshot } from "./snapshot";
import { parseDuration } from "../util/duration";
import { faultPoint } from "../util/fault";
import { tempPathFor } from "./storage";

export { checkpointFileName };

const DV = "STRUCT(storageType VARCHAR, pathOrInlineDv VARCHAR, \"offset\" INTEGER, sizeInBytes INTEGER, cardinality BIGINT, maxRowIndex BIGINT)";
const STRMAP = "MAP(VARCHAR, VARCHAR)";

/** The checkpoint schema as DuckDB types, in the column order Spark writes. */
export const CHECKPOINT_COLUMNS: Record<string, string> = {
  txn: "STRUCT(appId VARCHAR, \"version\" BIGINT, lastUpdated BIGINT)",
  add: `STRUCT(path VARCHAR, partitionValues ${STRMAP}, size BIGINT, modificationTime BIGINT, dataChange BOOLEAN, tags ${STRMAP}, deletionVector ${DV}, baseRowId BIGINT, defaultRowCommitVersion BIGINT, stats VARCHAR)`,
  remove: `STRUCT(path VARCHAR, deletionTimestamp BIGINT, dataChange BOOLEAN, extendedFileMetadata BOOLEAN, partitionValues ${STRMAP}, size BIGINT, deletionVector ${DV}, baseRowId BIGINT, defaultRowCommitVersion BIGINT)`,
  metaData: `STRUCT(id VARCHAR, "name" VARCHAR, description VARCHAR, format STRUCT(provider VARCHAR, "options" ${STRMAP}), schemaString VARCHAR, partitionColumns VARCHAR[], "configuration" ${STRMAP}, createdTime BIGINT)`,
  protocol: "STRUCT(minReaderVersion INTEGER, minWriterVersion INTEGER, readerFeatures VARCHAR[], writerFeatures VARCHAR[])",
  domainMetadata: "STRUCT(\"domain\" VARCHAR, \"configuration\" VARCHAR, removed BOOLEAN)",
};

/** Writes a checkpoint of `snapshot` (its version) and points `_last_checkpoint` at it. */
export async function writeCheckpoint(snapshot: Snapshot, duck: Duck, now = Date.now()): Promise<string> {
  const storage = snapshot.storage;
  const dir = logDir(snapshot.tableRoot);
  const retention = snapshot.configuration["delta.deletedFileRetentionDuration"];
  const retainMs = retention ? parseInterval(retention, "delta.deletedFileRetentionDuration") : 7 * 86_400_000;
  // Every action that defines the state: protocol, metadata, txns, domains, active files, and unexpired tombstones.
  const actions: Action[] = [
    { protocol: snapshot.protocol },
    { metaData: snapshot.metadata },
    ...[...snapshot.txns.entries()].map(([appId, version]) => ({ txn: { appId, version } })),
    ...[...snapshot.domains.entries()].map(([domain, configuration]) => ({ domainMetadata: { domain, configuration, removed: false } })),
    ...snapshot.files.map((add) => ({ add: { ...add, dataChange: false } })),
    ...snapshot.tombstones.filter((r) => (r.deletionTimestamp ?? now) > now - retainMs).map((remove) => ({ remove: { ...remove, dataChange: false } })),
  ];
  const final = path.join(dir, checkpointFileName(snapshot.version));
  const tmpJson = tempPathFor(path.join(dir, `${checkpointFileName(snapshot.version)}.json`));
  const tmp = tempPathFor(final);
  try {
    storage.writeTemporary(tmpJson, actions.map((a) => JSON.stringify(a)).join("\n") + "\n");
    const cols = Object.entries(CHECKPOINT_COLUMNS).map(([k, v]) => `${JSON.stringify(k)}: ${sqlString(v)}`).join(", ");
    await duck.run(
      `COPY (SELECT * FROM read_json(${sqlString(tmpJson)}, format = 'newline_delimited', columns = {${cols}})) TO ${sqlString(tmp)} (FORMAT parquet)`,
    );
    faultPoint("delta.checkpoint.beforeRename", snapshot.version);
    // Flushed before the rename: a checkpoint that appears is a whole one.
    storage.sync(tmp);
    storage.rename(tmp, final);
  } finally {
    storage.remove(tmpJson);
    storage.remove(tmp);
  }
  const last = { version: snapshot.version, size: actions.length, sizeInBytes: storage.stat(final)?.size ?? 0, numOfAddFiles: snapshot.files.length };
  storage.writeAtomic(lastCheckpointPath(snapshot.tableRoot), JSON.stringify(last));
  return final;
}

/** A Delta interval property ("interval 7 days", "168 hours"), with the property's name in errors. */
export function parseInterval(s: string, property = "interval"): number {
  return parseDuration(s, property);
}
