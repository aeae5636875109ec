/**
 * Option tables shared by sources and sinks: each option declared once (name, kind, default, one-line
 * doc), from which the TypeScript types are derived, values are validated and defaults applied.
 * Names are Spark's ("cloudFiles.maxFilesPerTrigger"); values may be strings, as from the CLI.
 */
import { StreamlabError } from "../errors";
import { parseDuration } from "./duration";

export type OptionKind = "string" | "boolean" | "int" | "bytes" | "duration" | "enum" | "any";

/** The older, undocumented form of one option (still used by sources not yet on a table). */
export interface OptionSpec {
  kind: OptionKind;
  values?: readonly string[];
  min?: number;
}

/** One option: what values it takes, its default (absent: none, or decided by the source) and a one-line doc. */
export type OptionDef =
  /** `check` returns what the value must be ("one character") when it is not. */
  | { kind: "string"; doc: string; default?: string; check?: (v: string) => string | undefined }
  | { kind: "boolean"; doc: string; default?: boolean }
  | { kind: "int"; doc: string; default?: number; min?: number }
  /** "10mb", "1g", "512k" or a number of bytes; normalised to bytes. */
  | { kind: "bytes"; doc: string; default?: number | string }
  /** "500ms", "2s", "5m" or a number of milliseconds; normalised to milliseconds. */
  | { kind: "duration"; doc: string; default?: number | string }
  | { kind: "enum"; doc: string; values: readonly string[]; default?: string }
  /** A value of a type the table cannot describe: `parse` validates it and gives it its type. */
  | { kind: "custom"; doc: string; type: string; parse: (v: unknown, name: string) => unknown; default?: unknown }
  /** Another name for an option (Spark's "delimiter" for "sep"). */
  | { kind: "alias"; of: string; doc?: string };

type Defs = Record<string, OptionDef>;

/** The value an option has after normalisation. */
export type OptionValue<D> = D extends { kind: "boolean" }
  ? boolean
  : D extends { kind: "int" | "bytes" | "duration" }
    ? number
    : D extends { kind: "enum"; values: readonly (infer V)[] }
      ? V
      : D extends { kind: "string" }
        ? string
        : D extends { kind: "custom"; parse: (...a: never[]) => infer R }
          ? R
          : never;

/** What a caller may pass for an option (besides the strings every kind accepts from a command line). */
export type OptionInput<D> = D extends { kind: "bytes" | "duration" } ? number | string : OptionValue<D>;

type AliasTarget<T extends Defs, K extends keyof T> = T[K] extends { kind: "alias"; of: infer O extends keyof T } ? T[O] : T[K];

/** The options a caller passes: every name (aliases too) optional, with its input type. */
export type OptionsInput<T extends Defs> = { [K in keyof T]?: OptionInput<AliasTarget<T, K>> };

type Canonical<T extends Defs> = { [K in keyof T]: T[K] extends { kind: "alias" } ? never : K }[keyof T];
type WithDefault<T extends Defs> = { [K in Canonical<T>]: T[K] extends { default: unknown } ? K : never }[Canonical<T>];

/** The normalised options: canonical names only; those with a default always present. */
export type OptionsValues<T extends Defs> = { [K in WithDefault<T>]: OptionValue<T[K]> } & { [K in Exclude<Canonical<T>, WithDefault<T>>]?: OptionValue<T[K]> };

/** Parses "10mb", "1g", "512k" or a number of bytes. */
export function parseBytes(v: string | number, name: string): number {
  if (typeof v === "number") {
    if (!(Number.isFinite(v) && v >= 1)) throw new StreamlabError("INVALID_OPTION", `${name} must be a positive number of bytes, got ${v}.`);
    return Math.floor(v);
  }
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b)?\s*$/i.exec(v);
  if (!m) throw new StreamlabError("INVALID_OPTION", `${name} "${v}" is not a size.`, { hint: 'Write it like "10mb", "512k", "1g" or a number of bytes.' });
  const mult = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[m[2]!.toLowerCase() as "" | "k" | "m" | "g" | "t"];
  const n = Math.floor(Number(m[1]) * mult);
  if (n <= 0) throw new StreamlabError("INVALID_OPTION", `${name} must be positive, got "${v}".`);
  return n;
}

