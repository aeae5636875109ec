/**
 * A feed: a row generator plus the faults real upstream systems produce — duplicates
 * (producer retries), late events (event time far behind arrival) and schema drift.
 * Malformed text is injected when a file is rendered (see format.ts).
 */
import { StreamlabError } from "../errors";
import { parseDuration } from "../util/duration";
import { rowGenerator, type FeedKind, type RowGenerator, type SimRow, FEED_KINDS } from "./rows";
import { checkTimeZone } from "./time";

export interface FaultOptions {
  /** Share of lines written malformed (wrong field count, cut in half, invalid JSON). Default 0. */
  malformedRatio?: number;
  /** Share of rows that repeat an earlier row with the same key (an at-least-once producer). Default 0. */
  duplicateRatio?: number;
  /** Share of rows whose event time is behind their arrival by about `lateLag`. Default 0. */
  lateRatio?: number;
  /** How far behind arrival a late event is: ms or "30s", "2m"... Default "30s". */
  lateLag?: number | string;
  /** A new column appears in every file after the first `afterFiles` files. */
  schemaDrift?: { afterFiles: number; column?: string };
}

export interface FeedOptions extends FaultOptions {
  kind?: FeedKind;
  /** Same seed, same options, same clock: the same rows. Default 42. */
  seed?: number;
  /** Time zone for zone-aware columns (users.signup_ts). Default "UTC". */
  timeZone?: string;
}

export type RowFate = "ok" | "duplicate" | "late";

export interface FeedRow {
  row: SimRow;
  fate: RowFate;
}

export interface ResolvedFaults {
  malformedRatio: number;
  duplicateRatio: number;
  lateRatio: number;
  lateLagMs: number;
  drift?: { afterFiles: number; column: string };
}

/** Validates a ratio option (0 ≤ r ≤ 1). */
export function ratio(name: string, value: number | undefined): number {
  if (value === undefined) return 0;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || value > 1) {
    throw new StreamlabError("INVALID_OPTION", `${name} must be a number between 0 and 1, got ${String(value)}.`);
  }
  return value;
}

export class Feed {
  readonly gen: RowGenerator;
  readonly faults: ResolvedFaults;
  readonly timeZone: string;
  private readonly history: SimRow[] = [];

  constructor(options: FeedOptions = {}) {
    const kind = options.kind ?? "events";
    if (!FEED_KINDS.includes(kind)) {
      throw new StreamlabError("INVALID_OPTION", `Unknown feed kind "${String(kind)}".`, {
        hint: `Use one of: ${FEED_KINDS.join(", ")}.`,
      });
    }
    const seed = options.seed ?? 42;
    if (!Number.isInteger(seed)) throw new StreamlabError("INVALID_OPTION", `seed must be an integer, got ${seed}.`);
    this.gen = rowGenerator(kind, seed);
    this.timeZone = checkTimeZone(options.timeZone ?? "UTC");
    const drift = options.schemaDrift;
    if (drift && (!Number.isInteger(drift.afterFiles) || drift.afterFiles < 0)) {
      throw new StreamlabError("INVALID_OPTION", `schemaDrift.afterFiles must be a non-negative integer, got ${drift.afterFiles}.`);
    }
    this.faults = {
      malformedRatio: ratio("malformedRatio", options.malformedRatio),
      duplicateRatio: ratio("duplicateRatio", options.duplicateRatio),
      lateRatio: ratio("lateRatio", options.lateRatio),
      lateLagMs: parseDuration(options.lateLag ?? "30s", "lateLag"),
      drift: drift ? { afterFiles: drift.afterFiles, column: drift.column ?? this.gen.driftColumn } : undefined,
    };
  }

  /** The columns of file number `fileIndex` (0-based): drift adds one after `afterFiles` files. */
  columnsFor(fileIndex: number): string[] {
    const cols = [...this.gen.columns];
    if (this.faults.drift && fileIndex >= this.faults.drift.afterFiles) cols.push(this.faults.drift.column);
    return cols;
  }

  /**
   * `count` rows that arrived over the `spanMs` before `arrival`. Row times are spread over the
   * span with a little jitter (so some arrive slightly out of order); late rows are pushed back by lateLag.
   */
  rows(count: number, arrival: Date, spanMs: number, columns: readonly string[]): FeedRow[] {
    const f = this.gen.faker;
    const out: FeedRow[] = [];
    const drift = this.faults.drift && columns.includes(this.faults.drift.column) ? this.faults.drift.column : undefined;
    for (let i = 0; i < count; i++) {
      if (this.history.length > 0 && f.number.float() < this.faults.duplicateRatio) {
        out.push({ row: { ...f.helpers.arrayElement(this.history) }, fate: "duplicate" });
        continue;
      }
      let t = arrival.getTime() - spanMs + ((i + 1) / count) * spanMs - f.number.int({ min: 0, max: 400 });
      let fate: RowFate = "ok";
      if (f.number.float() < this.faults.lateRatio) {
        t = arrival.getTime() - this.faults.lateLagMs - f.number.int({ min: 0, max: Math.floor(this.faults.lateLagMs / 4) });
        fate = "late";
      }
      const row = this.gen.next({ time: new Date(t), timeZone: this.timeZone });
      if (drift) row[drift] = this.gen.driftValue();
      this.history.push(row);
      if (this.history.length > 1000) this.history.shift();
      out.push({ row, fate });
    }
    return out;
  }
}
