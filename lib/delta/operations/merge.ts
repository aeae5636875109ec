/**
 * MERGE INTO target t USING source s ON condition, with Delta's clauses: WHEN MATCHED [AND c]
 * UPDATE / DELETE, WHEN NOT MATCHED [AND c] INSERT, WHEN NOT MATCHED BY SOURCE [AND c]
 * UPDATE / DELETE. Clauses of a kind apply in order, the first whose condition holds wins. A
 * target row matched by several source rows is an error, as in Delta.
 */
import type { Duck } from "../../duck";
import { StreamlabError } from "../../errors";
import { toSql, type DataInput } from "../../sql-input";
import type { Action } from "../actions";
import { enforceConstraints } from "../constraints";
import { discardFiles, writeDataFiles } from "../data-files";
import { FILE_COLUMN, ROW_COLUMN } from "../scan";
import { duckType, quoteIdent } from "../schema";
import type { Snapshot } from "../snapshot";
import { checkWritable } from "../table-features";
import { Transaction } from "../transaction";
import { cdfEnabled, fileList, matchFiles, removeAction, writeChangeData } from "./rewrite";

export type Assignments = Record<string, string> | "*";

export type MergeClause =
  | { when: "matched"; then: "update"; condition?: string; set: Assignments }
  | { when: "matched"; then: "delete"; condition?: string }
  | { when: "notMatched"; then: "insert"; condition?: string; values: Assignments }
  | { when: "notMatchedBySource"; then: "update"; condition?: string; set: Record<string, string> }
  | { when: "notMatchedBySource"; then: "delete"; condition?: string };

export interface MergeOptions {
  source: DataInput;
  /** Join condition over `t.` (target) and `s.` (source) columns. */
  on: string;
  clauses: MergeClause[];
}

export interface MergeResult {
  version: number | null;
  numSourceRows: number;
  numTargetRowsInserted: number;
  numTargetRowsUpdated: number;
  numTargetRowsDeleted: number;
  numTargetRowsCopied: number;
  numTargetFilesRemoved: number;
  numTargetFilesAdded: number;
}

let mergeCounter = 0;

