/**
 * Charts for notebooks: a vega-lite spec rendered on the server to static SVG (so it shows in
 * Jupyter, VS Code, GitHub and HTML exports), sent together with the vega-lite spec itself
 * for front ends that render it interactively.
 */
import { StreamlabError, messageOf } from "../errors";
import { display, type MimeBundle } from "./display";

/** A vega-lite spec (kept loose: vega-lite's own types are large and ESM-only). */
export type VegaLiteSpec = Record<string, unknown>;

export const VEGALITE_MIME = "application/vnd.vegalite.v5+json";

export interface Chart {
  svg: string;
  spec: VegaLiteSpec;
  bundle: MimeBundle;
}

// vega ships as ES modules with top-level await: load it with import(), never require().
const load = <T>(name: string): Promise<T> => import(name) as Promise<T>;

/** Renders a vega-lite spec to SVG. */
export async function renderSvg(spec: VegaLiteSpec): Promise<string> {
  if (typeof spec !== "object" || spec === null) throw new StreamlabError("INVALID_ARGUMENT", "chart() needs a vega-lite spec object.");
  const vl = await load<{ compile(spec: unknown): { spec: unknown } }>("vega-lite");
  const vega = await load<{
    parse(spec: unknown): unknown;
    View: new (runtime: unknown, opts: { renderer: string }) => { toSVG(): Promise<string>; finalize(): void };
  }>("vega");
  let compiled: unknown;
  try {
    compiled = vl.compile(spec).spec;
  } catch (e) {
    throw new StreamlabError("INVALID_ARGUMENT", `The vega-lite spec does not compile: ${messageOf(e)}`, {
      hint: "Check the mark, the encoding field names and types against the data.",
      cause: e,
    });
  }
  const view = new vega.View(vega.parse(compiled), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/**
 * Renders and (in a notebook) displays a chart. Data is usually inline: `data: { values: rows }`.
 * Defaults: width 560, height 240.
 */
export async function chart(spec: VegaLiteSpec): Promise<Chart | undefined> {
  // Plain JSON first: DuckDB rows carry bigint and Date values that vega cannot take as they are.
  const full = JSON.parse(
    JSON.stringify({ width: 560, height: 240, ...spec }, (_k, v) => (typeof v === "bigint" ? Number(v) : v)),
  ) as VegaLiteSpec;
  const svg = await renderSvg(full);
  const bundle: MimeBundle = { "image/svg+xml": svg, [VEGALITE_MIME]: full, "text/plain": `<chart: ${JSON.stringify(full.title ?? full.mark ?? "vega-lite")}>` };
  return display(bundle) ? undefined : { svg, spec: full, bundle };
}
