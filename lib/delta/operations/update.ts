/** UPDATE table SET col = expr, … WHERE predicate: copy-on-write of the files holding matching rows. */
import { sqlIdent } from "../../duck";
import type { Duck } from "../../duck";
import { StreamlabError } from "../../errors";
import { duckType } from "../schema";
import type { Snapshot } from "../snapshot";
import { checkWritable } from "../table-features";
import { copyOnWrite, inFiles, tableColumns } from "./rewrite";

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
  const newValues = fields
    .map((f) => (f.name in set ? `CASE WHEN ${cond} THEN CAST((${set[f.name]}) AS ${duckType(f.type)}) ELSE ${sqlIdent(f.name)} END AS ${sqlIdent(f.name)}` : sqlIdent(f.name)))
    .join(", ");
  const { version, rewrite } = await copyOnWrite(
    snapshot,
    duck,
    { operation: "UPDATE", operationParameters: { predicate: JSON.stringify(predicate ? [predicate] : []) } },
    {
      predicate,
      enforceConstraints: true,
      output: ({ scan, touched }) => {
        if (touched.length === 0) return null;
        const from = `FROM (${scan.sql}) WHERE ${inFiles(touched)}`;
        return {
          rows: `SELECT ${newValues} ${from}`,
          changes: `SELECT ${tableColumns(snapshot.schema)}, 'update_preimage' AS _change_type ${from} AND ${cond} UNION ALL SELECT ${newValues}, 'update_postimage' AS _change_type ${from} AND ${cond}`,
          metrics: {
            numUpdatedRows: touched.reduce((s, h) => s + h.hits, 0),
            numCopiedRows: touched.reduce((s, h) => s + h.rows - h.hits, 0),
          },
        };
      },
    },
    (r) => ({ numRemovedFiles: r.touched.length, numAddedFiles: r.adds.length, numUpdatedRows: r.metrics.numUpdatedRows, numCopiedRows: r.metrics.numCopiedRows }),
  );
  if (!rewrite) return { version: null, numUpdatedRows: 0, numRemovedFiles: 0, numAddedFiles: 0 };
  return { version, numUpdatedRows: rewrite.metrics.numUpdatedRows!, numRemovedFiles: rewrite.touched.length, numAddedFiles: rewrite.adds.length };
}
