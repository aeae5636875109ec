#!/usr/bin/env node
/**
 * `npm run docs`: renders each Mermaid flowchart of docs/*.md to an SVG beside it
 * (docs/<doc>-<n>.svg), offline, with a small layered layout of our own — the Mermaid block stays
 * the source (GitHub renders it), the SVG is what any Markdown viewer or browser shows.
 * Understands what our diagrams use: `flowchart TD`, nodes `id["label"]`, edges `a --> b`,
 * `a -.-> b`, `a -->|label| b`, chains and `a & b` lists. test/project/docs.test.ts checks the SVGs
 * are up to date.
 */
import * as fs from "node:fs";
import * as path from "node:path";

export interface Flowchart {
  nodes: { id: string; label: string }[];
  edges: { from: string; to: string; label?: string; dashed: boolean }[];
}

/** Parses one Mermaid flowchart (top-down). Unknown lines are an error, so the SVG never silently drops a part. */
export function parseFlowchart(src: string): Flowchart {
  const lines = src.split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("%%"));
  if (!/^flowchart\s+(TD|TB)$/.test(lines[0] ?? "")) throw new Error(`only "flowchart TD" diagrams are rendered, got "${lines[0]}"`);
  const nodes = new Map<string, string>();
  const edges: Flowchart["edges"] = [];
  const node = (id: string, label?: string) => {
    if (label !== undefined) nodes.set(id, label);
    else if (!nodes.has(id)) nodes.set(id, id);
  };
  for (const line of lines.slice(1)) {
    // Node definitions first (their quoted labels may hold anything), leaving their ids behind.
    const rest = line.replace(/([A-Za-z_][\w]*)\s*\[\s*"([^"]*)"\s*\]/g, (_m, id: string, label: string) => {
      node(id, label);
      return id;
    });
    const parts = rest.split(/\s*(-->|-\.->)(?:\|([^|]*)\|)?\s*/);
    // parts: group, arrow, label, group, arrow, label, group…
    for (let i = 0; i < parts.length; i += 3) {
      const group = parts[i]!.trim();
      if (!/^[A-Za-z_]\w*(\s*&\s*[A-Za-z_]\w*)*$/.test(group)) throw new Error(`cannot read "${line}" (at "${group}")`);
      for (const id of group.split("&").map((s) => s.trim())) node(id);
      if (i + 3 < parts.length) {
        const to = parts[i + 3]!.trim().split("&").map((s) => s.trim());
        for (const a of group.split("&").map((s) => s.trim())) for (const b of to) edges.push({ from: a, to: b, label: parts[i + 2]?.trim() || undefined, dashed: parts[i + 1] === "-.->" });
      }
    }
  }
  return { nodes: [...nodes].map(([id, label]) => ({ id, label })), edges };
}

const FONT = 13;
const CHAR = 6.9; // average advance of a 13 px sans-serif character
const LINE = 17;
const PAD_X = 12;
const PAD_Y = 9;
const MAX_CHARS = 38;
const GAP_X = 28;
const GAP_Y = 56;

/** The label in lines of at most MAX_CHARS, broken at spaces ("<br>" and "\n" break too). */
function wrap(label: string): string[] {
  const out: string[] = [];
  for (const para of label.split(/<br\s*\/?>|\\n/)) {
    let line = "";
    for (const word of para.split(/\s+/).filter(Boolean)) {
      if (line && line.length + 1 + word.length > MAX_CHARS) {
        out.push(line);
        line = word;
      } else line = line ? `${line} ${word}` : word;
    }
    out.push(line);
  }
  return out;
}

const esc = (s: string) => s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;");

interface Box { id: string; lines: string[]; w: number; h: number; layer: number; x: number; y: number; dummy: boolean }

