/** Option parsing shared by sources and sinks: Spark-style names ("cloudFiles.maxFilesPerTrigger"), string values from the CLI. */
import { StreamlabError } from "../errors";

export type OptionKind = "string" | "boolean" | "int" | "bytes" | "duration" | "enum" | "any";

export interface OptionSpec {
  kind: OptionKind;
  values?: readonly string[];
  min?: number;
}

/** Parses "10mb", "1g", "512k" or a number of bytes. */
export function parseBytes(v: string | number, name: string): number {
  if (typeof v === "number") {
    if (!(Number.isFinite(v) && v > 0)) throw new StreamlabError("INVALID_OPTION", `${name} must be a positive number of bytes, got ${v}.`);
    return Math.floor(v);
  }
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b)?\s*$/i.exec(v);
  if (!m) throw new StreamlabError("INVALID_OPTION", `${name} "${v}" is not a size.`, { hint: 'Write it like "10mb", "512k", "1g" or a number of bytes.' });
  const mult = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[m[2]!.toLowerCase() as "" | "k" | "m" | "g" | "t"];
  const n = Math.floor(Number(m[1]) * mult);
  if (n <= 0) throw new StreamlabError("INVALID_OPTION", `${name} must be positive, got "${v}".`);
  return n;
}

/**
 * Validates and normalises options against `specs`: strips a `prefix` ("cloudFiles."), converts
 * strings to booleans and numbers, and refuses unknown names and bad values with INVALID_OPTION.
 */
export function normaliseOptions(raw: Record<string, unknown>, specs: Record<string, OptionSpec>, what: string, prefix = "cloudFiles."): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const byLower = new Map(Object.keys(specs).map((k) => [k.toLowerCase(), k]));
  for (const [key0, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    const key1 = key0.startsWith(prefix) ? key0.slice(prefix.length) : key0;
    const key = byLower.get(key1.toLowerCase());
    if (!key) {
      throw new StreamlabError("INVALID_OPTION", `Unknown ${what} option "${key0}".`, { hint: `Known options: ${Object.keys(specs).sort().join(", ")}.` });
    }
    const spec = specs[key]!;
    const bad = (expect: string) => new StreamlabError("INVALID_OPTION", `${what} option ${key} must be ${expect}, got ${JSON.stringify(value)}.`);
    switch (spec.kind) {
      case "boolean":
        if (typeof value === "boolean") out[key] = value;
        else if (value === "true" || value === "false") out[key] = value === "true";
        else throw bad("true or false");
        break;
      case "int": {
        const n = typeof value === "number" ? value : typeof value === "string" && /^-?\d+$/.test(value.trim()) ? Number(value) : NaN;
        if (!Number.isInteger(n) || n < (spec.min ?? 1)) throw bad(`an integer ≥ ${spec.min ?? 1}`);
        out[key] = n;
        break;
      }
      case "bytes":
        out[key] = parseBytes(value as string | number, key);
        break;
      case "enum": {
        const s = String(value);
        const hit = spec.values!.find((v) => v.toLowerCase() === s.toLowerCase());
        if (!hit) throw bad(`one of ${spec.values!.join(", ")}`);
        out[key] = hit;
        break;
      }
      case "string":
        if (typeof value !== "string") throw bad("a string");
        out[key] = value;
        break;
      default:
        out[key] = value;
    }
  }
  return out;
}

/** A glob on file names ("*.csv", "events-[0-9]*", "*.{csv,json}") as a RegExp. */
export function globToRegExp(glob: string): RegExp {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else if (c === "[") {
      const end = glob.indexOf("]", i);
      if (end < 0) re += "\\[";
      else {
        re += `[${glob.slice(i + 1, end).replace(/^!/, "^")}]`;
        i = end;
      }
    } else if (c === "{") {
      const end = glob.indexOf("}", i);
      if (end < 0) re += "\\{";
      else {
        re += `(?:${glob.slice(i + 1, end).split(",").map((s) => s.replace(/[.+^$()|\\]/g, "\\$&").replace(/\*/g, "[^/]*")).join("|")})`;
        i = end;
      }
    } else re += c.replace(/[.+^$()|\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}
