/**
 * Delta table schemas (PROTOCOL.md, "Schema Serialization Format"): parsing, the DuckDB type of
 * each Delta type, and column mapping (logical names over physical Parquet names and ids).
 */
import { sqlIdent } from "../duck";
import { StreamlabError } from "../errors";

export type PrimitiveType =
  | "string" | "long" | "integer" | "short" | "byte" | "float" | "double" | "boolean"
  | "binary" | "date" | "timestamp" | "timestamp_ntz" | `decimal(${number},${number})` | "void";

export interface StructField {
  name: string;
  type: DeltaType;
  nullable: boolean;
  metadata: Record<string, unknown>;
}
export interface StructType {
  type: "struct";
  fields: StructField[];
}
export interface ArrayType {
  type: "array";
  elementType: DeltaType;
  containsNull: boolean;
}
export interface MapType {
  type: "map";
  keyType: DeltaType;
  valueType: DeltaType;
  valueContainsNull: boolean;
}
export type DeltaType = PrimitiveType | string | StructType | ArrayType | MapType;

export type ColumnMappingMode = "none" | "name" | "id";

export function parseSchema(schemaString: string): StructType {
  let s: unknown;
  try {
    s = JSON.parse(schemaString);
  } catch (e) {
    throw new StreamlabError("DELTA_INVALID_SCHEMA", `The table's schemaString is not valid JSON: ${(e as Error).message}.`);
  }
  if (!isStruct(s as DeltaType)) throw new StreamlabError("DELTA_INVALID_SCHEMA", "The table's schema must be a struct type.");
  return s as StructType;
}

export function isStruct(t: DeltaType): t is StructType {
  return typeof t === "object" && t !== null && (t as StructType).type === "struct";
}
export function isArray(t: DeltaType): t is ArrayType {
  return typeof t === "object" && t !== null && (t as ArrayType).type === "array";
}
export function isMap(t: DeltaType): t is MapType {
  return typeof t === "object" && t !== null && (t as MapType).type === "map";
}

const DECIMAL = /^decimal\(\s*(\d+)\s*,\s*(\d+)\s*\)$/;

/** The DuckDB type for a Delta type. `physical` uses physical (column-mapped) names inside structs. */
export function duckType(t: DeltaType, mode: ColumnMappingMode = "none", physical = false): string {
  if (typeof t === "string") {
    switch (t) {
      case "string": return "VARCHAR";
      case "long": return "BIGINT";
      case "integer": return "INTEGER";
      case "short": return "SMALLINT";
      case "byte": return "TINYINT";
      case "float": return "FLOAT";
      case "double": return "DOUBLE";
      case "boolean": return "BOOLEAN";
      case "binary": return "BLOB";
      case "date": return "DATE";
      case "timestamp": return "TIMESTAMPTZ";
      case "timestamp_ntz": return "TIMESTAMP";
      case "void": return "INTEGER";
    }
    const m = DECIMAL.exec(t);
    if (m) return `DECIMAL(${m[1]},${m[2]})`;
    if (t === "decimal") return "DECIMAL(10,0)";
    throw new StreamlabError("DELTA_UNSUPPORTED_FEATURE", `The schema uses the type "${t}", which Streamlab cannot read.`, { details: { feature: `type ${t}` } });
  }
  if (isStruct(t)) {
    return `STRUCT(${t.fields.map((f) => `${sqlIdent(physical ? physicalName(f, mode) : f.name)} ${duckType(f.type, mode, physical)}`).join(", ")})`;
  }
  if (isArray(t)) return `${duckType(t.elementType, mode, physical)}[]`;
  if (isMap(t)) return `MAP(${duckType(t.keyType, mode, physical)}, ${duckType(t.valueType, mode, physical)})`;
  throw new StreamlabError("DELTA_INVALID_SCHEMA", `Unknown type in schema: ${JSON.stringify(t)}.`);
}