/** Lays the flowchart out in layers (longest path, back edges of cycles reversed, long edges through dummy nodes) and draws it. */
export function renderFlowchart(fc: Flowchart): string {
  const ids = fc.nodes.map((n) => n.id);
  // Break cycles: an edge to a node still on the DFS stack is drawn as a back edge.
  const out = new Map(ids.map((id) => [id, fc.edges.filter((e) => e.from === id)]));
  const state = new Map<string, 1 | 2>();
  const back = new Set<(typeof fc.edges)[number]>();
  const visit = (id: string) => {
    state.set(id, 1);
    for (const e of out.get(id)!) {
      if (state.get(e.to) === 1) back.add(e);
      else if (!state.has(e.to)) visit(e.to);
    }
    state.set(id, 2);
  };
  for (const id of ids) if (!state.has(id)) visit(id);
  // A back edge is laid out reversed (so the layers stay acyclic) and drawn with its arrow at the start.
  const dag = fc.edges.map((e) => (back.has(e) ? { ...e, from: e.to, to: e.from, reversed: true } : { ...e, reversed: false })).filter((e) => e.from !== e.to);

  // Layers: the longest path from a source.
  const layer = new Map(ids.map((id) => [id, 0]));
  for (let changed = true; changed; ) {
    changed = false;
    for (const e of dag) {
      if (layer.get(e.to)! < layer.get(e.from)! + 1) {
        layer.set(e.to, layer.get(e.from)! + 1);
        changed = true;
      }
    }
  }
  const boxes = new Map<string, Box>();
  for (const n of fc.nodes) {
    const lines = wrap(n.label);
    boxes.set(n.id, { id: n.id, lines, w: Math.ceil(Math.max(...lines.map((l) => l.length)) * CHAR + 2 * PAD_X), h: lines.length * LINE + 2 * PAD_Y, layer: layer.get(n.id)!, x: 0, y: 0, dummy: false });
  }
  // Long edges pass through one dummy per layer they cross.
  const routes = dag.map((e) => {
    const chain = [e.from];
    for (let l = layer.get(e.from)! + 1; l < layer.get(e.to)!; l++) {
      const id = `~${e.from}-${e.to}-${l}`;
      boxes.set(id, { id, lines: [], w: 8, h: 0, layer: l, x: 0, y: 0, dummy: true });
      chain.push(id);
    }
    chain.push(e.to);
    return { edge: e, chain };
  });
  const depth = Math.max(0, ...[...boxes.values()].map((b) => b.layer)) + 1;
  const rows: Box[][] = Array.from({ length: depth }, () => []);
  for (const b of boxes.values()) rows[b.layer]!.push(b);
  const up = new Map<string, string[]>();
  const down = new Map<string, string[]>();
  for (const { chain } of routes) {
    for (let i = 0; i + 1 < chain.length; i++) {
      down.set(chain[i]!, [...(down.get(chain[i]!) ?? []), chain[i + 1]!]);
      up.set(chain[i + 1]!, [...(up.get(chain[i + 1]!) ?? []), chain[i]!]);
    }
  }
  // Order within layers: barycenters of the neighbours, sweeping down and up.
  const pos = () => new Map(rows.flatMap((r) => r.map((b, i) => [b.id, i] as const)));
  for (let sweep = 0; sweep < 8; sweep++) {
    const p = pos();
    const range = sweep % 2 === 0 ? rows.keys() : [...rows.keys()].reverse();
    for (const l of range) {
      const nb = sweep % 2 === 0 ? up : down;
      const bary = (b: Box) => {
        const ns = nb.get(b.id) ?? [];
        return ns.length ? ns.reduce((s, n) => s + p.get(n)!, 0) / ns.length : p.get(b.id)!;
      };
      rows[l]!.sort((a, b) => bary(a) - bary(b));
      rows[l]!.forEach((b, i) => p.set(b.id, i));
    }
  }
  // x: each node wants the mean centre of its neighbours (dummies: both sides, to keep long edges
  // straight); a row keeps its order and its gaps — the mean of a left-to-right and a right-to-left
  // placement, both feasible, so the row does not drift to one side.
  const centre = (b: Box) => b.x + b.w / 2;
  const gap = (a: Box, b: Box) => (a.dummy || b.dummy ? GAP_X / 2 : GAP_X);
  for (const row of rows) {
    let x = 0;
    for (const b of row) {
      b.x = x;
      x += b.w + GAP_X;
    }
  }
  for (let pass = 0; pass < 24; pass++) {
    for (const row of pass % 2 === 0 ? rows : [...rows].reverse()) {
      const want = row.map((b) => {
        const ns = [...(pass % 2 === 0 || b.dummy ? up.get(b.id) ?? [] : []), ...(pass % 2 === 1 || b.dummy ? down.get(b.id) ?? [] : [])].map((n) => boxes.get(n)!);
        return ns.length ? ns.reduce((s, n) => s + centre(n), 0) / ns.length - b.w / 2 : b.x;
      });
      const a = want.slice();
      for (let i = 1; i < row.length; i++) a[i] = Math.max(a[i]!, a[i - 1]! + row[i - 1]!.w + gap(row[i - 1]!, row[i]!));
      const z = want.slice();
      for (let i = row.length - 2; i >= 0; i--) z[i] = Math.min(z[i]!, z[i + 1]! - row[i]!.w - gap(row[i]!, row[i + 1]!));
      row.forEach((b, i) => (b.x = (a[i]! + z[i]!) / 2));
    }
  }
  const left = Math.min(...[...boxes.values()].map((b) => b.x));
  let y = 16;
  for (const row of rows) {
    const h = Math.max(0, ...row.map((b) => b.h));
    for (const b of row) {
      b.x -= left - 16;
      b.y = y + (h - b.h) / 2;
    }
    y += h + GAP_Y;
  }
  const width = Math.ceil(Math.max(...[...boxes.values()].map((b) => b.x + b.w)) + 16);
  const height = Math.ceil(y - GAP_Y + 16);

  // Ports: the edges leaving (entering) a box spread along its bottom (top), ordered by where their
  // other end lies, so that two edges between the same boxes (a loop's way back) stay apart.
  const port = new Map<string, number>();
  const spread = (box: Box, keys: { key: string; towards: number }[]) => {
    keys.sort((a, b) => a.towards - b.towards);
    const step = Math.min(28, (box.w * 0.8) / Math.max(1, keys.length));
    keys.forEach((k, i) => port.set(k.key, box.x + box.w / 2 + (i - (keys.length - 1) / 2) * step));
  };
  for (const b of boxes.values()) {
    if (b.dummy) continue;
    spread(b, routes.flatMap((r, i) => (r.chain[0] === b.id ? [{ key: `out${i}`, towards: centre(boxes.get(r.chain[1]!)!) + (r.edge.reversed ? 0.5 : 0) }] : [])));
    spread(b, routes.flatMap((r, i) => (r.chain[r.chain.length - 1] === b.id ? [{ key: `in${i}`, towards: centre(boxes.get(r.chain[r.chain.length - 2]!)!) + (r.edge.reversed ? 0.5 : 0) }] : [])));
  }
  const paths: string[] = [];
  const labels: string[] = [];
  for (const [ri, { edge, chain }] of routes.entries()) {
    const pts = chain.map((id, i) => {
      const b = boxes.get(id)!;
      if (i === 0) return { x: port.get(`out${ri}`)!, y: b.y + b.h };
      if (i === chain.length - 1) return { x: port.get(`in${ri}`)!, y: b.y };
      return { x: b.x + b.w / 2, y: b.y + b.h / 2 };
    });
    let d = `M${pts[0]!.x.toFixed(1)},${pts[0]!.y.toFixed(1)}`;
    for (let i = 1; i < pts.length; i++) {
      const a = pts[i - 1]!, b = pts[i]!, my = (a.y + b.y) / 2;
      d += ` C${a.x.toFixed(1)},${my.toFixed(1)} ${b.x.toFixed(1)},${my.toFixed(1)} ${b.x.toFixed(1)},${b.y.toFixed(1)}`;
    }
    const marker = edge.reversed ? `marker-start="url(#arrow-start)"` : `marker-end="url(#arrow)"`;
    paths.push(`<path d="${d}" fill="none" stroke="#5b6b7f" stroke-width="1.4"${edge.dashed ? ' stroke-dasharray="5 4"' : ""} ${marker}/>`);
    if (edge.label) {
      const mid = pts[Math.floor(pts.length / 2)]!, prev = pts[Math.floor(pts.length / 2) - 1] ?? mid;
      const lx = (mid.x + prev.x) / 2, ly = (mid.y + prev.y) / 2;
      const w = edge.label.length * (CHAR - 0.8) + 8;
      labels.push(`<rect x="${(lx - w / 2).toFixed(1)}" y="${(ly - 9).toFixed(1)}" width="${w.toFixed(1)}" height="16" rx="3" fill="#ffffff"/><text x="${lx.toFixed(1)}" y="${(ly + 3.5).toFixed(1)}" text-anchor="middle" font-size="${FONT - 2}" fill="#3b4a5c">${esc(edge.label)}</text>`);
    }
  }
  const shapes = [...boxes.values()]
    .filter((b) => !b.dummy)
    .map((b) => {
      const text = b.lines.map((l, i) => `<tspan x="${(b.x + b.w / 2).toFixed(1)}" y="${(b.y + PAD_Y + LINE * (i + 1) - 4.5).toFixed(1)}">${esc(l)}</tspan>`).join("");
      return `<g class="node" id="node-${esc(b.id)}"><rect x="${b.x.toFixed(1)}" y="${b.y.toFixed(1)}" width="${b.w}" height="${b.h}" rx="6" fill="#eef3fb" stroke="#4c78a8" stroke-width="1.4"/><text text-anchor="middle" font-size="${FONT}" fill="#1f2d3d">${text}</text></g>`;
    });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif">`,
    `<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#5b6b7f"/></marker>` +
      `<marker id="arrow-start" viewBox="0 0 10 10" refX="0" refY="5" markerWidth="8" markerHeight="8" orient="auto"><path d="M10,0 L0,5 L10,10 z" fill="#5b6b7f"/></marker></defs>`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    ...paths,
    ...labels,
    ...shapes,
    "</svg>",
    "",
  ].join("\n");
}

/** The Mermaid flowcharts of a Markdown file, in order. */
export function mermaidFlowcharts(markdown: string): string[] {
  return [...markdown.matchAll(/```mermaid\n([\s\S]*?)```/g)].map((m) => m[1]!).filter((b) => /^\s*flowchart\b/.test(b));
}

/** The SVG file of the n-th (1-based) flowchart of docs/<name>.md. */
export const svgName = (doc: string, n: number) => `${path.basename(doc, ".md")}-${n}.svg`;

/** Every docs/*.md flowchart as [svg path, svg text]. */
export function renderDocs(docsDir: string): [string, string][] {
  return fs
    .readdirSync(docsDir)
    .filter((f) => f.endsWith(".md"))
    .sort()
    .flatMap((f) => mermaidFlowcharts(fs.readFileSync(path.join(docsDir, f), "utf8")).map((src, i) => [path.join(docsDir, svgName(f, i + 1)), renderFlowchart(parseFlowchart(src))] as [string, string]));
}

if (require.main === module) {
  const docs = path.resolve(__dirname, "../../docs");
  for (const [file, svg] of renderDocs(docs)) {
    fs.writeFileSync(file, svg);
    console.log(`wrote ${path.relative(process.cwd(), file)}`);
  }
}
