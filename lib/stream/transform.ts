/**
 * Stateless transformations of a stream, compiled to DuckDB SQL over each micro-batch:
 * select / where / withColumn / drop / withColumnRenamed, and raw SQL over the view `batch`.
 * Each step maps the relation so far (SQL) to a new one. A custom step gets the batch id and the
 * checkpoint's state folder through its context, for steps that keep state across batches.
 */
import type { Duck } from "../duck";
import { sqlIdent } from "../duck";

export interface TransformContext {
  duck: Duck;
  batchId: number;
  /** The checkpoint's state folder for operator `id` (versioned by batch id), for stateful steps. */
  stateDir(operatorId: number): string;
  /** Registers a temporary table to drop when the batch is done. */
  temp(name: string): string;
}

export interface TransformStep {
  /** Shown in explain(). */
  readonly label: string;
  apply(input: string, ctx: TransformContext): Promise<string> | string;
}

export function selectStep(exprs: string[]): TransformStep {
  return { label: `select(${exprs.join(", ")})`, apply: (input) => `SELECT ${exprs.join(", ")} FROM (${input})` };
}

export function whereStep(predicate: string): TransformStep {
  return { label: `where(${predicate})`, apply: (input) => `SELECT * FROM (${input}) WHERE ${predicate}` };
}

export function withColumnStep(name: string, expr: string): TransformStep {
  return {
    label: `withColumn(${name}, ${expr})`,
    async apply(input, ctx) {
      const cols = (await ctx.duck.describe(input)).map((c) => c.name);
      return cols.includes(name) ? `SELECT * REPLACE ((${expr}) AS ${sqlIdent(name)}) FROM (${input})` : `SELECT *, (${expr}) AS ${sqlIdent(name)} FROM (${input})`;
    },
  };
}

export function dropStep(columns: string[]): TransformStep {
  return { label: `drop(${columns.join(", ")})`, apply: (input) => `SELECT * EXCLUDE (${columns.map(sqlIdent).join(", ")}) FROM (${input})` };
}

export function renameStep(from: string, to: string): TransformStep {
  return { label: `withColumnRenamed(${from}, ${to})`, apply: (input) => `SELECT * RENAME (${sqlIdent(from)} AS ${sqlIdent(to)}) FROM (${input})` };
}

let viewCounter = 0;

/** Raw SQL over the micro-batch, which the query sees as the view `batch`. */
export function sqlStep(query: string): TransformStep {
  return {
    label: `sql(${query.replace(/\s+/g, " ").trim()})`,
    async apply(input, ctx) {
      // Materialise the step's result: the view `batch` is replaced by the next sql() step.
      const out = ctx.temp(`__sl_sql_step_${++viewCounter}`);
      await ctx.duck.run(`CREATE OR REPLACE TEMP VIEW batch AS ${input}`);
      await ctx.duck.run(`CREATE OR REPLACE TEMP TABLE ${out} AS ${query}`);
      return `SELECT * FROM ${out}`;
    },
  };
}
