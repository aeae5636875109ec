/** UPDATE table SET col = expr, … WHERE predicate: copy-on-write of the files holding matching rows. */
import type { Duck } from "../../duck";
import { StreamlabError } from "../../errors";
import type { Action } from "../actions";
import { enforceConstraints } from "../constraints";
import { discardFiles, writeDataFiles } from "../data-files";
import { FILE_COLUMN } from "../scan";
import { duckType, quoteIdent } from "../schema";
import type { Snapshot } from "../snapshot";
import { checkWritable } from "../table-features";
import { Transaction } from "../transaction";
import { cdfEnabled, fileList, matchFiles, removeAction, tableColumns, writeChangeData } from "./rewrite";

export interface UpdateResult {
  version: number | null;
  numUpdatedRows: number;
  numRemovedFiles: number;
  numAddedFiles: number;
}

/** `set` maps column names to SQL expressions over the row's current values. */
export async function updateWhere(snapshot: Snapshot, duck: Duck, set: Record<string, string>, predicate?: string): Promise<UpdateResult> {
  checkWritable(snapshot.protocol, snapshot.metadata, snapshot.tableRoot);
  if (snapshot.configuration["delta.appendOnly"] === "true") {
    throw new StreamlabError("DELTA_APPEND_ONLY", `${snapshot.tableRoot} is append-only (delta.appendOnly = true): rows cannot be updated.`);
  }
  const fields = snapshot.schema.fields;
  const unknown = Object.keys(set).filter((c) => !fields.some((f) => f.name === c));
  if (unknown.length || Object.keys(set).length === 0) {
    throw new StreamlabError("INVALID_ARGUMENT", unknown.length ? `UPDATE sets unknown column${unknown.length > 1 ? "s" : ""} ${unknown.join(", ")}.` : "UPDATE needs at least one column to set.", {
      hint: `The columns are: ${fields.map((f) => f.name).join(", ")}.`,
    });
  }
  const cond = predicate ? `coalesce((${predicate}), false)` : "true";
  const { scan, hits } = await matchFiles(snapshot, duck, predicate);
  const txn = new Transaction(snapshot.tableRoot, snapshot, duck, { operation: "UPDATE", operationParameters: { predicate: JSON.stringify(predicate ? [predicate] : []) } });
  const written: { path: string }[] = [];
  try {
    txn.read(hits.map((h) => h.add), predicate);
    const touched = hits.filter((h) => h.hits > 0);
    const numUpdatedRows = touched.reduce((s, h) => s + h.hits, 0);
    if (touched.length === 0) return { version: null, numUpdatedRows: 0, numRemovedFiles: 0, numAddedFiles: 0 };
    const inTouched = `${FILE_COLUMN} IN (${fileList(touched.map((h) => h.path))})`;
    const newValues = fields
      .map((f) => (f.name in set ? `CASE WHEN ${cond} THEN CAST((${set[f.name]}) AS ${duckType(f.type)}) ELSE ${quoteIdent(f.name)} END AS ${quoteIdent(f.name)}` : quoteIdent(f.name)))
      .join(", ");
    const rewritten = `SELECT ${newValues} FROM (${scan.sql}) WHERE ${inTouched}`;
    await enforceConstraints(duck, rewritten, snapshot.schema, snapshot.configuration);
    const out = await writeDataFiles(duck, snapshot.tableRoot, rewritten, snapshot.schema, snapshot.partitionColumns);
    written.push(...out.adds);
    const actions: Action[] = [...touched.map((h) => removeAction(h.add)), ...out.adds.map((add) => ({ add }))];
    if (cdfEnabled(snapshot)) {
      const pre = `SELECT ${tableColumns(snapshot.schema)}, 'update_preimage' AS _change_type FROM (${scan.sql}) WHERE ${inTouched} AND ${cond}`;
      const post = `SELECT ${newValues}, 'update_postimage' AS _change_type FROM (${scan.sql}) WHERE ${inTouched} AND ${cond}`;
      const cdc = await writeChangeData(duck, snapshot, `${pre} UNION ALL ${post}`);
      written.push(...cdc.files.adds);
      actions.push(...cdc.actions);
    }
    txn.addActions(...actions);
    const r = await txn.commit({ numRemovedFiles: touched.length, numAddedFiles: out.adds.length, numUpdatedRows, numCopiedRows: touched.reduce((s, h) => s + h.rows - h.hits, 0) });
    return { version: r.version, numUpdatedRows, numRemovedFiles: touched.length, numAddedFiles: out.adds.length };
  } catch (e) {
    discardFiles(snapshot.tableRoot, written);
    throw e;
  } finally {
    await scan.close();
  }
}
