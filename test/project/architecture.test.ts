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

/** The root modules (lib/duck.ts, lib/errors.ts, lib/sql-input.ts) sit with util/; lib/index.ts and lib/internals.ts are the package's doors. */
const LAYERS: Record<string, number> = { ".": 0, util: 0, sim: 1, delta: 1, stream: 1, notify: 2, viz: 2, sources: 3, sinks: 3, api: 4, pipeline: 5, cli: 6 };
const DOORS = new Set(["index.ts", "internals.ts"]);
/** Arrows within one layer that the design allows (the cycle test keeps them one way). */
const SIDEWAYS = new Set(["util → .", "notify → viz", "pipeline → api", "sinks → sources"]);

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
