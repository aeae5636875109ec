/** Auto compaction (delta.autoOptimize.autoCompact): after a write, an OPTIMIZE of the partitions it touched once they hold enough small files. */
import type { Duck } from "../duck";
import { StreamlabError } from "../errors";
import { parseBytes } from "../util/options";
import type { AddFile } from "./actions";
import { DEFAULT_TARGET_FILE_SIZE } from "./data-files";
import type { OptimizeResult } from "./operations/optimize";
import type { Snapshot } from "./snapshot";

/** The table properties: Databricks' names, the two thresholds being its spark.databricks.delta.autoCompact.* settings. */
export const AUTO_COMPACT = "delta.autoOptimize.autoCompact";
export const AUTO_COMPACT_MIN_NUM_FILES = "delta.autoOptimize.autoCompact.minNumFiles";
export const AUTO_COMPACT_MAX_FILE_SIZE = "delta.autoOptimize.autoCompact.maxFileSize";
/** Delta's deprecated switch, still honoured by Delta when set to true. */
const LEGACY_AUTO_OPTIMIZE = "delta.autoOptimize";
const DEFAULT_MIN_NUM_FILES = 50;
const ON = ["true", "auto", "legacy"];

export interface AutoCompactSettings {
  /** A touched partition is compacted once it holds at least this many small files. */
  minNumFiles: number;
  /** Files smaller than this are small, and compacted into files of about this size. */
  maxFileSize: number;
}

/** The table's auto compaction settings, or undefined when it is off; INVALID_OPTION for a value Delta would not take either. */
export function autoCompactSettings(configuration: Record<string, string | null>): AutoCompactSettings | undefined {
  const value = configuration[AUTO_COMPACT]?.trim().toLowerCase();
  if (value !== undefined && value !== "false" && !ON.includes(value)) {
    throw new StreamlabError("INVALID_OPTION", `${AUTO_COMPACT} must be one of true, false, auto or legacy, got "${configuration[AUTO_COMPACT]}".`);
  }
  const minRaw = configuration[AUTO_COMPACT_MIN_NUM_FILES];
  const minNumFiles = minRaw == null ? DEFAULT_MIN_NUM_FILES : Number(minRaw);
  if (!(Number.isSafeInteger(minNumFiles) && minNumFiles >= 2)) {
    throw new StreamlabError("INVALID_OPTION", `${AUTO_COMPACT_MIN_NUM_FILES} must be an integer ≥ 2, got "${minRaw}".`, { hint: "A partition needs at least two small files for a compaction to reduce them." });
  }
  const sizeRaw = configuration[AUTO_COMPACT_MAX_FILE_SIZE];
  const maxFileSize = sizeRaw == null ? DEFAULT_TARGET_FILE_SIZE : parseBytes(sizeRaw, AUTO_COMPACT_MAX_FILE_SIZE);
  const legacy = configuration[LEGACY_AUTO_OPTIMIZE]?.trim().toLowerCase() === "true";
  return legacy || (value !== undefined && ON.includes(value)) ? { minNumFiles, maxFileSize } : undefined;
}

/** True when the table asks for auto compaction (cheap: no validation beyond the switch). */
export function autoCompactRequested(configuration: Record<string, string | null>): boolean {
  return ON.includes(configuration[AUTO_COMPACT]?.trim().toLowerCase() ?? "") || configuration[LEGACY_AUTO_OPTIMIZE]?.trim().toLowerCase() === "true";
}

/**
 * Compacts the partitions `added` (a commit's new files) went to that now hold at least
 * minNumFiles small files, in one OPTIMIZE commit of its own (operationParameters.auto: true,
 * every action dataChange=false, so it commutes with appends committed meanwhile). `snapshot` is
 * the table at or after that commit. Undefined when the table has it off or nothing is due.
 */
export async function autoCompact(snapshot: Snapshot, added: readonly AddFile[], duck: Duck): Promise<OptimizeResult | undefined> {
  const settings = autoCompactSettings(snapshot.configuration);
  if (!settings || added.length === 0) return undefined;
  // OPTIMIZE's code is loaded by the tables that use auto compaction, when they do.
  const { optimize, partitionKeyOf } = await import("./operations/optimize.js");
  const partitionKey = partitionKeyOf(snapshot);
  const touched = new Map(added.map((a) => [partitionKey(a.partitionValues), a.partitionValues ?? {}]));
  const small = new Map<string, number>();
  for (const f of snapshot.files) {
    if (f.size >= settings.maxFileSize) continue;
    const key = partitionKey(f.partitionValues);
    if (touched.has(key)) small.set(key, (small.get(key) ?? 0) + 1);
  }
  const due = [...touched].filter(([key]) => (small.get(key) ?? 0) >= settings.minNumFiles).map(([, values]) => values);
  if (due.length === 0) return undefined;
  return optimize(snapshot, duck, { partitions: due, targetFileSize: settings.maxFileSize, minNumFiles: settings.minNumFiles, auto: true });
}
