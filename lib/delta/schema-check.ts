/**
 * Schema enforcement and evolution for writes: which data columns go where, which types fit
 * (only the implicit widenings Delta allows), and what mergeSchema / overwriteSchema change.
 */
import { StreamlabError } from "../errors";
import { deltaTypeOf, isArray, isMap, isStruct, type DeltaType, type StructField, type StructType } from "./schema";

const INTEGRAL: Record<string, number> = { byte: 1, short: 2, integer: 3, long: 4 };
const INTEGRAL_DIGITS: Record<string, number> = { byte: 3, short: 5, integer: 10, long: 20 };

function decimalOf(t: DeltaType): [number, number] | undefined {
  const m = typeof t === "string" ? /^decimal\((\d+),(\d+)\)$/.exec(t) : null;
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/** Can a value of type `src` be written into a column of type `dst` without loss? */
export function assignable(src: DeltaType, dst: DeltaType): boolean {
  if (JSON.stringify(src) === JSON.stringify(dst)) return true;
  if (typeof src === "string" && typeof dst === "string") {
    if (src === "void") return true;
    if (INTEGRAL[src] && INTEGRAL[dst]) return INTEGRAL[src]! <= INTEGRAL[dst]!;
    if (src === "float" && dst === "double") return true;
    if (INTEGRAL[src] && (dst === "double" || dst === "float")) return INTEGRAL[src]! <= (dst === "double" ? 3 : 2);
    const d = decimalOf(dst);
    const s = decimalOf(src);
    if (d && INTEGRAL[src]) return d[0] - d[1] >= INTEGRAL_DIGITS[src]!;
    if (d && s) return d[1] >= s[1] && d[0] - d[1] >= s[0] - s[1];
    return false;
  }
  if (isStruct(src) && isStruct(dst)) {
    return src.fields.every((f) => {
      const t = dst.fields.find((x) => x.name.toLowerCase() === f.name.toLowerCase());
      return t !== undefined && assignable(f.type, t.type);
    });
  }
  if (isArray(src) && isArray(dst)) return assignable(src.elementType, dst.elementType);
  if (isMap(src) && isMap(dst)) return assignable(src.keyType, dst.keyType) && assignable(src.valueType, dst.valueType);
  return false;
}

export interface SourceColumn {
  name: string;
  /** DuckDB type name. */
  type: string;
}

export interface SchemaPlan {
  /** The table schema after this write. */
  schema: StructType;
  /** For each table column, the source column that feeds it (undefined: NULL). */
  sources: Map<string, string | undefined>;
  /** Columns mergeSchema added. */
  added: string[];
}

function sourceDeltaType(c: SourceColumn): DeltaType {
  if (c.type === '"NULL"' || c.type === "NULL") return "void";
  return deltaTypeOf(c.type);
}

function describe(t: DeltaType): string {
  return typeof t === "string" ? t : JSON.stringify(t);
}

/** A table schema taken from the data (all columns nullable). */
export function schemaFromColumns(cols: SourceColumn[]): StructType {
  return {
    type: "struct",
    fields: cols.map((c) => {
      const t = sourceDeltaType(c);
      return { name: c.name, type: t === "void" ? "string" : t, nullable: true, metadata: {} };
    }),
  };
}

/**
 * Matches the data's columns to the table's (case-insensitively, as Delta does). Every problem
 * is collected, so the error lists all of them at once.
 */
export function planSchema(table: StructType, data: SourceColumn[], options: { mergeSchema?: boolean }): SchemaPlan {
  const problems: string[] = [];
  const sources = new Map<string, string | undefined>();
  const byName = new Map(data.map((c) => [c.name.toLowerCase(), c]));
  const fields: StructField[] = [...table.fields];
  for (const f of table.fields) {
    const c = byName.get(f.name.toLowerCase());
    if (!c) {
      if (!f.nullable) problems.push(`column "${f.name}" is NOT NULL but the data has no such column`);
      sources.set(f.name, undefined);
      continue;
    }
    const t = sourceDeltaType(c);
    if (!assignable(t, f.type)) problems.push(`column "${f.name}": the table has ${describe(f.type)}, the data has ${describe(t)} (${c.type})`);
    sources.set(f.name, c.name);
  }
  const added: string[] = [];
  const known = new Set(table.fields.map((f) => f.name.toLowerCase()));
  for (const c of data) {
    if (known.has(c.name.toLowerCase())) continue;
    if (options.mergeSchema) {
      const t = sourceDeltaType(c);
      fields.push({ name: c.name, type: t === "void" ? "string" : t, nullable: true, metadata: {} });
      sources.set(c.name, c.name);
      added.push(c.name);
    } else {
      problems.push(`column "${c.name}" (${c.type}) is not in the table`);
    }
  }
  if (problems.length > 0) {
    throw new StreamlabError("DELTA_SCHEMA_MISMATCH", `The data does not match the table's schema:\n  - ${problems.join("\n  - ")}`, {
      hint: options.mergeSchema
        ? "Cast the data to the table's types (Delta only widens integers, floats and decimals implicitly)."
        : "Cast or select the columns to match, or pass mergeSchema: true to add new columns.",
      details: { problems },
    });
  }
  return { schema: { type: "struct", fields }, sources, added };
}
