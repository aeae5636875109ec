/** DELETE FROM table WHERE predicate: copy-on-write of the files that hold matching rows. */
import type { Duck } from "../../duck";
import { StreamlabError } from "../../errors";
import type { Snapshot } from "../snapshot";
import { checkWritable } from "../table-features";
import { copyOnWrite, inFiles, tableColumns } from "./rewrite";

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
  const { version, rewrite } = await copyOnWrite(
    snapshot,
    duck,
    { operation: "DELETE", operationParameters: { predicate: JSON.stringify(predicate ? [predicate] : []) } },
    {
      predicate,
      output: ({ scan, touched }) => {
        if (touched.length === 0) return null;
        // Files whose every row goes are only removed; the others keep their other rows.
        const partial = touched.filter((h) => h.hits < h.rows);
        return {
          rows: partial.length ? `SELECT ${tableColumns(snapshot.schema)} FROM (${scan.sql}) WHERE ${inFiles(partial)} AND NOT ${cond}` : undefined,
          changes: `SELECT ${tableColumns(snapshot.schema)}, 'delete' AS _change_type FROM (${scan.sql}) WHERE ${inFiles(touched)} AND ${cond}`,
          metrics: {
            numDeletedRows: touched.reduce((s, h) => s + h.hits, 0),
            numCopiedRows: partial.reduce((s, h) => s + h.rows - h.hits, 0),
          },
        };
      },
    },
    (r) => ({ numRemovedFiles: r.touched.length, numAddedFiles: r.adds.length, numDeletedRows: r.metrics.numDeletedRows, numCopiedRows: r.metrics.numCopiedRows }),
  );
  if (!rewrite) return { version: null, numDeletedRows: 0, numRemovedFiles: 0, numAddedFiles: 0 };
  return { version, numDeletedRows: rewrite.metrics.numDeletedRows!, numRemovedFiles: rewrite.touched.length, numAddedFiles: rewrite.adds.length };
}
