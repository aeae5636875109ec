/** Table features (PROTOCOL.md, "Table Features"): which protocols this reader and writer support. */
import { StreamlabError } from "../errors";
import type { Metadata, Protocol } from "./actions";
import { isArray, isMap, isStruct, parseSchema, type DeltaType, type StructField, type StructType } from "./schema";

export const MAX_READER_VERSION = 3;
export const MAX_WRITER_VERSION = 7;

/** Reader features this reader fully implements. */
export const SUPPORTED_READER_FEATURES = new Set(["columnMapping", "deletionVectors", "timestampNtz", "v2Checkpoint", "vacuumProtocolCheck"]);

/** The reader features a protocol requires (legacy versions imply theirs). */
export function readerFeatures(p: Protocol): string[] {
  if (p.minReaderVersion >= 3) return p.readerFeatures ?? [];
  if (p.minReaderVersion === 2) return ["columnMapping"];
  return [];
}

/** Throws unless this reader can read a table with protocol `p`. */
export function checkReadable(p: Protocol, table: string): void {
  if (!Number.isInteger(p.minReaderVersion) || p.minReaderVersion < 1 || p.minReaderVersion > MAX_READER_VERSION) {
    throw new StreamlabError(
      "DELTA_UNSUPPORTED_READER_VERSION",
      `Unsupported protocol: ${table} needs reader version ${p.minReaderVersion}, and Streamlab reads versions 1 to ${MAX_READER_VERSION}.`,
      { hint: "Read it with an engine that supports that protocol, or ask its writer to downgrade.", details: { minReaderVersion: p.minReaderVersion } },
    );
  }
  const missing = readerFeatures(p).filter((f) => !SUPPORTED_READER_FEATURES.has(f));
  if (missing.length > 0) {
    throw new StreamlabError("DELTA_UNSUPPORTED_FEATURE", `${table} uses the reader feature${missing.length > 1 ? "s" : ""} ${missing.join(", ")}, which Streamlab does not support.`, {
      hint: `Supported reader features: ${[...SUPPORTED_READER_FEATURES].join(", ")}.`,
      details: { feature: missing.join(", "), features: missing },
    });
  }
}

/** Writer features this writer fully implements (it never writes deletion vectors, so tables with them stay correct). */
export const SUPPORTED_WRITER_FEATURES = new Set(["appendOnly", "invariants", "checkConstraints", "changeDataFeed", "timestampNtz", "deletionVectors", "vacuumProtocolCheck", "domainMetadata"]);

/** Throws unless this writer can write a table with protocol `p` and metadata `m`. */
export function checkWritable(p: Protocol, m: Metadata, table: string): void {
  checkReadable(p, table);
  const fail = (feature: string, column?: string) =>
    new StreamlabError("DELTA_UNSUPPORTED_FEATURE", `${table} uses ${feature}${column ? ` (column ${column})` : ""}, which Streamlab cannot write safely.`, {
      hint: "Streamlab can still read the table; write to it with an engine that supports the feature.",
      details: { feature, ...(column ? { column } : {}) },
    });
  if (p.minWriterVersion > MAX_WRITER_VERSION) throw fail(`writer version ${p.minWriterVersion}`);
  const [found] = columnFeatures(parseSchema(m.schemaString));
  if (found) throw fail(found.feature, found.column);
  if ((m.configuration?.["delta.columnMapping.mode"] ?? "none") !== "none") throw fail("the columnMapping feature");
  if (m.configuration?.["delta.checkpointPolicy"] === "v2") throw fail("the v2Checkpoint feature (checkpointPolicy v2)");
  if (p.minWriterVersion === 7) {
    const missing = (p.writerFeatures ?? []).filter((f) => !SUPPORTED_WRITER_FEATURES.has(f));
    if (missing.length > 0) throw fail(`the writer feature${missing.length > 1 ? "s" : ""} ${missing.join(", ")}`);
  }
}

/**
 * The smallest protocol for a table: legacy versions when they suffice (readers everywhere know
 * them), reader 3 / writer 7 with explicit features when timestamp_ntz columns need it.
 */
export function minimalProtocol(m: Metadata): Protocol {
  const conf = m.configuration ?? {};
  const hasChecks = Object.keys(conf).some((k) => k.startsWith("delta.constraints."));
  const cdf = conf["delta.enableChangeDataFeed"] === "true";
  const ntz = hasType(parseSchema(m.schemaString), "timestamp_ntz");
  if (ntz) {
    const writerFeatures = ["timestampNtz", "appendOnly", "invariants", ...(hasChecks ? ["checkConstraints"] : []), ...(cdf ? ["changeDataFeed"] : [])];
    return { minReaderVersion: 3, minWriterVersion: 7, readerFeatures: ["timestampNtz"], writerFeatures };
  }
  return { minReaderVersion: 1, minWriterVersion: cdf ? 4 : hasChecks ? 3 : 2 };
}

/** Every field of a schema with its dotted path, nested ones too (structs inside structs, arrays and maps). */
function* columns(fields: StructField[], prefix = ""): Generator<{ column: string; field: StructField }> {
  for (const f of fields) {
    const column = `${prefix}${f.name}`;
    yield { column, field: f };
    yield* nested(f.type, column);
  }
}

function* nested(t: DeltaType, column: string): Generator<{ column: string; field: StructField }> {
  if (isStruct(t)) yield* columns(t.fields, `${column}.`);
  else if (isArray(t)) yield* nested(t.elementType, `${column}.element`);
  else if (isMap(t)) {
    yield* nested(t.keyType, `${column}.key`);
    yield* nested(t.valueType, `${column}.value`);
  }
}

/** True when `t` is, or contains at any depth, the primitive type `name`. */
function hasType(t: DeltaType, name: string): boolean {
  if (typeof t === "string") return t === name;
  if (isStruct(t)) return t.fields.some((f) => hasType(f.type, name));
  if (isArray(t)) return hasType(t.elementType, name);
  if (isMap(t)) return hasType(t.keyType, name) || hasType(t.valueType, name);
  return false;
}

/** Column-level features this writer cannot keep correct, by the metadata keys on a field (PROTOCOL.md names them). */
const COLUMN_FEATURES: { feature: string; key: (k: string) => boolean }[] = [
  { feature: "column invariants (delta.invariants)", key: (k) => k === "delta.invariants" },
  { feature: "the generatedColumns feature", key: (k) => k === "delta.generationExpression" },
  { feature: "the identityColumns feature", key: (k) => k.startsWith("delta.identity.") },
  { feature: "the columnMapping feature", key: (k) => k.startsWith("delta.columnMapping.") },
];

/** The unsupported column features of a parsed schema, with the column (dotted path) that uses each. */
export function columnFeatures(schema: StructType): { feature: string; column: string }[] {
  const out: { feature: string; column: string }[] = [];
  for (const { column, field } of columns(schema.fields)) {
    const keys = Object.keys(field.metadata ?? {});
    for (const cf of COLUMN_FEATURES) if (keys.some(cf.key)) out.push({ feature: cf.feature, column });
  }
  return out;
}
