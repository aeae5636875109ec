/** OPTIMIZE: bin-packs small files of each partition into fewer, larger ones (dataChange: false). */
import { sqlIdent } from "../../duck";
import type { Duck } from "../../duck";
import type { Action, AddFile } from "../actions";
import { DEFAULT_TARGET_FILE_SIZE, discardFiles, writeDataFiles } from "../data-files";
import { planScan } from "../scan";

import type { Snapshot } from "../snapshot";
import { checkWritable } from "../table-features";
import { Transaction } from "../transaction";
import { removeAction } from "./rewrite";

export interface OptimizeOptions {
  /** Files smaller than this are compacted, into files of about this size. Default 128 MiB. */
  targetFileSize?: number;
  /** Only compact partitions matching this predicate over partition columns. */
  where?: string;
}

export interface OptimizeResult {
  version: number | null;
  numFilesRemoved: number;
  numFilesAdded: number;
  partitionsOptimized: number;
}

export async function optimize(snapshot: Snapshot, duck: Duck, options: OptimizeOptions = {}): Promise<OptimizeResult> {
  checkWritable(snapshot.protocol, snapshot.metadata, snapshot.tableRoot);
  const target = options.targetFileSize ?? DEFAULT_TARGET_FILE_SIZE;
  let files = snapshot.files;
  if (options.where) files = (await planScan(snapshot, duck, { filter: options.where })).files;
  // Group small files by partition; a partition needs at least two to be worth rewriting.
  const groups = new Map<string, AddFile[]>();
  for (const f of files) {
    if (f.size >= target && !f.deletionVector) continue;
    const key = JSON.stringify(snapshot.partitionColumns.map((c) => f.partitionValues?.[c] ?? null));
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  const bins = [...groups.values()].filter((g) => g.length > 1 || g.some((f) => f.deletionVector));
  if (bins.length === 0) return { version: null, numFilesRemoved: 0, numFilesAdded: 0, partitionsOptimized: 0 };
  const txn = new Transaction(snapshot.tableRoot, snapshot, duck, {
    operation: "OPTIMIZE",
    operationParameters: { predicate: JSON.stringify(options.where ? [options.where] : []), zOrderBy: "[]" },
  });
  const actions: Action[] = [];
  const written: { path: string }[] = [];
  let removed = 0;
  try {
    for (const bin of bins) {
      const scan = await planScan(snapshot, duck, { files: bin });
      try {
        const out = await writeDataFiles(duck, snapshot.tableRoot, `SELECT ${snapshot.schema.fields.map((f) => sqlIdent(f.name)).join(", ")} FROM (${scan.sql})`, snapshot.schema, snapshot.partitionColumns, { targetFileSize: target, dataChange: false, storage: snapshot.storage });
        written.push(...out.adds);
        actions.push(...bin.map((f) => removeAction(f, false)), ...out.adds.map((add) => ({ add })));
        removed += bin.length;
      } finally {
        await scan.close();
      }
      txn.read(bin);
    }
    txn.addActions(...actions);
    const added = written.length;
    const r = await txn.commit({ numRemovedFiles: removed, numAddedFiles: added, numBatches: bins.length });
    return { version: r.version, numFilesRemoved: removed, numFilesAdded: added, partitionsOptimized: bins.length };
  } catch (e) {
    discardFiles(snapshot.tableRoot, written, snapshot.storage);
    throw e;
  }
}
