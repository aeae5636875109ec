/** DELETE FROM table WHERE predicate: copy-on-write of the files that hold matching rows. */
import type { Duck } from "../../duck";
import { StreamlabError } from "../../errors";
import type { Action } from "../actions";
import { discardFiles, writeDataFiles } from "../data-files";
import { FILE_COLUMN } from "../scan";
import type { Snapshot } from "../snapshot";
import { Transaction } from "../transaction";
import { cdfEnabled, fileList, matchFiles, removeAction, tableColumns, writeChangeData } from "./rewrite";
import { checkWritable } from "../table-features";

export interface DeleteResult {
  version: number | null;
  numDeletedRows: number;
  numRemovedFiles: number;
  numAddedFiles: number;
}

export async function deleteWhere(snapshot: Snapshot, duck: Duck, predicate?: string): Promise<DeleteResult> {
  checkWritable(snapshot.protocol, snapshot.metadata, snapshot.tableRoot);
  if (snapshot.configuration["delta.appendOnly"] === "true") {
    throw new StreamlabError("DELTA_APPEND_ONLY", `${snapshot.tableRoot} is append-only (delta.appendOnly = true): rows cannot be deleted.`);
  }
  const cond = predicate ? `coalesce((${predicate}), false)` : "true";
  const { scan, hits } = await matchFiles(snapshot, duck, predicate);
  const txn = new Transaction(snapshot.tableRoot, snapshot, duck, { operation: "DELETE", operationParameters: { predicate: JSON.stringify(predicate ? [predicate] : []) } });
  const written: { path: string }[] = [];
  try {
    txn.read(hits.map((h) => h.add), predicate);
    const touched = hits.filter((h) => h.hits > 0);
    const numDeletedRows = touched.reduce((s, h) => s + h.hits, 0);
    if (touched.length === 0) return { version: null, numDeletedRows: 0, numRemovedFiles: 0, numAddedFiles: 0 };
    const partial = touched.filter((h) => h.hits < h.rows);
    const actions: Action[] = touched.map((h) => removeAction(h.add));
    let added = 0;
    if (partial.length > 0) {
      const keep = await writeDataFiles(duck, snapshot.tableRoot, `SELECT ${tableColumns(snapshot.schema)} FROM (${scan.sql}) WHERE ${FILE_COLUMN} IN (${fileList(partial.map((h) => h.path))}) AND NOT ${cond}`, snapshot.schema, snapshot.partitionColumns);
      written.push(...keep.adds);
      actions.push(...keep.adds.map((add) => ({ add })));
      added = keep.adds.length;
    }
    if (cdfEnabled(snapshot)) {
      const cdc = await writeChangeData(duck, snapshot, `SELECT ${tableColumns(snapshot.schema)}, 'delete' AS _change_type FROM (${scan.sql}) WHERE ${FILE_COLUMN} IN (${fileList(touched.map((h) => h.path))}) AND ${cond}`);
      written.push(...cdc.files.adds);
      actions.push(...cdc.actions);
    }
    txn.addActions(...actions);
    const r = await txn.commit({ numRemovedFiles: touched.length, numAddedFiles: added, numDeletedRows, numCopiedRows: partial.reduce((s, h) => s + h.rows - h.hits, 0) });
    return { version: r.version, numDeletedRows, numRemovedFiles: touched.length, numAddedFiles: added };
  } catch (e) {
    discardFiles(snapshot.tableRoot, written);
    throw e;
  } finally {
    await scan.close();
  }
}
