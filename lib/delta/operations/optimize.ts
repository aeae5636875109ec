/** OPTIMIZE: bin-packs small files of each partition into fewer, larger ones (dataChange: false). */
import { sqlIdent, sqlString } from "../../duck";
import type { Duck } from "../../duck";
import type { Action, AddFile } from "../actions";
import { DEFAULT_TARGET_FILE_SIZE, discardFiles, writeDataFiles } from "../data-files";
import { planScan } from "../scan";
import { physicalName } from "../schema";

import type { Snapshot } from "../snapshot";
import { checkWritable } from "../table-features";
import { Transaction } from "../transaction";
import { removeAction } from "./rewrite";

export interface OptimizeOptions {
  /** Files smaller than this are compacted, into files of about this size. Default 128 MiB. */
  targetFileSize?: number;
  /** Only compact partitions matching this predicate over partition columns. */
  where?: string;
  /** Only compact these partitions (partition values as add actions hold them): auto compaction's partitions a write touched. */
  partitions?: Record<string, string | null>[];
  /** A partition is compacted when it has at least this many files to rewrite (never fewer than 2, unless one has a deletion vector). Default 2. */
  minNumFiles?: number;
  /** Auto compaction: recorded as operationParameters.auto, as Delta does. */
  auto?: boolean;
}

export interface OptimizeResult {
  version: number | null;
  numFilesRemoved: number;
  numFilesAdded: number;
  partitionsOptimized: number;
  /** The table after the OPTIMIZE commit, when it follows from the snapshot read and that commit alone. */
  snapshot?: Snapshot;
}

/** A file's partition as a comparable key: its values in partition-column order (under their physical names with column mapping). */
export function partitionKeyOf(snapshot: Snapshot): (partitionValues: Record<string, string | null> | undefined) => string {
  const names = partitionNames(snapshot);
  return (values) => JSON.stringify(names.map(([logical, phys]) => values?.[phys] ?? values?.[logical] ?? null));
}

/** Each partition column's logical and physical name. */
function partitionNames(snapshot: Snapshot): [string, string][] {
  const fields = snapshot.schema.fields;
  return snapshot.partitionColumns.map((c) => {
    const f = fields.find((x) => x.name === c);
    return [c, f ? physicalName(f, snapshot.columnMapping) : c];
  });
}

export async function optimize(snapshot: Snapshot, duck: Duck, options: OptimizeOptions = {}): Promise<OptimizeResult> {
  checkWritable(snapshot.protocol, snapshot.metadata, snapshot.tableRoot);
  const target = options.targetFileSize ?? DEFAULT_TARGET_FILE_SIZE;
  const minNumFiles = Math.max(2, options.minNumFiles ?? 2);
  let files = snapshot.files;
  if (options.where) files = (await planScan(snapshot, duck, { filter: options.where })).files;
  const partitionKey = partitionKeyOf(snapshot);
  const only = options.partitions && new Set(options.partitions.map(partitionKey));
  // Group small files by partition; a partition needs at least minNumFiles to be worth rewriting.
  const groups = new Map<string, AddFile[]>();
  for (const f of files) {
    if (f.size >= target && !f.deletionVector) continue;
    const key = partitionKey(f.partitionValues);
    if (only && !only.has(key)) continue;
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  const bins = [...groups.values()].filter((g) => g.length >= minNumFiles || g.some((f) => f.deletionVector));
  if (bins.length === 0) return { version: null, numFilesRemoved: 0, numFilesAdded: 0, partitionsOptimized: 0 };
  const predicate = options.where ? [options.where] : options.partitions ? partitionPredicate(snapshot, options.partitions) : [];
  const txn = new Transaction(snapshot.tableRoot, snapshot, duck, {
    operation: "OPTIMIZE",
    operationParameters: { predicate: JSON.stringify(predicate), zOrderBy: "[]", auto: options.auto === true },
    // Auto compaction runs right after the write that triggered it, which has just looked for leftovers.
    cleanLeftovers: options.auto !== true,
  });
  const actions: Action[] = [];
  const written: { path: string }[] = [];
  let removed = 0;
  let removedBytes = 0;
  try {
    for (const bin of bins) {
      const scan = await planScan(snapshot, duck, { files: bin });
      try {
        const out = await writeDataFiles(duck, snapshot.tableRoot, `SELECT ${snapshot.schema.fields.map((f) => sqlIdent(f.name)).join(", ")} FROM (${scan.sql})`, snapshot.schema, snapshot.partitionColumns, { targetFileSize: target, dataChange: false, storage: snapshot.storage });
        written.push(...out.adds);
        actions.push(...bin.map((f) => removeAction(f, false)), ...out.adds.map((add) => ({ add })));
        removed += bin.length;
        removedBytes += bin.reduce((n, f) => n + f.size, 0);
      } finally {
        await scan.close();
      }
      txn.read(bin);
    }
    txn.addActions(...actions);
    const added = written.length;
    const addedBytes = actions.reduce((n, a) => n + (a.add?.size ?? 0), 0);
    const r = await txn.commit({ numRemovedFiles: removed, numAddedFiles: added, numRemovedBytes: removedBytes, numAddedBytes: addedBytes, numBatches: bins.length });
    return { version: r.version, numFilesRemoved: removed, numFilesAdded: added, partitionsOptimized: bins.length, snapshot: r.snapshot };
  } catch (e) {
    discardFiles(snapshot.tableRoot, written, snapshot.storage);
    throw e;
  }
}

/** The partitions as one predicate for commitInfo (Delta records auto compaction's partition filter the same way); none for an unpartitioned table. */
function partitionPredicate(snapshot: Snapshot, partitions: Record<string, string | null>[]): string[] {
  const cols = partitionNames(snapshot);
  if (cols.length === 0 || partitions.length === 0) return [];
  const one = (p: Record<string, string | null>) =>
    cols
      .map(([c, phys]) => {
        const v = p[phys] ?? p[c] ?? null;
        return v === null ? `${sqlIdent(c)} IS NULL` : `${sqlIdent(c)} = ${sqlString(v)}`;
      })
      .join(" AND ");
  return [partitions.map((p) => (partitions.length > 1 && cols.length > 1 ? `(${one(p)})` : one(p))).join(" OR ")];
}
