/** The stateless transformations, each compiled to SQL and run by a real DuckDB over a small batch. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Duck, rowsSql } from "../../lib/duck";
import { dropStep, renameStep, selectStep, sqlStep, whereStep, withColumnStep, type TransformContext, type TransformStep } from "../../lib/stream/transform";

async function withBatch(t: { after(fn: () => void): void }) {
  const duck = await Duck.open();
  t.after(() => duck.close());
  await duck.run(`CREATE TEMP TABLE input AS ${rowsSql([{ id: 1, name: "a", price: 10 }, { id: 2, name: "b", price: -1 }, { id: 3, name: "c", price: 5 }], ["id", "name", "price"])}`);
  const temps: string[] = [];
  const ctx: TransformContext = { duck, batchId: 7, stateDir: () => "", temp: (n) => (temps.push(n), n) };
  /** Applies the steps in order, as the engine does, and returns the rows. */
  const run = async (...steps: TransformStep[]) => {
    let sql = "SELECT * FROM input";
    for (const s of steps) sql = await s.apply(sql, ctx);
    return { rows: await duck.json(`${sql} ORDER BY ALL`), columns: (await duck.describe(sql)).map((c) => c.name) };
  };
  return { duck, run, temps };
}

test("select takes SQL expressions", async (t) => {
  const { run } = await withBatch(t);
  const r = await run(selectStep(["id", "price * 2 AS double_price"]));
  assert.deepEqual(r.columns, ["id", "double_price"]);
  assert.deepEqual(r.rows.map((x) => Number(x.double_price)), [20, -2, 10]);
  assert.equal(selectStep(["id", "name"]).label, "select(id, name)");
});

test("where keeps the rows matching a predicate", async (t) => {
  const { run } = await withBatch(t);
  const r = await run(whereStep("price > 0"));
  assert.deepEqual(r.rows.map((x) => x.id), [1, 3]);
  assert.deepEqual(r.columns, ["id", "name", "price"]);
});

test("withColumn adds a column, or replaces one of the same name in place", async (t) => {
  const { run } = await withBatch(t);
  const added = await run(withColumnStep("upper name", "upper(name)"));
  assert.deepEqual(added.columns, ["id", "name", "price", "upper name"]);
  assert.deepEqual(added.rows.map((x) => x["upper name"]), ["A", "B", "C"]);
  const replaced = await run(withColumnStep("price", "price + 1"));
  assert.deepEqual(replaced.columns, ["id", "name", "price"], "same position");
  assert.deepEqual(replaced.rows.map((x) => Number(x.price)), [11, 0, 6]);
});

test("drop removes columns; withColumnRenamed renames one", async (t) => {
  const { run } = await withBatch(t);
  assert.deepEqual((await run(dropStep(["name", "price"]))).columns, ["id"]);
  const renamed = await run(renameStep("name", "label"));
  assert.deepEqual(renamed.columns, ["id", "label", "price"]);
  assert.deepEqual(renamed.rows.map((x) => x.label), ["a", "b", "c"]);
});

test("sql runs over the view `batch`; each sql step sees the previous step's result and registers its table for cleanup", async (t) => {
  const { run, temps } = await withBatch(t);
  const r = await run(whereStep("price > 0"), sqlStep("SELECT id, price FROM batch WHERE id > 1"), sqlStep("SELECT sum(price) AS total, count(*) AS n FROM batch"));
  assert.deepEqual(r.rows, [{ total: "5", n: "1" }]);
  assert.equal(temps.length, 2, "both materialised results are dropped with the batch");
  assert.equal(sqlStep("SELECT *\n  FROM batch").label, "sql(SELECT * FROM batch)");
});

test("steps chain in order, and a bad expression is a SQL_ERROR naming it", async (t) => {
  const { run } = await withBatch(t);
  const r = await run(withColumnStep("total", "price * id"), whereStep("total > 0"), dropStep(["price"]), renameStep("total", "amount"), selectStep(["name", "amount"]));
  assert.deepEqual(r.rows, [{ name: "a", amount: 10 }, { name: "c", amount: 15 }]);
  await assert.rejects(() => run(whereStep("no_such_column > 1")), (e: Error & { code?: string }) => e.code === "SQL_ERROR" && /no_such_column/.test(e.message));
});
