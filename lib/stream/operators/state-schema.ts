/**
 * The schema of an operator's state rows, kept beside its state (`state/<id>/_metadata/schema`,
 * as Spark keeps it) so a restart rebuilds the store with the same columns, and a changed query
 * on an old checkpoint is refused instead of misreading its state.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { StreamlabError } from "../../errors";
import { writeFileAtomic } from "../../util/atomic-file";

export type StateColumns = [name: string, type: string][];

function file(partitionDir: string): string {
  return path.join(path.dirname(partitionDir), "_metadata", "schema");
}

/** What `_metadata/schema` holds: the operator, its state columns (keys first) and, as Spark's key schema, which of them are the key. */
export interface StateSchema {
  operator: string;
  columns: StateColumns;
  /** The key columns (written since the checkpoint inspector reads state; absent in the first checkpoints). */
  keyColumns?: string[];
}

/** The columns recorded for the operator whose state is in `partitionDir`, if any. */
export function readStateSchema(partitionDir: string): StateSchema | undefined {
  const f = file(partitionDir);
  if (!fs.existsSync(f)) return undefined;
  try {
    return JSON.parse(fs.readFileSync(f, "utf8")) as StateSchema;
  } catch (e) {
    throw new StreamlabError("STREAM_CHECKPOINT_CORRUPT", `The state schema ${f} cannot be read.`, { hint: "Restore the checkpoint folder, or start the query with a new checkpointLocation.", cause: e, details: { file: f } });
  }
}

/** Records the columns the first time; afterwards refuses other columns (the query changed). */
export function checkStateSchema(partitionDir: string, operator: string, columns: StateColumns, keyColumns: string[]): void {
  const known = readStateSchema(partitionDir);
  if (!known) {
    fs.mkdirSync(path.dirname(file(partitionDir)), { recursive: true });
    writeFileAtomic(file(partitionDir), JSON.stringify({ operator, columns, keyColumns } satisfies StateSchema));
    return;
  }
  if (known.operator !== operator || JSON.stringify(known.columns) !== JSON.stringify(columns)) {
    throw new StreamlabError(
      "STREAM_CHECKPOINT_MISMATCH",
      `The state in ${path.dirname(partitionDir)} was written by ${known.operator} with columns ${known.columns.map((c) => c.join(" ")).join(", ")}; this query's ${operator} keeps ${columns.map((c) => c.join(" ")).join(", ")}.`,
      { hint: "A stateful query cannot change its keys or aggregates on the same checkpoint: use a new checkpointLocation." },
    );
  }
}
