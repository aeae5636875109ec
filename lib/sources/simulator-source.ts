/**
 * A simulator as a streaming source: each trigger produces one cycle of `rows` fresh rows of a
 * feed (Faker users by default). The offset records the cycle number and its time, so a
 * replayed batch regenerates exactly the same rows (same seed, same time): exactly-once holds.
 */
import { rowsSql } from "../duck";
import { StreamlabError } from "../errors";
import { rowGenerator, type FeedKind } from "../sim/rows";
import { checkTimeZone, isoInZone } from "../sim/time";
import type { BatchDescription, OffsetRequest, Source, SourceContext } from "../stream/source";

export interface SimulatorSourceOptions {
  kind?: FeedKind;
  /** Rows per cycle. Default 100. */
  rows?: number;
  /** IANA time zone for the zone-aware ingestion time. Default "UTC". */
  timeZone?: string;
  seed?: number;
}

interface CycleOffset {
  cycle: number;
  at: number;
}

export class SimulatorSource implements Source {
  private ctx!: SourceContext;
  readonly kind: FeedKind;
  readonly rows: number;
  readonly timeZone: string;
  readonly seed: number;

  constructor(o: SimulatorSourceOptions = {}) {
    this.kind = o.kind ?? "users";
    this.rows = o.rows ?? 100;
    if (!Number.isInteger(this.rows) || this.rows <= 0) throw new StreamlabError("INVALID_OPTION", `rows must be a positive integer, got ${o.rows}.`);
    this.timeZone = checkTimeZone(o.timeZone ?? "UTC");
    this.seed = o.seed ?? 42;
  }

  get description(): string {
    return `SimulatorSource[${this.kind}, ${this.rows} rows per trigger]`;
  }

  get identity(): string {
    return `simulator:${this.kind}`;
  }

  async open(ctx: SourceContext): Promise<void> {
    this.ctx = ctx;
  }

  /** Every trigger is a new cycle: there is always "new data". */
  async latestOffset(start: string | null, request: OffsetRequest): Promise<string | null> {
    const from = start === null ? 0 : (JSON.parse(start) as CycleOffset).cycle;
    if (request.cap) return (JSON.parse(request.cap) as CycleOffset).cycle > from ? request.cap : start;
    return JSON.stringify({ cycle: from + 1, at: Date.now() } satisfies CycleOffset);
  }

  async getBatch(start: string | null, end: string, into: string): Promise<void> {
    const from = start === null ? 0 : (JSON.parse(start) as CycleOffset).cycle;
    const to = JSON.parse(end) as CycleOffset;
    const out: Record<string, unknown>[] = [];
    for (let cycle = from + 1; cycle <= to.cycle; cycle++) {
      // Seeded by cycle: a replay of this batch makes the same people.
      const gen = rowGenerator(this.kind, this.seed * 100_003 + cycle);
      const at = new Date(to.at);
      for (let i = 0; i < this.rows; i++) {
        const row = gen.next({ time: at, timeZone: this.timeZone });
        if (this.kind === "users") {
          const { signup_ts: _s, ...person } = row;
          out.push({ ...person, ingested_at: isoInZone(at, this.timeZone), ingested_at_utc: at });
        } else out.push(row);
      }
    }
    await this.ctx.duck.run(`CREATE OR REPLACE TEMP TABLE ${into} AS ${rowsSql(out)}`);
  }

  async commit(): Promise<void> {}

  /** Offsets are {"cycle": n, "at": ms}: the cycle number and its time, which a replay regenerates from. */
  deserializeOffset(offset: string): CycleOffset {
    const o = JSON.parse(offset) as Partial<CycleOffset> | null;
    if (!o || !Number.isInteger(o.cycle) || o.cycle! < 0 || typeof o.at !== "number") throw new Error(`a simulator offset is {"cycle": n, "at": ms}, not ${offset}`);
    return o as CycleOffset;
  }

  describeBatch(start: string | null, end: string): BatchDescription {
    const from = start === null ? 0 : this.deserializeOffset(start).cycle;
    return { rows: (this.deserializeOffset(end).cycle - from) * this.rows };
  }

  metrics(): Record<string, string> {
    return {};
  }

  async close(): Promise<void> {}
}
