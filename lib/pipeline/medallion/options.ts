/** The options of `medallion.run`, each declared once with its default and doc (the CLI's flags map onto them). */
import { StreamlabError } from "../../errors";
import type { Duck } from "../../duck";
import { defineOptions, type OptionsInput } from "../../util/options";
import { contractActions, type ContractActions } from "./expectations";
import { LAYERS, type Layer } from "./layout";

function layersOption(v: unknown, name: string): Layer[] {
  const list = Array.isArray(v) ? v : typeof v === "string" ? v.split(",").map((s) => s.trim()) : [v];
  if (list.length === 1 && list[0] === "all") return [...LAYERS];
  for (const x of list) {
    if (!LAYERS.includes(x as Layer)) throw new StreamlabError("INVALID_OPTION", `${name} names an unknown layer ${JSON.stringify(x)}.`, { hint: `Use ${LAYERS.join(", ")} or "all".`, details: { option: name } });
  }
  if (list.length === 0) throw new StreamlabError("INVALID_OPTION", `${name} is empty.`, { hint: `Use ${LAYERS.join(", ")} or "all".`, details: { option: name } });
  return LAYERS.filter((x) => list.includes(x));
}

function expectationsOption(v: unknown, name: string): ContractActions {
  if (v === null || typeof v !== "object" || Array.isArray(v)) throw new StreamlabError("INVALID_OPTION", `${name} must be an object of rule → action, e.g. { valid_price: "fail" }.`, { details: { option: name } });
  return contractActions(v as Partial<ContractActions>);
}

function fn(v: unknown, name: string): (line: string) => void {
  if (typeof v !== "function") throw new StreamlabError("INVALID_OPTION", `${name} must be a function (line: string) => void.`, { details: { option: name } });
  return v as (line: string) => void;
}

function duckOption(v: unknown, name: string): Duck {
  if (v === null || typeof v !== "object" || typeof (v as Duck).run !== "function") throw new StreamlabError("INVALID_OPTION", `${name} must be a Duck session (sl.duck()).`, { details: { option: name } });
  return v as Duck;
}

export const MEDALLION_OPTIONS = defineOptions(
  "medallion.run",
  {
    raw: { kind: "string", doc: "the landing folder of the daily files events_YYYY-MM-DD.csv (default data/raw/daily)" },
    base: { kind: "string", doc: "where the tables live (default data/medallion)" },
    layers: { kind: "custom", type: "bronze|silver|gold|all or a list", parse: layersOption, default: "all", doc: "which layers run, in pipeline order" },
    fullRefresh: { kind: "boolean", default: false, doc: "rebuild the chosen layers from scratch: their tables (bronze: also its checkpoint and quarantine) are removed first" },
    expectations: { kind: "custom", type: "{ rule: warn|drop|fail }", parse: expectationsOption, default: {}, doc: "actions of silver's expectations; every rule drops by default" },
    checkInvariant: { kind: "boolean", default: true, doc: "check after gold that it equals a full recompute from silver" },
    print: { kind: "custom", type: "function", parse: fn, doc: "where the one line per layer goes (default: nowhere; the CLI prints)" },
    duck: { kind: "custom", type: "Duck", parse: duckOption, doc: "the DuckDB session (default: the shared one)" },
  },
  { prefix: "" },
);

/** What `medallion.run` takes. */
export type MedallionRunOptions = Omit<OptionsInput<(typeof MEDALLION_OPTIONS)["defs"]>, "layers" | "expectations"> & { layers?: Layer | Layer[] | "all"; expectations?: Partial<ContractActions> };
