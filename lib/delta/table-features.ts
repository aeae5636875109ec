/** Table features (PROTOCOL.md, "Table Features"): which protocols this reader and writer support. */
import { StreamlabError } from "../errors";
import type { Protocol } from "./actions";

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