export async function merge(snapshot: Snapshot, duck: Duck, options: MergeOptions): Promise<MergeResult> {
  checkWritable(snapshot.protocol, snapshot.metadata, snapshot.tableRoot);
  const { clauses } = options;
  if (!options.on || clauses.length === 0) throw new StreamlabError("INVALID_ARGUMENT", "MERGE needs an `on` condition and at least one clause.");
  const fields = snapshot.schema.fields;
  const col = (n: string) => {
    const f = fields.find((x) => x.name.toLowerCase() === n.toLowerCase());
    if (!f) throw new StreamlabError("INVALID_ARGUMENT", `MERGE assigns unknown column "${n}".`, { hint: `The target's columns are: ${fields.map((x) => x.name).join(", ")}.` });
    return f;
  };
  const modifies = clauses.some((c) => c.when !== "notMatched");
  if (modifies && snapshot.configuration["delta.appendOnly"] === "true") {
    throw new StreamlabError("DELTA_APPEND_ONLY", `${snapshot.tableRoot} is append-only: MERGE may only insert.`);
  }

  const src = toSql(options.source);
  const srcTable = `__sl_merge_src_${++mergeCounter}`;
  await duck.run(`CREATE TEMP TABLE ${srcTable} AS SELECT *, row_number() OVER () AS __sl_src_row FROM (${src.sql})`);
  const srcCols = (await duck.describe(`SELECT * FROM ${srcTable}`)).map((c) => c.name).filter((c) => c !== "__sl_src_row");
  const star = (kind: string): Record<string, string> => {
    const out: Record<string, string> = {};
    for (const f of fields) {
      const s = srcCols.find((c) => c.toLowerCase() === f.name.toLowerCase());
      if (!s) throw new StreamlabError("INVALID_ARGUMENT", `${kind} * needs a source column "${f.name}", and the source has none.`, { hint: "List the assignments explicitly instead of *." });
      out[f.name] = `s.${quoteIdent(s)}`;
    }
    return out;
  };
  const assigned = (a: Assignments, kind: string) => (a === "*" ? star(kind) : a);

  const { scan, hits } = await matchFiles(snapshot, duck, undefined);
  const T = `(${scan.sql})`;
  const S = srcTable;
  const txn = new Transaction(snapshot.tableRoot, snapshot, duck, {
    operation: "MERGE",
    operationParameters: { predicate: JSON.stringify([options.on]), clauses: JSON.stringify(clauses.map((c) => `${c.when} ${c.then}${c.condition ? ` and ${c.condition}` : ""}`)) },
  });
  const written: { path: string }[] = [];
  try {
    txn.read(hits.map((h) => h.add));
    const matchedClauses = clauses.map((c, i) => ({ c, i })).filter(({ c }) => c.when === "matched");
    const bySourceClauses = clauses.map((c, i) => ({ c, i })).filter(({ c }) => c.when === "notMatchedBySource");
    const insertClauses = clauses.map((c, i) => ({ c, i })).filter(({ c }) => c.when === "notMatched");

    if (matchedClauses.length > 0) {
      const dup = await duck.all<{ n: bigint }>(`SELECT count(*) AS n FROM (SELECT t.${FILE_COLUMN}, t.${ROW_COLUMN} FROM ${T} t JOIN ${S} s ON (${options.on}) GROUP BY ALL HAVING count(*) > 1)`);
      const n = Number(dup[0]!.n);
      if (n > 0) {
        throw new StreamlabError("DELTA_MERGE_MULTIPLE_MATCHES", `MERGE failed: ${n} target row${n === 1 ? " was" : "s were"} matched by more than one source row, so it is ambiguous how to update or delete ${n === 1 ? "it" : "them"}. Nothing was changed.`, {
          hint: "De-duplicate the source on the join key first (e.g. keep the latest row per key).",
        });
      }
    }

    // Files to rewrite: those with matched rows, or every file when rows unmatched by the source can change.
    let touched: string[] = [];
    if (bySourceClauses.length > 0) touched = hits.map((h) => h.path);
    else if (matchedClauses.length > 0) {
      touched = (await duck.all<{ f: string }>(`SELECT DISTINCT t.${FILE_COLUMN} AS f FROM ${T} t SEMI JOIN ${S} s ON (${options.on})`)).map((r) => r.f);
    }
    // With matched clauses the join is 1:1 (checked above); without them, matching is only an existence test.
    const joined = matchedClauses.length > 0;
    const matched = joined ? "s.__sl_src_row IS NOT NULL" : `EXISTS (SELECT 1 FROM ${S} s WHERE (${options.on}))`;
    const cases: string[] = [];
    for (const { c, i } of matchedClauses) cases.push(`WHEN ${matched}${c.condition ? ` AND coalesce((${c.condition}), false)` : ""} THEN ${i}`);
    for (const { c, i } of bySourceClauses) cases.push(`WHEN NOT (${matched})${c.condition ? ` AND coalesce((${c.condition}), false)` : ""} THEN ${i}`);
    const action = cases.length ? `(CASE ${cases.join(" ")} ELSE -1 END)` : "-1";
    const updates = [...matchedClauses, ...bySourceClauses].filter(({ c }) => c.then === "update") as { c: Extract<MergeClause, { then: "update" }>; i: number }[];
    const deletes = [...matchedClauses, ...bySourceClauses].filter(({ c }) => c.then === "delete").map(({ i }) => i);
    const updateSets = updates.map(({ c, i }) => ({ i, set: Object.fromEntries(Object.entries(assigned(c.set, "UPDATE SET")).map(([k, v]) => [col(k).name, v])) }));
    const newValue = (name: string, type: string) => {
      const branches = updateSets.filter((u) => name in u.set).map((u) => `WHEN ${action} = ${u.i} THEN CAST((${u.set[name]}) AS ${type})`);
      return branches.length ? `CASE ${branches.join(" ")} ELSE t.${quoteIdent(name)} END` : `t.${quoteIdent(name)}`;
    };
    const projection = fields.map((f) => `${newValue(f.name, duckType(f.type))} AS ${quoteIdent(f.name)}`).join(", ");
    const targetSide = `FROM ${T} t${joined ? ` LEFT JOIN ${S} s ON (${options.on})` : ""} WHERE t.${FILE_COLUMN} IN (${fileList(touched)})`;
    const kept = `SELECT ${projection} ${targetSide}${deletes.length ? ` AND ${action} NOT IN (${deletes.join(", ")})` : ""}`;

    const insertCase = insertClauses.length ? `(CASE ${insertClauses.map(({ c, i }) => `WHEN ${c.condition ? `coalesce((${c.condition}), false)` : "true"} THEN ${i}`).join(" ")} ELSE -1 END)` : "-1";
    const insertValues = insertClauses.map(({ c, i }) => ({ i, values: Object.fromEntries(Object.entries(assigned((c as Extract<MergeClause, { then: "insert" }>).values, "INSERT")).map(([k, v]) => [col(k).name, v])) }));
    const insertProjection = fields
      .map((f) => {
        const branches = insertValues.filter((v) => f.name in v.values).map((v) => `WHEN ${insertCase} = ${v.i} THEN CAST((${v.values[f.name]}) AS ${duckType(f.type)})`);
        return `${branches.length ? `CASE ${branches.join(" ")} ELSE NULL END` : "NULL"} AS ${quoteIdent(f.name)}`;
      })
      .join(", ");
    const inserted = insertClauses.length ? `SELECT ${insertProjection} FROM ${S} s ANTI JOIN ${T} t ON (${options.on}) WHERE ${insertCase} >= 0` : undefined;

    const counts = (
      await duck.all<Record<string, bigint>>(
        `SELECT (SELECT count(*) FROM ${S}) AS source,
          (SELECT count(*) ${targetSide} AND ${action} IN (${updateSets.map((u) => u.i).join(", ") || "-2"})) AS updated,
          (SELECT count(*) ${targetSide} AND ${action} IN (${deletes.join(", ") || "-2"})) AS deleted,
          (SELECT count(*) ${targetSide} AND ${action} = -1) AS copied,
          ${inserted ? `(SELECT count(*) FROM (${inserted}))` : "0"} AS inserted`,
      )
    )[0]!;
    const metrics = {
      numSourceRows: Number(counts.source),
      numTargetRowsInserted: Number(counts.inserted),
      numTargetRowsUpdated: Number(counts.updated),
      numTargetRowsDeleted: Number(counts.deleted),
      numTargetRowsCopied: Number(counts.copied),
    };
    if (touched.length === 0 && metrics.numTargetRowsInserted === 0) {
      return { version: null, ...metrics, numTargetFilesRemoved: 0, numTargetFilesAdded: 0 };
    }
    const output = inserted ? `${kept} UNION ALL ${inserted}` : kept;
    await enforceConstraints(duck, output, snapshot.schema, snapshot.configuration);
    const out = await writeDataFiles(duck, snapshot.tableRoot, output, snapshot.schema, snapshot.partitionColumns);
    written.push(...out.adds);
    const byPath = new Map(hits.map((h) => [h.path, h.add]));
    const actions: Action[] = [...touched.map((p) => removeAction(byPath.get(p)!)), ...out.adds.map((add) => ({ add }))];
    if (cdfEnabled(snapshot)) {
      const cols = fields.map((f) => `t.${quoteIdent(f.name)}`).join(", ");
      const parts = [
        `SELECT ${cols}, 'update_preimage' AS _change_type ${targetSide} AND ${action} IN (${updateSets.map((u) => u.i).join(", ") || "-2"})`,
        `SELECT ${projection}, 'update_postimage' AS _change_type ${targetSide} AND ${action} IN (${updateSets.map((u) => u.i).join(", ") || "-2"})`,
        `SELECT ${cols}, 'delete' AS _change_type ${targetSide} AND ${action} IN (${deletes.join(", ") || "-2"})`,
        ...(inserted ? [`SELECT *, 'insert' AS _change_type FROM (${inserted})`] : []),
      ];
      const cdc = await writeChangeData(duck, snapshot, parts.join(" UNION ALL "));
      written.push(...cdc.files.adds);
      actions.push(...cdc.actions);
    }
    txn.addActions(...actions);
    const r = await txn.commit({ ...metrics, numTargetFilesRemoved: touched.length, numTargetFilesAdded: out.adds.length });
    return { version: r.version, ...metrics, numTargetFilesRemoved: touched.length, numTargetFilesAdded: out.adds.length };
  } catch (e) {
    discardFiles(snapshot.tableRoot, written);
    throw e;
  } finally {
    await scan.close();
    await duck.run(`DROP TABLE IF EXISTS ${srcTable}`);
    src.cleanup();
  }
}
