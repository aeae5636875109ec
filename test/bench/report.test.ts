import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { writeReport } from "../../bench/report";
import { atLeast, atMost, below, figure } from "../../bench/util";

const root = path.resolve(__dirname, "../../..");

test("the bench helpers say whether a figure meets its target", () => {
  assert.deepEqual([atLeast("r", 0.95, "×", 0.9).met, atLeast("r", 0.5, "×", 0.9).met], [true, false]);
  assert.deepEqual([atMost("c", 10, "ms", 10).met, atMost("c", 10.5, "ms", 10).met], [true, false]);
  assert.deepEqual([below("p", 19, "ms", 20).met, below("p", 20, "ms", 20).met], [true, false]);
  assert.equal(atMost("c", 12, "ms", 10).target, "≤ 10 ms");
  assert.equal(atLeast("r", 1, "×", 0.9).target, "≥ 0.9");
  assert.equal(figure("f", 1, "ms").met, undefined);
});

test("--report writes the machine, every figure against its target, the charts as SVG linked from the markdown, and a failed bench", async () => {
  const docs = fs.mkdtempSync(path.join(os.tmpdir(), "streamlab-report-"));
  try {
    const written = await writeReport(
      [
        {
          name: "batches",
          seconds: 3,
          output: ["per-batch cost: 22 ms"],
          result: {
            name: "batches",
            metrics: [atMost("per-batch cost", 22, "ms", 10), atMost("growth", 1.1, "×", 1.3), figure("baseline", 2.5, "ms")],
            charts: [{ file: "perf-test.svg", title: "a line", spec: { data: { values: [{ x: 1, y: 2 }, { x: 2, y: 3 }] }, mark: "line", encoding: { x: { field: "x", type: "quantitative" }, y: { field: "y", type: "quantitative" } } } }],
          },
        },
        { name: "scan", seconds: 1, output: [], error: "boom" },
      ],
      docs,
    );
    const md = fs.readFileSync(path.join(docs, "performance.md"), "utf8");
    assert.match(md, /- CPU: \d+ cores/);
    assert.match(md, /- Node: v\d+/);
    assert.match(md, /\| batches \| per-batch cost \| 22\.0 ms \| ≤ 10 ms \| \*\*not met\*\* \|/);
    assert.match(md, /\| batches \| growth \| 1\.10× \| ≤ 1\.3 \| met \|/);
    assert.match(md, /\| scan \| failed: boom \|/);
    assert.match(md, /Targets met: 1 of 2/);
    assert.match(md, /per-batch cost: 22 ms/, "what the bench printed");
    for (const svg of ["perf-summary.svg", "perf-test.svg"]) {
      assert.ok(md.includes(`](${svg})`), `the markdown shows ${svg}`);
      assert.match(fs.readFileSync(path.join(docs, svg), "utf8"), /^<svg[\s\S]*<\/svg>$/);
    }
    assert.deepEqual(written.map((f) => path.basename(f)).sort(), ["perf-summary.svg", "perf-test.svg", "performance.md"]);
  } finally {
    fs.rmSync(docs, { recursive: true, force: true });
  }
});

test("docs/performance.md, when there, shows only charts that exist", () => {
  const file = path.join(root, "docs", "performance.md");
  if (!fs.existsSync(file)) return;
  const md = fs.readFileSync(file, "utf8");
  const images = [...md.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)].map((m) => m[1]!);
  assert.ok(images.length > 0);
  for (const img of images) assert.ok(fs.existsSync(path.join(root, "docs", img)), `docs/performance.md shows ${img}, which does not exist`);
});
