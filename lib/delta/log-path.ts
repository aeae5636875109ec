/**
 * The names of the files in `_delta_log/` (PROTOCOL.md, "Delta Log Entries", "Checkpoints"):
 * made and parsed here only, so every module agrees on what `00000000000000000012.json` means.
 */
import * as path from "node:path";

export const LOG_DIR = "_delta_log";
export const LAST_CHECKPOINT = "_last_checkpoint";
/** Where V2 checkpoints keep their sidecar files. */
export const SIDECAR_DIR = "_sidecars";

export type LogFileKind = "commit" | "checkpoint" | "multi-part-checkpoint" | "v2-checkpoint" | "crc";

/** A log file name, parsed. */
export interface ParsedLogPath {
  kind: LogFileKind;
  version: number;
  /** Multi-part checkpoints: this part (1-based) and how many there are. */
  part?: number;
  parts?: number;
  /** V2 checkpoints: the file's extension. */
  format?: "json" | "parquet";
}

const VERSION_DIGITS = 20;
const COMMIT = /^(\d{20})\.json$/;
const CLASSIC = /^(\d{20})\.checkpoint\.parquet$/;
const MULTI = /^(\d{20})\.checkpoint\.(\d{10})\.(\d{10})\.parquet$/;
const V2 = /^(\d{20})\.checkpoint\.([0-9a-fA-F-]{36})\.(json|parquet)$/;
const CRC = /^(\d{20})\.crc$/;

export function logDir(tableRoot: string): string {
  return path.join(tableRoot, LOG_DIR);
}

function padVersion(version: number): string {
  return String(version).padStart(VERSION_DIGITS, "0");
}

export function commitFileName(version: number): string {
  return `${padVersion(version)}.json`;
}

export function checkpointFileName(version: number): string {
  return `${padVersion(version)}.checkpoint.parquet`;
}

export function multiPartCheckpointFileName(version: number, part: number, parts: number): string {
  return `${padVersion(version)}.checkpoint.${String(part).padStart(10, "0")}.${String(parts).padStart(10, "0")}.parquet`;
}

export function crcFileName(version: number): string {
  return `${padVersion(version)}.crc`;
}

/** The checksum files Hadoop writers leave beside a log file (`.NAME.crc`). */
export function hadoopCrcFileName(name: string): string {
  return `.${name}.crc`;
}

export function commitPath(tableRoot: string, version: number): string {
  return path.join(logDir(tableRoot), commitFileName(version));
}

export function lastCheckpointPath(tableRoot: string): string {
  return path.join(logDir(tableRoot), LAST_CHECKPOINT);
}

/** The sidecar file a V2 checkpoint's `sidecar.path` names (a name under `_delta_log/_sidecars/`). */
export function sidecarPath(checkpointFile: string, sidecar: string): string {
  return path.join(path.dirname(checkpointFile), SIDECAR_DIR, decodeURIComponent(path.basename(sidecar)));
}

/** Parses a file name of `_delta_log/`; undefined for names that are no log file (temporaries, `_last_checkpoint`). */
export function parseLogPath(name: string): ParsedLogPath | undefined {
  let m: RegExpExecArray | null;
  if ((m = COMMIT.exec(name))) return { kind: "commit", version: Number(m[1]) };
  if ((m = CLASSIC.exec(name))) return { kind: "checkpoint", version: Number(m[1]) };
  if ((m = MULTI.exec(name))) return { kind: "multi-part-checkpoint", version: Number(m[1]), part: Number(m[2]), parts: Number(m[3]) };
  if ((m = V2.exec(name))) return { kind: "v2-checkpoint", version: Number(m[1]), format: m[3] as "json" | "parquet" };
  if ((m = CRC.exec(name))) return { kind: "crc", version: Number(m[1]) };
  return undefined;
}
