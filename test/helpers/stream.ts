/** Helpers for streaming tests. */
import { FileSimulator } from "../../lib/sim/index";

export { EVENTS_SCHEMA as EVENT_SCHEMA } from "../../lib/sim/schemas";

/** Writes `files` CSV event files of `rows` rows into `dir` (a simulated clock: deterministic, distinct mtimes). */
export function landFiles(dir: string, files: number, rows = 10, seed = 1, start = "2026-01-01T00:00:00Z"): FileSimulator {
  const sim = new FileSimulator({ dir, rowsPerFile: rows, seed, startTime: start, filesPerSecond: 1 });
  sim.writeFiles(files);
  return sim;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
