import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { mermaidFlowcharts, parseFlowchart, renderDocs, renderFlowchart } from "../../scripts/docs-diagrams";

const root = path.resolve(__dirname, "../../..");
const docs = path.join(root, "docs");
const read = (p: string) => fs.readFileSync(path.join(root, p), "utf8");

test("each Mermaid flowchart in docs/ has its generated SVG, up to date, shown beside it", () => {
  const rendered = renderDocs(docs);
  assert.ok(rendered.length >= 3, "the architecture, the main job's data flow, the batch loop");
  for (const [file, svg] of rendered) {
    assert.ok(fs.existsSync(file), `${path.relative(root, file)} is missing: run npm run docs`);
    assert.equal(fs.readFileSync(file, "utf8"), svg, `${path.relative(root, file)} is out of date: run npm run docs`);
    const doc = path.basename(file).replace(/-\d+\.svg$/, ".md");
    assert.ok(read(`docs/${doc}`).includes(`](${path.basename(file)})`), `docs/${doc} shows ${path.basename(file)}`);
  }
});

test("the diagram renderer draws every node and edge of the source, and refuses what it cannot read", () => {
  const fc = parseFlowchart('flowchart TD\n  a["A — one"]\n  b["B"]\n  c["C"]\n  a --> b & c\n  b -.->|back| a\n  c --> d');
  assert.deepEqual(fc.nodes.map((n) => n.id), ["a", "b", "c", "d"]);
  assert.equal(fc.edges.length, 4);
  const svg = renderFlowchart(fc);
  assert.equal((svg.match(/<g class="node"/g) ?? []).length, 4);
  assert.equal((svg.match(/<path d="M[^"]*" fill="none"/g) ?? []).length, 4, "one path per edge");
  assert.match(svg, /stroke-dasharray/);
  assert.match(svg, /marker-start="url\(#arrow-start\)"/, "the edge back up a cycle points the right way");
  assert.match(svg, />back<\/text>/);
  assert.throws(() => parseFlowchart("flowchart TD\n  a ==> b"), /cannot read/);
  assert.throws(() => parseFlowchart("sequenceDiagram\n  a->>b: x"), /only "flowchart TD"/);
  const arch = mermaidFlowcharts(read("docs/architecture.md"))[0]!;
  for (const folder of ["cli", "pipeline", "api", "sources", "sinks", "stream", "delta", "util"]) assert.match(renderFlowchart(parseFlowchart(arch)), new RegExp(`id="node-${folder}"`));
});

test("docs/concepts.md names only notebooks and lib/ files that exist, and the README links every document", () => {
  const concepts = read("docs/concepts.md");
  const named = [...concepts.matchAll(/`((?:lib|notebooks|scripts)\/[^`]+?\.(?:ts|ipynb|js|py))`/g)].map((m) => m[1]!);
  assert.ok(named.length > 30, `concepts.md maps concepts to files (${named.length} named)`);
  for (const f of new Set(named)) assert.ok(fs.existsSync(path.join(root, f)), `docs/concepts.md names ${f}, which does not exist`);
  for (const nb of fs.readdirSync(path.join(root, "notebooks")).filter((f) => f.endsWith(".ipynb"))) assert.ok(concepts.includes(nb), `docs/concepts.md maps notebook ${nb}`);
  const readme = read("README.md");
  for (const doc of ["docs/architecture.md", "docs/concepts.md", "docs/troubleshooting.md"]) {
    assert.ok(fs.existsSync(path.join(root, doc)), `${doc} exists`);
    assert.ok(readme.includes(`](${doc})`), `README links ${doc}`);
  }
});
