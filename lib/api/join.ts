/**
 * Stream-static joins (Spark's stream–static join): each micro-batch's rows are joined with a
 * static table read again for that batch — a Delta table's latest snapshot, a Parquet / CSV /
 * JSON file, or a PostgreSQL table — so the static side may change between batches, and no state
 * is kept. The stream is the left side: inner and left outer joins, as Spark allows.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { rowsSql, sqlIdent, sqlString, type Row } from "../duck";
import { DeltaTable } from "../delta/table";
import { StreamlabError } from "../errors";
import { formatOf, readerSql } from "../sql-input";
import type { TransformStep } from "../stream/transform";

/** The static side: a Delta table, a data file's path, or a PostgreSQL table. */
export type StaticTable = DeltaTable | string | { postgres: { table: string; connectionString?: string } };

/**
 * How the sides match: a column name or a list of them (the columns appear once, as Spark's
 * `join(other, "user_id")`), or a SQL condition over `l` (the stream) and `r` (the static table).
 */
export type JoinOn = string | string[];

export type JoinHow = "inner" | "left" | "left_outer" | "leftouter";

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
let joinCounter = 0;

function describeStatic(other: StaticTable): string {
  if (other instanceof DeltaTable) return `delta:${other.path}`;
  if (typeof other === "string") return other;
  return `postgres:${other.postgres.table}`;
}

async function postgresRows(table: string, connectionString?: string): Promise<Row[]> {
  // The PostgreSQL client is loaded by the joins that read a PostgreSQL table, not by every query.
  const { connect, quoteName } = await import("../sinks/postgres.js");
  const client = await connect(connectionString ?? process.env.DATABASE_URL);
  try {
    return (await client.query(`SELECT * FROM ${quoteName(table, "table")}`)).rows as Row[];
  } finally {
    await client.end().catch(() => {});
  }
}

export function joinStep(other: StaticTable, on: JoinOn, how: JoinHow = "inner"): TransformStep {
  const kind = how.toLowerCase().replace("_", "");
  if (kind !== "inner" && kind !== "left" && kind !== "leftouter") {
    const messages: Record<string, string> = {
      right: "RightOuter join with a streaming DataFrame/Dataset on the left and a static DataFrame/DataSet on the right not supported.",
      rightouter: "RightOuter join with a streaming DataFrame/Dataset on the left and a static DataFrame/DataSet on the right not supported.",
      full: "FullOuter joins with streaming DataFrames/Datasets on the left and a static DataFrame/Dataset on the right is not supported.",
      fullouter: "FullOuter joins with streaming DataFrames/Datasets on the left and a static DataFrame/Dataset on the right is not supported.",
    };
    throw new StreamlabError("INVALID_OPTION", messages[kind] ?? `Unknown join type "${how}".`, { hint: 'A stream joins a static table with how = "inner" or "left".' });
  }
  const columns = Array.isArray(on) ? on : IDENT.test(on.trim()) ? [on.trim()] : undefined;
  if (columns && columns.length === 0) throw new StreamlabError("INVALID_ARGUMENT", "join(): name at least one column to join on.");
  const id = ++joinCounter;
  const joinSql = kind === "inner" ? "JOIN" : "LEFT JOIN";
  return {
    label: `join(${describeStatic(other)}, ${Array.isArray(on) ? on.join(", ") : on}, ${kind === "inner" ? "inner" : "left"})`,
    async apply(input, ctx) {
      const staticTable = ctx.temp(`__sl_static${id}_b${ctx.batchId}`);
      // The static side, as of this batch.
      if (other instanceof DeltaTable) {
        const scan = await DeltaTable.forPath(other.path, ctx.duck).scan();
        try {
          await ctx.duck.run(`CREATE OR REPLACE TEMP TABLE ${staticTable} AS ${scan.sql}`);
        } finally {
          await scan.close();
        }
      } else if (typeof other === "string") {
        if (!fs.existsSync(other)) throw new StreamlabError("PATH_NOT_FOUND", `join(): no file at ${other}.`, { hint: "Pass a Delta table (sl.DeltaTable.forPath), a Parquet/CSV/JSON file, or { postgres: { table } }." });
        await ctx.duck.run(`CREATE OR REPLACE TEMP TABLE ${staticTable} AS SELECT * FROM ${readerSql(other, formatOf(other))}`);
      } else {
        const rows = await postgresRows(other.postgres.table, other.postgres.connectionString);
        if (rows.length === 0) throw new StreamlabError("INVALID_ARGUMENT", `join(): the PostgreSQL table ${other.postgres.table} is empty, so its columns are unknown.`);
        if (rows.length <= 500) await ctx.duck.run(`CREATE OR REPLACE TEMP TABLE ${staticTable} AS ${rowsSql(rows)}`);
        else {
          const file = path.join(os.tmpdir(), `streamlab-join-${process.pid}-${id}-${ctx.batchId}.json`);
          try {
            fs.writeFileSync(file, rows.map((r) => JSON.stringify(r, (_k, v) => (typeof v === "bigint" ? v.toString() : v))).join("\n") + "\n");
            await ctx.duck.run(`CREATE OR REPLACE TEMP TABLE ${staticTable} AS SELECT * FROM read_json(${sqlString(file)}, format = 'newline_delimited')`);
          } finally {
            fs.rmSync(file, { force: true });
          }
        }
      }
      if (columns) {
        const have = new Set((await ctx.duck.describe(`SELECT * FROM ${staticTable}`)).map((c) => c.name));
        const missing = columns.filter((c) => !have.has(c));
        if (missing.length) throw new StreamlabError("INVALID_ARGUMENT", `join(): the static table ${describeStatic(other)} has no column ${missing.join(", ")}.`);
        return `SELECT * FROM (${input}) l ${joinSql} ${staticTable} r USING (${columns.map(sqlIdent).join(", ")})`;
      }
      return `SELECT * FROM (${input}) l ${joinSql} ${staticTable} r ON ${on}`;
    },
  };
}
