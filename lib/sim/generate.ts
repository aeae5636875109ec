/** In-memory rows for notebooks: the same row logic as the file simulators, without files. */
import { StreamlabError } from "../errors";
import { Feed, type FeedOptions } from "./feed";
import type { SimRow } from "./rows";

export interface GenerateOptions extends Omit<FeedOptions, "malformedRatio" | "schemaDrift"> {
  /** Time of the first row; default now minus the span of the rows. */
  startTime?: Date | string;
  /** Rows per second of event time. Default 10. */
  rowsPerSecond?: number;
}

/** `n` rows of a feed (default: e-commerce events), deterministic for a seed and a startTime. */
export function generate(n: number, options: GenerateOptions = {}): SimRow[] {
  if (!Number.isInteger(n) || n < 0) throw new StreamlabError("INVALID_OPTION", `generate(n) needs a non-negative integer n, got ${n}.`);
  const rps = options.rowsPerSecond ?? 10;
  if (!(rps > 0)) throw new StreamlabError("INVALID_OPTION", `rowsPerSecond must be positive, got ${rps}.`);
  const feed = new Feed(options);
  const spanMs = (n / rps) * 1000;
  const start = options.startTime !== undefined ? new Date(options.startTime).getTime() : Date.now() - spanMs;
  if (Number.isNaN(start)) throw new StreamlabError("INVALID_OPTION", `startTime "${String(options.startTime)}" is not a date.`);
  // One "second" of rows at a time, so late rows and jitter behave as in the file feeds.
  const out: SimRow[] = [];
  const columns = feed.columnsFor(0);
  for (let sec = 0; out.length < n; sec++) {
    const count = Math.min(Math.ceil(rps), n - out.length);
    for (const r of feed.rows(count, new Date(start + (sec + 1) * 1000), 1000, columns)) out.push(r.row);
  }
  return out;
}
