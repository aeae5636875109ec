import { test } from "node:test";
import assert from "node:assert/strict";
import * as aq from "arquero";
import { Duck } from "../../lib/duck";
import { chart, renderSvg, show, tableHtml, tableText, VEGALITE_MIME } from "../../lib/viz/index";
import { expectCode } from "../helpers/tmp";

test("show() renders rows as an HTML table with types, escaping and a row limit", async () => {
  const rows = Array.from({ length: 30 }, (_, i) => ({ id: i, name: i === 0 ? "<b>&" : `n${i}`, at: new Date(Date.UTC(2026, 0, 1, 0, 0, i)), missing: null }));
  const shown = await show(rows, { limit: 5, title: "Some rows" });
  assert.ok(shown, "outside a notebook show() returns its renderings");
  assert.match(shown.html, /<h4>Some rows<\/h4>/);
  assert.match(shown.html, /<th[^>]*>id<br><span[^>]*>number<\/span><\/th>/);
  assert.match(shown.html, /timestamp/);
  assert.match(shown.html, /&lt;b&gt;&amp;/);
  assert.match(shown.html, /2026-01-01T00:00:00.000Z/);
  assert.match(shown.html, /<i>null<\/i>/);
  assert.equal((shown.html.match(/<tr>/g) ?? []).length, 1 + 5);
  assert.match(shown.html, /showing 5 of 30 rows/);
  assert.match(shown.text, /\| id +\| name/);
});

test("show() takes a DuckDB result and a SQL string, with DuckDB's column types", async () => {
  const db = await Duck.open();
  const reader = await db.read("SELECT 1::INTEGER AS a, 'x'::VARCHAR AS b, 2.50::DECIMAL(10,2) AS price, TIMESTAMPTZ '2026-01-01 00:00:00+00' AS ts");
  const r1 = await show(reader);
  assert.match(r1!.html, /INTEGER/);
  assert.match(r1!.html, /DECIMAL\(10,2\)/);
  assert.match(r1!.html, /TIMESTAMP WITH TIME ZONE/);
  const r2 = await show("SELECT range AS n FROM range(100)", { duck: db, limit: 3 });
  assert.match(r2!.html, /BIGINT/);
  assert.match(r2!.html, /showing 3 of 100 rows/);
  db.close();
});

test("show() takes an arquero table", async () => {
  const table = aq.table({ city: ["Paris", "Lyon"], temp: [12.5, 14] });
  const r = await show(table);
  assert.match(r!.html, /Paris/);
  assert.match(r!.html, /city<br><span[^>]*>string/);
  assert.match(r!.html, /2 rows/);
});

test("show() refuses what it cannot render", async () => {
  await expectCode(() => show(42), "INVALID_ARGUMENT");
});

test("tableText truncates long cells", () => {
  const text = tableText({ columns: [{ name: "s", type: "string" }], rows: [{ s: "x".repeat(100) }] });
  assert.match(text, /x…/);
  assert.ok(tableHtml({ columns: [], rows: [] }).includes("0 rows"));
});

test("chart() renders a vega-lite spec to SVG and offers the vega-lite bundle", async () => {
  const values = [
    { t: new Date("2026-01-01T00:00:00Z"), kind: "view", n: 3n },
    { t: new Date("2026-01-01T00:00:01Z"), kind: "purchase", n: 5n },
  ];
  const c = await chart({ title: "Counts", data: { values }, mark: "bar", encoding: { x: { field: "t", type: "temporal" }, y: { field: "n", type: "quantitative" }, color: { field: "kind", type: "nominal" } } });
  assert.ok(c);
  assert.match(c.svg, /^<svg/);
  assert.match(c.svg, /Counts/);
  assert.match(c.svg, /role-mark/, "marks are drawn");
  assert.equal((c.bundle[VEGALITE_MIME] as { title: string }).title, "Counts");
  assert.equal(c.bundle["image/svg+xml"], c.svg);
  const data = (c.bundle[VEGALITE_MIME] as { data: { values: { n: number; t: string }[] } }).data.values;
  assert.equal(data[1]!.n, 5, "bigint values become numbers");
  assert.equal(data[0]!.t, "2026-01-01T00:00:00.000Z", "dates become ISO strings");
});

test("chart() reports a spec that does not compile", async () => {
  await expectCode(() => renderSvg({ mark: "no-such-mark", data: { values: [] } }), "INVALID_ARGUMENT");
});
