import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { chart } from "../../lib/viz/index";
import { tmpDir } from "../helpers/tmp";

const root = path.resolve(__dirname, "../../..");

interface Region { x: number; y: number; width: number; height: number; loaded: boolean }
const rc = require(path.join(root, "scripts", "report-check.js")) as {
  checkReport(nb: unknown, html: string): string[];
  checkScreenshot(html: string, png: string): Promise<{ charts: Region[]; problems: string[] }>;
  findChromium(): string | undefined;
  decodePng(buf: Buffer): { width: number; height: number };
};

/** Debian's Python with nbconvert, as scripts/run-notebooks.js looks for it. */
function jupyterPython(): string | undefined {
  for (const py of ["/usr/bin/python3", "python3"]) {
    if (spawnSync(py, ["-c", "import nbconvert"], { encoding: "utf8" }).status === 0) return py;
  }
  return undefined;
}

/** A notebook (as run_notebooks.py leaves it executed) whose one cell shows `bundles`. */
function notebook(bundles: Record<string, unknown>[]): Record<string, unknown> {
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: "streamlab", display_name: "TypeScript (streamlab)", language: "typescript" } },
    cells: [
      { cell_type: "markdown", id: "m", metadata: {}, source: "# A chart" },
      { cell_type: "code", id: "c", metadata: {}, execution_count: 1, source: "await sl.chart(...)", outputs: bundles.map((data) => ({ output_type: "display_data", metadata: {}, data })) },
    ],
  };
}

async function bars(values: { kind: string; n: number }[]) {
  const c = await chart({ data: { values }, mark: "bar", encoding: { x: { field: "kind", type: "nominal" }, y: { field: "n", type: "quantitative" } } });
  return c!.bundle;
}

/** Converts with our report template (run_notebooks.py --convert) and, for comparison, nbconvert's stock lab template. */
function convert(py: string, dir: string, nb: unknown): { ours: string; stock: string } {
  const file = path.join(dir, "chart.ipynb");
  fs.writeFileSync(file, JSON.stringify(nb));
  const r = spawnSync(py, [path.join(root, "scripts", "run_notebooks.py"), "--convert", path.join(dir, "out"), file], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const s = spawnSync(py, ["-c", "import sys, nbformat; from nbconvert import HTMLExporter; print(HTMLExporter().from_notebook_node(nbformat.read(sys.argv[1], as_version=4))[0])", file], { encoding: "utf8" });
  assert.equal(s.status, 0, s.stderr);
  return { ours: fs.readFileSync(path.join(dir, "out", "chart.html"), "utf8"), stock: s.stdout };
}

test("a report shows every chart output as a drawing; nbconvert's stock template does not", async (t) => {
  const py = jupyterPython();
  if (!py) return t.skip("Jupyter's nbconvert is not installed");
  const dir = tmpDir(t);
  const nb = notebook([await bars([{ kind: "view", n: 40 }, { kind: "purchase", n: 7 }]), { "text/html": "<b>a table</b>", "text/plain": "a table" }]);
  const { ours, stock } = convert(py, dir, nb);
  assert.deepEqual(rc.checkReport(nb, ours), []);
  assert.match(ours, /<b>a table<\/b>/, "other outputs are still there");
  // The sanitizer of nbconvert's lab template keeps the SVG's text, drops its drawing.
  assert.match(rc.checkReport(nb, stock).join("\n"), /0 chart image\(s\) in the report/);
});

test("the check fails for a chart that draws no marks, and for a report missing a chart", async (t) => {
  const empty = notebook([await bars([])]);
  assert.match(rc.checkReport(empty, "").join("\n"), /draws no marks/);
  const two = notebook([await bars([{ kind: "a", n: 1 }]), await bars([{ kind: "b", n: 2 }])]);
  const py = jupyterPython();
  if (!py) return t.skip("Jupyter's nbconvert is not installed");
  const { ours } = convert(py, tmpDir(t), two);
  assert.deepEqual(rc.checkReport(two, ours), []);
  const one = ours.replace(/<img class="streamlab-chart"[^>]*>/, "");
  assert.match(rc.checkReport(two, one).join("\n"), /2 chart output\(s\) in the notebook, 1 chart image\(s\)/);
});

test("in Chromium, each chart region of a report shows coloured marks; a text-only chart is blank", async (t) => {
  const py = jupyterPython();
  if (!py) return t.skip("Jupyter's nbconvert is not installed");
  if (!rc.findChromium()) return t.skip("Chromium is not installed");
  const dir = tmpDir(t);
  const bundle = await bars([{ kind: "view", n: 40 }, { kind: "cart", n: 12 }, { kind: "purchase", n: 7 }]);
  const svg = bundle["image/svg+xml"] as string;
  // What the sanitizer left in the broken reports: the chart's labels, none of its marks.
  const textOnly = svg.replace(/<g class="mark-rect role-mark[\s\S]*?<\/g>/, "");
  const nb = notebook([bundle, { ...bundle, "image/svg+xml": textOnly }]);
  const { ours } = convert(py, dir, nb);
  const png = path.join(dir, "chart.png");
  const { charts, problems } = await rc.checkScreenshot(path.join(dir, "out", "chart.html"), png);
  assert.equal(charts.length, 2);
  assert.ok(charts.every((c) => c.loaded && c.width > 100 && c.height > 100), JSON.stringify(charts));
  assert.deepEqual(problems.length, 1, problems.join("\n"));
  assert.match(problems[0]!, /^chart 2 .*blank/);
  const image = rc.decodePng(fs.readFileSync(png));
  assert.ok(image.height >= charts[1]!.y + charts[1]!.height, "the screenshot holds the whole page");
  assert.ok(ours.length > 0);
});
