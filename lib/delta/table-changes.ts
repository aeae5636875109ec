/**
 * The Change Data Feed (PROTOCOL.md, "Change Data Files"): the row-level changes between two
 * versions, with `_change_type`, `_commit_version` and `_commit_timestamp`. A commit with `cdc`
 * files is read from them; otherwise its data-changing adds are inserts and its removes deletes.
 */
import { sqlIdent } from "../duck";
import type { Duck } from "../duck";
import { StreamlabError } from "../errors";
import type { AddFile } from "./actions";
import { commitRange } from "./commit-range";
import { logSegment, listLog } from "./log-segment";
import { DeltaScan, planScan } from "./scan";

import { Snapshot } from "./snapshot";
import { defaultStorage, type Storage } from "./storage";

export const CDF_COLUMNS = ["_change_type", "_commit_version", "_commit_timestamp"] as const;

/** A snapshot that scans like `base` but with another schema (the cdc files carry _change_type). */
function withSchema(base: Snapshot, fields: Snapshot["schema"]["fields"]): Snapshot {
  const metadata = { ...base.metadata, schemaString: JSON.stringify({ type: "struct", fields }) };
  return new Snapshot(base.tableRoot, base.version, base.protocol, metadata, base.files, base.txns, base.commitInfo, base.segment, base.domains, base.tombstones);
}

export async function readChanges(tableRoot: string, duck: Duck, fromVersion: number, toVersion?: number, storage: Storage = defaultStorage): Promise<DeltaScan> {
  const listing = listLog(tableRoot, storage);
  const latest = listing.commits.at(-1)?.version ?? 0;
  const to = toVersion ?? latest;
  if (!Number.isInteger(fromVersion) || fromVersion < 0 || fromVersion > to || to > latest) {
    throw new StreamlabError("DELTA_VERSION_NOT_FOUND", `Cannot read changes from version ${fromVersion} to ${to}: the table's versions go up to ${latest}.`, {
      hint: "Choose 0 ≤ from ≤ to ≤ the latest version.",
    });
  }
  const endSnap = await Snapshot.fromSegment(logSegment(listing, to), duck);
  const schema = endSnap.schema;
  const cols = schema.fields.map((f) => sqlIdent(f.name)).join(", ");
  const parts: string[] = [];
  const temps: DeltaScan[] = [];
  // The table's configuration as of each version: replayed once at the first version, then
  // followed through the metaData actions of the commits after it.
  let configuration: Record<string, string | null> | undefined;
  for (const commit of commitRange(listing, fromVersion, to)) {
    const v = commit.version;
    const meta = commit.metadata;
    configuration = meta ? meta.configuration ?? {} : configuration ?? (await Snapshot.fromSegment(logSegment(listing, v), duck)).configuration;
    if (configuration["delta.enableChangeDataFeed"] !== "true") {
      throw new StreamlabError("DELTA_UNSUPPORTED_FEATURE", `The Change Data Feed is not enabled at version ${v} of ${tableRoot}.`, {
        hint: "Enable it with the table property delta.enableChangeDataFeed = true; changes are recorded from then on.",
        details: { feature: "changeDataFeed" },
      });
    }
    const ts = `epoch_ms(${Math.floor(commit.timestamp)})::TIMESTAMPTZ`;
    const meta2 = `${v}::BIGINT AS _commit_version, ${ts} AS _commit_timestamp`;
    const cdc = commit.cdc;
    const asAdd = (p: { path: string; partitionValues: Record<string, string | null>; size: number }): AddFile => ({ ...p, modificationTime: 0, dataChange: false });
    if (cdc.length > 0) {
      const snap = withSchema(endSnap, [...schema.fields, { name: "_change_type", type: "string", nullable: true, metadata: {} }]);
      const s = await planScan(snap, duck, { files: cdc.map(asAdd) });
      temps.push(s);
      parts.push(`SELECT ${cols}, _change_type, ${meta2} FROM (${s.sql})`);
      continue;
    }
    const adds = commit.adds.filter((a) => a.dataChange);
    const removes = commit.removes.filter((r) => r.dataChange);
    if (adds.length) {
      const s = await planScan(endSnap, duck, { files: adds });
      temps.push(s);
      parts.push(`SELECT ${cols}, 'insert' AS _change_type, ${meta2} FROM (${s.sql})`);
    }
    if (removes.length) {
      const s = await planScan(endSnap, duck, { files: removes.map((r) => ({ ...asAdd({ path: r.path, partitionValues: r.partitionValues ?? {}, size: r.size ?? 0 }), deletionVector: r.deletionVector })) });
      temps.push(s);
      parts.push(`SELECT ${cols}, 'delete' AS _change_type, ${meta2} FROM (${s.sql})`);
    }
  }
  const empty = `SELECT ${schema.fields.map((f) => `NULL AS ${sqlIdent(f.name)}`).join(", ")}, NULL::VARCHAR AS _change_type, NULL::BIGINT AS _commit_version, NULL::TIMESTAMPTZ AS _commit_timestamp WHERE false`;
  const sql = parts.length ? parts.join("\nUNION ALL\n") : empty;
  const files = temps.flatMap((t) => t.files);
  const scan = new DeltaScan(endSnap, duck, sql, files, { totalFiles: files.length, filesSelected: files.length, filesSkipped: 0, deletionVectors: 0, planningMs: 0 }, []);
  // Closing the combined scan closes the per-version ones.
  const close = scan.close.bind(scan);
  scan.close = async () => {
    for (const t of temps) await t.close();
    await close();
  };
  return scan;
}