/** The Delta type name for a DuckDB type name (for schemas taken from data). */
export function deltaTypeOf(duck: string): DeltaType {
  const t = duck.trim().toUpperCase();
  const simple: Record<string, PrimitiveType> = {
    VARCHAR: "string", TEXT: "string", UUID: "string", JSON: "string", BIGINT: "long", INTEGER: "integer", INT: "integer",
    SMALLINT: "short", TINYINT: "byte", UBIGINT: "decimal(20,0)", UINTEGER: "long", USMALLINT: "integer", UTINYINT: "short",
    HUGEINT: "decimal(38,0)", FLOAT: "float", REAL: "float", DOUBLE: "double", BOOLEAN: "boolean", BLOB: "binary", DATE: "date",
    "TIMESTAMP WITH TIME ZONE": "timestamp", TIMESTAMPTZ: "timestamp", TIMESTAMP: "timestamp_ntz",
    TIMESTAMP_MS: "timestamp_ntz", TIMESTAMP_S: "timestamp_ntz", TIMESTAMP_NS: "timestamp_ntz", '"NULL"': "string", NULL: "string",
  };
  if (simple[t]) return simple[t]!;
  const dec = /^DECIMAL\((\d+),\s*(\d+)\)$/.exec(t);
  if (dec) return `decimal(${dec[1]},${dec[2]})`;
  if (t.endsWith("[]")) return { type: "array", elementType: deltaTypeOf(duck.trim().slice(0, -2)), containsNull: true };
  if (t.startsWith("STRUCT(")) {
    return { type: "struct", fields: splitTopLevel(duck.trim().slice(7, -1)).map((f) => {
      const { name, rest } = splitNameType(f);
      return { name, type: deltaTypeOf(rest), nullable: true, metadata: {} };
    }) };
  }
  if (t.startsWith("MAP(")) {
    const [k, v] = splitTopLevel(duck.trim().slice(4, -1));
    return { type: "map", keyType: deltaTypeOf(k!), valueType: deltaTypeOf(v!), valueContainsNull: true };
  }
  throw new StreamlabError("DELTA_SCHEMA_MISMATCH", `The DuckDB type ${duck} has no Delta equivalent.`, {
    hint: "Cast the column to a supported type (VARCHAR, BIGINT, DOUBLE, DECIMAL, DATE, TIMESTAMP, …) before writing.",
  });
}

function splitTopLevel(s: string): string[] {
  const out: string[] = [];
  let depth = 0, cur = "", quoted = false;
  for (const c of s) {
    if (c === '"') quoted = !quoted;
    if (!quoted && c === "(") depth++;
    if (!quoted && c === ")") depth--;
    if (!quoted && depth === 0 && c === ",") {
      out.push(cur.trim());
      cur = "";
    } else cur += c;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

function splitNameType(f: string): { name: string; rest: string } {
  if (f.startsWith('"')) {
    const end = f.indexOf('"', 1);
    return { name: f.slice(1, end), rest: f.slice(end + 1).trim() };
  }
  const sp = f.indexOf(" ");
  return { name: f.slice(0, sp), rest: f.slice(sp + 1).trim() };
}

export function columnMappingMode(configuration: Record<string, string | null> | undefined): ColumnMappingMode {
  const m = configuration?.["delta.columnMapping.mode"] ?? "none";
  if (m !== "none" && m !== "name" && m !== "id") {
    throw new StreamlabError("DELTA_UNSUPPORTED_FEATURE", `Unknown column mapping mode "${m}".`, { details: { feature: `columnMapping mode ${m}` } });
  }
  return m;
}

/** The name a field has in the Parquet files. */
export function physicalName(f: StructField, mode: ColumnMappingMode): string {
  if (mode === "none") return f.name;
  const p = f.metadata?.["delta.columnMapping.physicalName"];
  if (typeof p !== "string") {
    throw new StreamlabError("DELTA_INVALID_SCHEMA", `Column "${f.name}" has no delta.columnMapping.physicalName, but the table uses column mapping mode "${mode}".`);
  }
  return p;
}

/** True when any nested field's physical name differs from its logical one. */
function needsRename(t: DeltaType, mode: ColumnMappingMode): boolean {
  if (mode === "none") return false;
  if (isStruct(t)) return t.fields.some((f) => physicalName(f, mode) !== f.name || needsRename(f.type, mode));
  if (isArray(t)) return needsRename(t.elementType, mode);
  if (isMap(t)) return needsRename(t.keyType, mode) || needsRename(t.valueType, mode);
  return false;
}

/**
 * A DuckDB expression that turns `expr` (with physical nested names) into the logical shape,
 * renaming struct fields at every depth (through lists and maps too).
 */
export function logicalExpr(expr: string, t: DeltaType, mode: ColumnMappingMode, depth = 0): string {
  if (!needsRename(t, mode)) return expr;
  if (isStruct(t)) {
    const parts = t.fields.map((f) => `${sqlIdent(f.name)} := ${logicalExpr(`(${expr}).${sqlIdent(physicalName(f, mode))}`, f.type, mode, depth + 1)}`);
    return `CASE WHEN (${expr}) IS NULL THEN NULL ELSE struct_pack(${parts.join(", ")}) END`;
  }
  const v = `x${depth}`;
  if (isArray(t)) return `list_transform(${expr}, ${v} -> ${logicalExpr(v, t.elementType, mode, depth + 1)})`;
  if (isMap(t)) {
    return `map_from_entries(list_transform(map_entries(${expr}), ${v} -> struct_pack(key := ${logicalExpr(`${v}.key`, t.keyType, mode, depth + 1)}, value := ${logicalExpr(`${v}.value`, t.valueType, mode, depth + 1)})))`;
  }
  return expr;
}
