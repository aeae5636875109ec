/**
 * Writes classic Parquet checkpoints (PROTOCOL.md, "Checkpoints") with the protocol's checkpoint
 * schema, then `_last_checkpoint`. Both are written under temporary names and renamed into place,
 * so a crash mid-way leaves at most a stray temporary file, never a broken table.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Duck } from "../duck";
import { sqlString } from "../duck";
import type { Action } from "./actions";
import type { Snapshot } from "./snapshot";
import { parseDuration } from "../util/duration";
import { logDir } from "./storage";

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

export function checkpointFileName(version: number): string {
  return `${String(version).padStart(20, "0")}.checkpoint.parquet`;
}

/** Writes a checkpoint of `snapshot` (its version) and points `_last_checkpoint` at it. */
export async function writeCheckpoint(snapshot: Snapshot, duck: Duck, now = Date.now()): Promise<string> {
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
  const tmpJson = path.join(os.tmpdir(), `streamlab-checkpoint-${process.pid}-${Date.now()}-${Math.random().toString(16).slice(2)}.json`);
  fs.writeFileSync(tmpJson, actions.map((a) => JSON.stringify(a)).join("\n") + "\n");
  const final = path.join(dir, checkpointFileName(snapshot.version));
  const tmp = path.join(dir, `.${checkpointFileName(snapshot.version)}.${process.pid}.tmp`);
  try {
    const cols = Object.entries(CHECKPOINT_COLUMNS).map(([k, v]) => `${JSON.stringify(k)}: ${sqlString(v)}`).join(", ");
    await duck.run(
      `COPY (SELECT * FROM read_json(${sqlString(tmpJson)}, format = 'newline_delimited', columns = {${cols}})) TO ${sqlString(tmp)} (FORMAT parquet)`,
    );
    fs.renameSync(tmp, final);
  } finally {
    fs.rmSync(tmpJson, { force: true });
    fs.rmSync(tmp, { force: true });
  }
  const last = { version: snapshot.version, size: actions.length, sizeInBytes: fs.statSync(final).size, numOfAddFiles: snapshot.files.length };
  const lastTmp = path.join(dir, `._last_checkpoint.${process.pid}.tmp`);
  fs.writeFileSync(lastTmp, JSON.stringify(last));
  fs.renameSync(lastTmp, path.join(dir, "_last_checkpoint"));
  return final;
}

/** A Delta interval property ("interval 7 days", "168 hours"), with the property's name in errors. */
export function parseInterval(s: string, property = "interval"): number {
  return parseDuration(s, property);
}