/** Parses one value of one option; `what` names the source for the error ("file source"). */
function parseValue(def: Exclude<OptionDef, { kind: "alias" }> | OptionSpec, key: string, value: unknown, what: string): unknown {
  const bad = (expect: string) => new StreamlabError("INVALID_OPTION", `${what} option ${key} must be ${expect}, got ${JSON.stringify(value)}.`, { details: { option: key, value } });
  switch (def.kind) {
    case "boolean":
      if (typeof value === "boolean") return value;
      if (typeof value === "string" && /^(true|false)$/i.test(value.trim())) return value.trim().toLowerCase() === "true";
      throw bad("true or false");
    case "int": {
      const min = def.min ?? 1;
      const n = typeof value === "number" ? value : typeof value === "string" && /^-?\d+$/.test(value.trim()) ? Number(value) : NaN;
      if (!Number.isSafeInteger(n) || n < min) throw bad(`an integer ≥ ${min}`);
      return n;
    }
    case "bytes":
      if (typeof value !== "number" && typeof value !== "string") throw bad('a size such as "10mb" or a number of bytes');
      return parseBytes(value, key);
    case "duration":
      if (typeof value !== "number" && typeof value !== "string") throw bad('a duration such as "2s" or a number of milliseconds');
      return parseDuration(value, key);
    case "enum": {
      const hit = def.values!.find((v) => v.toLowerCase() === String(value).trim().toLowerCase());
      if (!hit || (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean")) throw bad(`one of ${def.values!.join(", ")}`);
      return hit;
    }
    case "string": {
      if (typeof value !== "string") throw bad("a string");
      const expect = "check" in def && def.check ? def.check(value) : undefined;
      if (expect !== undefined) throw bad(expect);
      return value;
    }
    case "custom":
      return def.parse(value, key);
    default:
      return value;
  }
}

/** Finds the table's name for `key0`: the prefix stripped, case ignored. */
function resolveName(key0: string, names: readonly string[], prefix: string, what: string): string {
  const key1 = key0.toLowerCase().startsWith(prefix.toLowerCase()) ? key0.slice(prefix.length) : key0;
  const key = names.find((k) => k.toLowerCase() === key1.toLowerCase());
  if (!key) {
    throw new StreamlabError("INVALID_OPTION", `Unknown ${what} option "${key0}".`, { hint: `Known options: ${[...names].sort().join(", ")}.`, details: { option: key0 } });
  }
  return key;
}

/**
 * Validates and normalises options against `specs` (the untabled form): strips a `prefix`
 * ("cloudFiles."), converts strings to booleans and numbers, and refuses unknown names and bad
 * values with INVALID_OPTION.
 */
export function normaliseOptions(raw: Record<string, unknown>, specs: Record<string, OptionSpec>, what: string, prefix = "cloudFiles."): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const names = Object.keys(specs);
  for (const [key0, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    const key = resolveName(key0, names, prefix, what);
    out[key] = parseValue(specs[key]!, key, value, what);
  }
  return out;
}

/** A source's options, declared once. */
export class OptionTable<T extends Defs> {
  constructor(
    /** Names the owner in errors: "file source". */
    readonly what: string,
    readonly defs: T,
    /** The namespace Spark puts the options in ("cloudFiles."), accepted and ignored. */
    readonly prefix: string,
    /** Checks between options (a separator that is also the quote), run after the defaults are applied. */
    private readonly check?: (values: OptionsValues<T>) => void,
  ) {
    for (const [name, def] of Object.entries(defs)) {
      if (def.kind === "alias" && (!(def.of in defs) || defs[def.of]!.kind === "alias")) throw new Error(`option ${name} is an alias of ${def.of}, which is not an option`);
    }
  }

  /** Validates `raw` (any case, with or without the prefix, aliases allowed) and applies the defaults. */
  normalise(raw: Record<string, unknown>): OptionsValues<T> {
    const out: Record<string, unknown> = {};
    const given = new Map<string, string>();
    for (const [key0, value] of Object.entries(raw)) {
      if (value === undefined) continue;
      let key = resolveName(key0, Object.keys(this.defs), this.prefix, this.what);
      const def0 = this.defs[key]!;
      if (def0.kind === "alias") key = def0.of;
      const def = this.defs[key] as Exclude<OptionDef, { kind: "alias" }>;
      const v = parseValue(def, key, value, this.what);
      // "sep" and its alias "delimiter" both given: fine when they agree, a mistake when not.
      if (key in out && JSON.stringify(out[key]) !== JSON.stringify(v)) {
        throw new StreamlabError("INVALID_OPTION", `${this.what} options ${given.get(key)} and ${key0} name the same option with different values (${JSON.stringify(out[key])}, ${JSON.stringify(v)}).`, { hint: "Give one of them.", details: { option: key } });
      }
      out[key] = v;
      given.set(key, key0);
    }
    for (const [key, def] of Object.entries(this.defs)) {
      if (def.kind === "alias" || key in out || def.default === undefined) continue;
      out[key] = parseValue(def, key, def.default, this.what);
    }
    this.check?.(out as OptionsValues<T>);
    return out as OptionsValues<T>;
  }

  /** Two lines per option for --help: name and values, then the doc and default. */
  help(): string[] {
    return Object.entries(this.defs).flatMap(([name, def]) => {
      if (def.kind === "alias") return [`  ${name}`, `      another name for ${def.of}`];
      const values = def.kind === "enum" ? def.values.join("|") : def.kind === "custom" ? def.type : def.kind;
      const dflt = def.default === undefined ? "" : ` (default ${typeof def.default === "string" ? JSON.stringify(def.default) : String(def.default)})`;
      return [`  ${name}=<${values}>`, `      ${def.doc}${dflt}`];
    });
  }
}

/** Declares a source's options once; see OptionDef. */
export function defineOptions<const T extends Defs>(what: string, defs: T, settings: { prefix?: string; check?: (values: OptionsValues<T>) => void } = {}): OptionTable<T> {
  return new OptionTable(what, defs, settings.prefix ?? "cloudFiles.", settings.check);
}

/**
 * A glob on file names as a RegExp, as Hadoop's GlobFilter reads it: "*", "?", "[a-z]", "[!a]",
 * "{csv,json}", and a backslash before a character to match it literally (a\*.csv matches a*.csv).
 * Throws INVALID_OPTION for a glob that is not one ("[z-a]").
 */
export function globToRegExp(glob: string, name = "pathGlobFilter"): RegExp {
  try {
    return new RegExp(`^${globBody(glob)}$`);
  } catch (e) {
    throw new StreamlabError("INVALID_OPTION", `${name} ${JSON.stringify(glob)} is not a valid glob: ${(e as Error).message.replace(/^Invalid regular expression: \/.*\/: /, "")}.`, {
      hint: 'Write it like "*.csv", "events-[0-9]*" or "*.{csv,json}".',
      details: { option: name, value: glob },
    });
  }
}

const REGEX_SPECIAL = /[.+^$()|\\{}[\]*?]/g;

function globBody(glob: string): string {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === "\\" && i + 1 < glob.length) re += glob[++i]!.replace(REGEX_SPECIAL, "\\$&");
    else if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else if (c === "[") {
      const end = glob.indexOf("]", i + 1);
      if (end < 0) re += "\\[";
      else {
        const body = glob.slice(i + 1, end);
        re += `[${body.startsWith("!") ? "^" + body.slice(1) : body}]`.replaceAll("\\", "\\\\");
        i = end;
      }
    } else if (c === "{") {
      const end = glob.indexOf("}", i);
      if (end < 0) re += "\\{";
      else {
        re += `(?:${glob.slice(i + 1, end).split(",").map(globBody).join("|")})`;
        i = end;
      }
    } else re += c.replace(REGEX_SPECIAL, "\\$&");
  }
  return re;
}
