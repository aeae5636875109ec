/**
 * MERGE INTO target t USING source s ON condition, with Delta's clauses: WHEN MATCHED [AND c]
 * UPDATE / DELETE, WHEN NOT MATCHED [AND c] INSERT, WHEN NOT MATCHED BY SOURCE [AND c]
 * UPDATE / DELETE. Clauses of a kind apply in order, the first whose condition holds wins. A
 * target row matched by several source rows is an error, as in Delta.
 */
import { sqlIdent } from "../../duck";
import type { Duck } from "../../duck";
import { StreamlabError } from "../../errors";
import { toSql, type DataInput } from "../../sql-input";
import { Staging } from "../data-files";
import { FILE_COLUMN, ROW_COLUMN } from "../scan";
import { duckType } from "../schema";
import type { Snapshot } from "../snapshot";
import { checkWritable } from "../table-features";
import { copyOnWrite, fileList, type FileHit } from "./rewrite";

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
  /** Idempotent MERGE: skipped when this appId already committed this txnVersion or a later one; the commit records it. */
  txnAppId?: string;
  txnVersion?: number;
  /** Recorded as commitInfo.userMetadata. */
  userMetadata?: string;
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
  /** True when the (txnAppId, txnVersion) was already committed: nothing was done. */
  skipped?: boolean;
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
  if ((options.txnAppId === undefined) !== (options.txnVersion === undefined)) throw new StreamlabError("INVALID_OPTION", "MERGE: txnAppId and txnVersion go together.");
  if (options.txnAppId !== undefined && (snapshot.txns.get(options.txnAppId) ?? -1) >= options.txnVersion!) {
    return { version: snapshot.version, skipped: true, numSourceRows: 0, numTargetRowsInserted: 0, numTargetRowsUpdated: 0, numTargetRowsDeleted: 0, numTargetRowsCopied: 0, numTargetFilesRemoved: 0, numTargetFilesAdded: 0 };
  }
  const modifies = clauses.some((c) => c.when !== "notMatched");
  if (modifies && snapshot.configuration["delta.appendOnly"] === "true") {
    throw new StreamlabError("DELTA_APPEND_ONLY", `${snapshot.tableRoot} is append-only: MERGE may only insert.`);
  }

  // A large source given as rows is staged inside the table, so a crash never leaves it elsewhere.
  const staging = new Staging(snapshot.tableRoot, snapshot.storage);
  const src = toSql(options.source, { tempDir: () => staging.dir() });
  const srcTable = `__sl_merge_src_${++mergeCounter}`;
  try {
    await duck.run(`CREATE TEMP TABLE ${srcTable} AS SELECT *, row_number() OVER () AS __sl_src_row FROM (${src.sql})`);
    const srcCols = (await duck.describe(`SELECT * FROM ${srcTable}`)).map((c) => c.name).filter((c) => c !== "__sl_src_row");
    const star = (kind: string): Record<string, string> => {
      const out: Record<string, string> = {};
      for (const f of fields) {
        const sc = srcCols.find((c) => c.toLowerCase() === f.name.toLowerCase());
        if (!sc) throw new StreamlabError("INVALID_ARGUMENT", `${kind} * needs a source column "${f.name}", and the source has none.`, { hint: "List the assignments explicitly instead of *." });
        out[f.name] = `s.${sqlIdent(sc)}`;
      }
      return out;
    };
    const assigned = (a: Assignments, kind: string) => (a === "*" ? star(kind) : a);
    const S = srcTable;
    const matchedClauses = clauses.map((c, i) => ({ c, i })).filter(({ c }) => c.when === "matched");
    const bySourceClauses = clauses.map((c, i) => ({ c, i })).filter(({ c }) => c.when === "notMatchedBySource");
    const insertClauses = clauses.map((c, i) => ({ c, i })).filter(({ c }) => c.when === "notMatched");
    // With matched clauses the join is 1:1 (checked below); without them, matching is only an existence test.
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
      return branches.length ? `CASE ${branches.join(" ")} ELSE t.${sqlIdent(name)} END` : `t.${sqlIdent(name)}`;
    };
    const projection = fields.map((f) => `${newValue(f.name, duckType(f.type))} AS ${sqlIdent(f.name)}`).join(", ");
    const insertCase = insertClauses.length ? `(CASE ${insertClauses.map(({ c, i }) => `WHEN ${c.condition ? `coalesce((${c.condition}), false)` : "true"} THEN ${i}`).join(" ")} ELSE -1 END)` : "-1";
    const insertValues = insertClauses.map(({ c, i }) => ({ i, values: Object.fromEntries(Object.entries(assigned((c as Extract<MergeClause, { then: "insert" }>).values, "INSERT")).map(([k, v]) => [col(k).name, v])) }));
    const insertProjection = fields
      .map((f) => {
        const branches = insertValues.filter((v) => f.name in v.values).map((v) => `WHEN ${insertCase} = ${v.i} THEN CAST((${v.values[f.name]}) AS ${duckType(f.type)})`);
        return `${branches.length ? `CASE ${branches.join(" ")} ELSE NULL END` : "NULL"} AS ${sqlIdent(f.name)}`;
      })
      .join(", ");
    let metrics: Omit<MergeResult, "version" | "numTargetFilesRemoved" | "numTargetFilesAdded" | "skipped"> | undefined;

    const { version, rewrite } = await copyOnWrite(
      snapshot,
      duck,
      {
        operation: "MERGE",
        operationParameters: { predicate: JSON.stringify([options.on]), clauses: JSON.stringify(clauses.map((c) => `${c.when} ${c.then}${c.condition ? ` and ${c.condition}` : ""}`)) },
        txnAppId: options.txnAppId,
        txnVersion: options.txnVersion,
        userMetadata: options.userMetadata,
      },
      {
        // MERGE reads the whole target: any row may match the source.
        readWholeTable: true,
        touched: async ({ scan, hits }): Promise<FileHit[]> => {
          const T = `(${scan.sql})`;
          if (matchedClauses.length > 0) {
            const dups = `SELECT t.${FILE_COLUMN} AS __f, t.${ROW_COLUMN} AS __r FROM ${T} t JOIN ${S} s ON (${options.on}) GROUP BY ALL HAVING count(*) > 1`;
            const n = Number((await duck.all<{ n: bigint }>(`SELECT count(*) AS n FROM (${dups})`))[0]!.n);
            if (n > 0) {
              // Name the key: the target's columns the join condition reads, for the first such row.
              const keyCols = [...new Set([...options.on.matchAll(/\bt\.("?)([A-Za-z_][A-Za-z0-9_]*)\1/g)].map((m) => m[2]!))].filter((c) => fields.some((f) => f.name === c));
              const first = keyCols.length
                ? (await duck.json(`SELECT ${keyCols.map((c) => `t.${sqlIdent(c)}`).join(", ")} FROM ${T} t SEMI JOIN (${dups}) d ON t.${FILE_COLUMN} = d.__f AND t.${ROW_COLUMN} = d.__r ORDER BY ALL LIMIT 1`))[0]
                : undefined;
              const key = first ? ` (for example ${Object.entries(first).map(([k, v]) => `${k} = ${JSON.stringify(v)}`).join(", ")})` : "";
              throw new StreamlabError("DELTA_MERGE_MULTIPLE_MATCHES", `MERGE failed: ${n} target row${n === 1 ? " was" : "s were"} matched by more than one source row${key}, so it is ambiguous how to update or delete ${n === 1 ? "it" : "them"}. Nothing was changed.`, {
                hint: "De-duplicate the source on the join key first (e.g. keep the latest row per key).",
                details: { count: n, ...(first ? { key: first } : {}) },
              });
            }
          }
          // Files to rewrite: those with matched rows, or every file when rows unmatched by the source can change.
          if (bySourceClauses.length > 0) return hits;
          if (matchedClauses.length === 0) return [];
          const files = new Set((await duck.all<{ f: string }>(`SELECT DISTINCT t.${FILE_COLUMN} AS f FROM ${T} t SEMI JOIN ${S} s ON (${options.on})`)).map((r) => r.f));
          return hits.filter((h) => files.has(h.path));
        },
        output: async ({ scan, touched }) => {
          const T = `(${scan.sql})`;
          const targetSide = `FROM ${T} t${joined ? ` LEFT JOIN ${S} s ON (${options.on})` : ""} WHERE t.${FILE_COLUMN} IN (${fileList(touched.map((h) => h.path))})`;
          const kept = `SELECT ${projection} ${targetSide}${deletes.length ? ` AND ${action} NOT IN (${deletes.join(", ")})` : ""}`;
          const inserted = insertClauses.length ? `SELECT ${insertProjection} FROM ${S} s ANTI JOIN ${T} t ON (${options.on}) WHERE ${insertCase} >= 0` : undefined;
          const updatedIds = updateSets.map((u) => u.i).join(", ") || "-2";
          const deletedIds = deletes.join(", ") || "-2";
          const counts = (
            await duck.all<Record<string, bigint>>(
              `SELECT (SELECT count(*) FROM ${S}) AS source,
                (SELECT count(*) ${targetSide} AND ${action} IN (${updatedIds})) AS updated,
                (SELECT count(*) ${targetSide} AND ${action} IN (${deletedIds})) AS deleted,
                (SELECT count(*) ${targetSide} AND ${action} = -1) AS copied,
                ${inserted ? `(SELECT count(*) FROM (${inserted}))` : "0"} AS inserted`,
            )
          )[0]!;
          metrics = {
            numSourceRows: Number(counts.source),
            numTargetRowsInserted: Number(counts.inserted),
            numTargetRowsUpdated: Number(counts.updated),
            numTargetRowsDeleted: Number(counts.deleted),
            numTargetRowsCopied: Number(counts.copied),
          };
          if (touched.length === 0 && metrics.numTargetRowsInserted === 0) return null;
          const cols = fields.map((f) => `t.${sqlIdent(f.name)}`).join(", ");
          const changes = [
            `SELECT ${cols}, 'update_preimage' AS _change_type ${targetSide} AND ${action} IN (${updatedIds})`,
            `SELECT ${projection}, 'update_postimage' AS _change_type ${targetSide} AND ${action} IN (${updatedIds})`,
            `SELECT ${cols}, 'delete' AS _change_type ${targetSide} AND ${action} IN (${deletedIds})`,
            ...(inserted ? [`SELECT *, 'insert' AS _change_type FROM (${inserted})`] : []),
          ];
          return { rows: inserted ? `${kept} UNION ALL ${inserted}` : kept, changes: changes.join(" UNION ALL "), metrics };
        },
        enforceConstraints: true,
      },
      (r) => ({ ...metrics, numTargetFilesRemoved: r.touched.length, numTargetFilesAdded: r.adds.length }),
    );
    return { version, ...metrics!, numTargetFilesRemoved: rewrite?.touched.length ?? 0, numTargetFilesAdded: rewrite?.adds.length ?? 0 };
  } finally {
    await duck.run(`DROP TABLE IF EXISTS ${srcTable}`);
    src.cleanup();
    staging.remove();
  }
}
