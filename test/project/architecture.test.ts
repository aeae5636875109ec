/**
 * The architecture the folders promise, checked on the import graph of lib/: data and imports flow
 * one way (util → delta / stream → sources / sinks → api / pipeline → cli), with no folder cycle,
 * and the protocol code of lib/delta touches the file system only through its storage object.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

const lib = path.resolve(__dirname, "../../../lib");

function tsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? tsFiles(p) : e.name.endsWith(".ts") ? [p] : [];
  });
}

/** The folder of lib/ a file belongs to ("." for lib/index.ts, duck.ts, errors.ts…). */
const folderOf = (file: string) => {
  const rel = path.relative(lib, file).split(path.sep);
  return rel.length === 1 ? "." : rel[0]!;
};

/** Every relative import (static, dynamic, re-export) of every file, as [from file, to file]. */
function imports(): [string, string][] {
  const out: [string, string][] = [];
  for (const f of tsFiles(lib)) {
    const text = fs.readFileSync(f, "utf8");
    for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)"(\.[^"]+)"/g)) {
      out.push([f, path.resolve(path.dirname(f), m[1]!)]);
    }
  }
  return out;
}

function folderGraph(): Map<string, Set<string>> {
  const g = new Map<string, Set<string>>();
  for (const [from, to] of imports()) {
    if (DOORS.has(path.relative(lib, from))) continue;
    const a = folderOf(from);
    const b = folderOf(to.endsWith(".ts") ? to : `${to}.ts`);
    if (a === b) continue;
    if (!g.has(a)) g.set(a, new Set());
    g.get(a)!.add(b);
  }
  return g;
}

/**
 * The layers and the sideways arrows as docs/architecture.md states them: the test reads the
 * document, so the diagram a reader sees and the rule the code keeps cannot drift apart.
 */
function documentedLayers(): { layers: Record<string, number>; sideways: Set<string> } {
  const doc = fs.readFileSync(path.resolve(lib, "../docs/architecture.md"), "utf8");
  const layers: Record<string, number> = {};
  for (const m of doc.matchAll(/^\| (\d+) \| ([^|]+) \|/gm)) {
    for (const f of m[2]!.matchAll(/`([^`]+)`/g)) layers[f[1]!] = Number(m[1]);
  }
  const line = /^Sideways: (.*)$/m.exec(doc)?.[1] ?? "";
  const sideways = new Set([...line.matchAll(/`([^`]+)`/g)].map((x) => x[1]!));
  return { layers, sideways };
}
const { layers: LAYERS, sideways: SIDEWAYS } = documentedLayers();
const DOORS = new Set(["index.ts", "internals.ts"]);

test("docs/architecture.md names a layer for every folder of lib/", () => {
  const folders = fs.readdirSync(lib, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
  assert.deepEqual(folders.filter((f) => !(f in LAYERS)), []);
  assert.ok(SIDEWAYS.size > 0, "the sideways arrows are listed");
});

test("lib/ has no folder-level import cycle", () => {
  const g = folderGraph();
  const cycles: string[] = [];
  const visit = (node: string, trail: string[]) => {
    if (trail.includes(node)) {
      cycles.push([...trail.slice(trail.indexOf(node)), node].join(" → "));
      return;
    }
    for (const next of g.get(node) ?? []) visit(next, [...trail, node]);
  };
  for (const node of g.keys()) visit(node, []);
  assert.deepEqual([...new Set(cycles)], []);
});

test("imports run one way: util → delta / stream → sources / sinks → api / pipeline → cli", () => {
  const wrong: string[] = [];
  for (const [from, to] of imports()) {
    if (DOORS.has(path.relative(lib, from))) continue;
    const a = folderOf(from);
    const b = folderOf(to.endsWith(".ts") ? to : `${to}.ts`);
    if (a === b || a === "." ) continue;
    if (!(a in LAYERS) || !(b in LAYERS)) wrong.push(`${path.relative(lib, from)} → ${path.relative(lib, to)} (a folder without a layer)`);
    else if (LAYERS[b]! > LAYERS[a]! || (LAYERS[b] === LAYERS[a] && !SIDEWAYS.has(`${a} → ${b}`))) {
      wrong.push(`${path.relative(lib, from)} → ${path.relative(lib, to)}`);
    }
  }
  assert.deepEqual(wrong, []);
});

test("no arrow from delta/ or stream/ into sources/, sinks/, api/, pipeline/ or cli/", () => {
  const wrong = imports()
    .filter(([from, to]) => ["delta", "stream"].includes(folderOf(from)) && ["sources", "sinks", "api", "pipeline", "cli"].includes(folderOf(`${to}.ts`)))
    .map(([from, to]) => `${path.relative(lib, from)} → ${path.relative(lib, to)}`);
  assert.deepEqual(wrong, []);
});

test("in lib/delta only the storage object touches node:fs", () => {
  const direct = tsFiles(path.join(lib, "delta"))
    .filter((f) => /from\s+"node:fs(\/promises)?"|require\("node:fs"\)/.test(fs.readFileSync(f, "utf8")))
    .map((f) => path.relative(lib, f));
  assert.deepEqual(direct, ["delta/storage.ts"]);
});
