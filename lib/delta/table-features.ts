/** Table features (PROTOCOL.md, "Table Features"): which protocols this reader and writer support. */
import { StreamlabError } from "../errors";
import type { Metadata, Protocol } from "./actions";

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
  const fail = (feature: string) =>
    new StreamlabError("DELTA_UNSUPPORTED_FEATURE", `${table} uses ${feature}, which Streamlab cannot write safely.`, {
      hint: "Streamlab can still read the table; write to it with an engine that supports the feature.",
      details: { feature },
    });
  if (p.minWriterVersion > MAX_WRITER_VERSION) throw fail(`writer version ${p.minWriterVersion}`);
  const fields = JSON.stringify(m.schemaString);
  if (fields.includes("delta.invariants")) throw fail("column invariants (delta.invariants)");
  if (fields.includes("delta.generationExpression")) throw fail("the generatedColumns feature");
  if (fields.includes("delta.identity.")) throw fail("the identityColumns feature");
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
  const ntz = m.schemaString.includes('"timestamp_ntz"');
  if (ntz) {
    const writerFeatures = ["timestampNtz", "appendOnly", "invariants", ...(hasChecks ? ["checkConstraints"] : []), ...(cdf ? ["changeDataFeed"] : [])];
    return { minReaderVersion: 3, minWriterVersion: 7, readerFeatures: ["timestampNtz"], writerFeatures };
  }
  return { minReaderVersion: 1, minWriterVersion: cdf ? 4 : hasChecks ? 3 : 2 };
}
