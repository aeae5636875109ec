/**
 * The rate source (Spark's `rate` format): `rowsPerSecond` rows of (timestamp, value), with an
 * optional `rampUpTime` during which the rate grows linearly — for sizing experiments. Its start
 * time is kept in the checkpoint, so a restarted query continues the same sequence.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { StreamlabError } from "../errors";
import { createFileExclusive } from "../util/atomic-file";
import { checkpointCorrupt } from "../stream/checkpoint-errors";
import { rowCount } from "./memory-source";
import { parseDuration } from "../util/duration";
import { normaliseOptions, type OptionSpec } from "../util/options";
import type { BatchDescription, OffsetRequest, Source, SourceContext } from "../stream/source";

export interface RateSourceOptions {
  rowsPerSecond?: number;
  /** Time to reach rowsPerSecond, e.g. "5s". Default 0. */
  rampUpTime?: string | number;
  /** Most rows per batch (a rate limit for experiments). */
  maxRowsPerTrigger?: number;
}

const SPECS: Record<string, OptionSpec> = {
  rowsPerSecond: { kind: "int" },
  rampUpTime: { kind: "any" },
  maxRowsPerTrigger: { kind: "int" },
  numPartitions: { kind: "int" },
};

export class RateSource implements Source {
  readonly rowsPerSecond: number;
  readonly rampUpMs: number;
  readonly maxRowsPerTrigger?: number;
  private startMs = 0;
  private ctx!: SourceContext;

  constructor(options: RateSourceOptions | Record<string, unknown> = {}) {
    const o = normaliseOptions(options as Record<string, unknown>, SPECS, "rate source") as RateSourceOptions;
    this.rowsPerSecond = o.rowsPerSecond ?? 1;
    this.rampUpMs = parseDuration(o.rampUpTime ?? 0, "rampUpTime");
    this.maxRowsPerTrigger = o.maxRowsPerTrigger;
  }

  get description(): string {
    return `RateStreamV2[rowsPerSecond=${this.rowsPerSecond}, rampUpTimeSeconds=${this.rampUpMs / 1000}]`;
  }

  get identity(): string {
    return "rate";
  }

  async open(ctx: SourceContext): Promise<void> {
    this.ctx = ctx;
    const file = path.join(ctx.dir, "metadata");
    if (!fs.existsSync(file)) {
      // Put-if-absent: a start time already recorded (by a run that got here first) is kept.
      createFileExclusive(file, JSON.stringify({ startTimeMs: Date.now() }));
    }
    let start: unknown;
    try {
      start = (JSON.parse(fs.readFileSync(file, "utf8")) as { startTimeMs?: unknown } | null)?.startTimeMs;
    } catch {
      start = undefined;
    }
    if (typeof start !== "number" || !Number.isFinite(start)) throw checkpointCorrupt(file, 'is not the rate source\'s {"startTimeMs": …}');
    this.startMs = start;
  }

  /** Rows due by `elapsedMs` after the start: the integral of the (ramping) rate. */
  rowsAt(elapsedMs: number): number {
    const r = this.rowsPerSecond;
    if (elapsedMs <= 0) return 0;
    if (this.rampUpMs > 0 && elapsedMs < this.rampUpMs) return Math.floor((r * elapsedMs * elapsedMs) / (2 * this.rampUpMs * 1000));
    const ramp = this.rampUpMs > 0 ? (r * this.rampUpMs) / 2000 : 0;
    return Math.floor(ramp + (r * (elapsedMs - this.rampUpMs)) / 1000);
  }

  async latestOffset(start: string | null, request: OffsetRequest): Promise<string | null> {
    const from = start === null ? 0 : Number(start);
    let due = this.rowsAt(Date.now() - this.startMs);
    if (request.cap) due = Math.min(due, Number(request.cap));
    if (!request.unlimited && !request.planAll && this.maxRowsPerTrigger) due = Math.min(due, from + this.maxRowsPerTrigger);
    return due > from ? String(due) : start;
  }

  async getBatch(start: string | null, end: string, into: string): Promise<void> {
    const from = start === null ? 0 : Number(start);
    const to = Number(end);
    if (!(to >= from)) throw new StreamlabError("STREAM_SOURCE_CHANGED", `Rate source offsets go backwards (${from} → ${to}).`);
    // Row v is due at the instant the cumulative count passes v; with no ramp that is start + v / rate.
    const r = this.rowsPerSecond;
    await this.ctx.duck.run(
      `CREATE OR REPLACE TEMP TABLE ${into} AS SELECT epoch_ms(${this.startMs} + CAST(floor(${this.rampUpMs > 0 ? `CASE WHEN range < ${(r * this.rampUpMs) / 2000} THEN sqrt(2 * range * ${this.rampUpMs} * 1000 / ${r}) ELSE ${this.rampUpMs} + (range - ${(r * this.rampUpMs) / 2000}) * 1000 / ${r} END` : `range * 1000 / ${r}`}) AS BIGINT))::TIMESTAMPTZ AS timestamp, range::BIGINT AS value FROM range(${from}, ${to})`,
    );
  }

  async commit(): Promise<void> {}

  /** Offsets are row counts: a whole number ≥ 0. */
  deserializeOffset(offset: string): number {
    return rowCount(offset);
  }

  describeBatch(start: string | null, end: string): BatchDescription {
    return { rows: rowCount(end) - (start === null ? 0 : rowCount(start)) };
  }

  metrics(): Record<string, string> {
    return {};
  }

  async close(): Promise<void> {}
}
