/**
 * Event-time windows, as Spark's `window` and `session_window` define them: a row with event time
 * t belongs to every window [start, start + duration) with start = t − ((t − startTime) mod slide)
 * − i·slide (tumbling when slide = duration), and a session window is [t, t + gap), merged with
 * sessions of the same key that touch or overlap it. Windows are compiled to DuckDB SQL over the
 * micro-batch; the `window` column is STRUCT(start TIMESTAMPTZ, end TIMESTAMPTZ).
 */
import { sqlIdent } from "../duck";
import { StreamlabError } from "../errors";
import { parseDuration } from "../util/duration";

export interface TimeWindow {
  kind: "window";
  column: string;
  durationMs: number;
  slideMs: number;
  startMs: number;
}

export interface SessionWindow {
  kind: "session";
  column: string;
  gapMs: number;
}

export type WindowSpec = TimeWindow | SessionWindow;

export function isWindowSpec(v: unknown): v is WindowSpec {
  return typeof v === "object" && v !== null && ((v as WindowSpec).kind === "window" || (v as WindowSpec).kind === "session");
}

/**
 * `window(column, windowDuration, slideDuration?, startTime?)`: tumbling windows, or sliding ones
 * every `slideDuration`, offset by `startTime` ("10 minutes", "30 seconds", "1 hour").
 */
export function window(column: string, windowDuration: string | number, slideDuration?: string | number, startTime?: string | number): TimeWindow {
  const durationMs = parseDuration(windowDuration, "windowDuration");
  const slideMs = slideDuration === undefined ? durationMs : parseDuration(slideDuration, "slideDuration");
  const startMs = startTime === undefined ? 0 : parseSigned(startTime);
  if (durationMs <= 0) throw new StreamlabError("INVALID_OPTION", `The window duration (${windowDuration}) must be greater than 0.`);
  if (slideMs <= 0) throw new StreamlabError("INVALID_OPTION", `The slide duration (${slideDuration}) must be greater than 0.`);
  if (slideMs > durationMs) throw new StreamlabError("INVALID_OPTION", `The slide duration (${slideDuration}) must be less than or equal to the windowDuration (${windowDuration}).`);
  if (Math.abs(startMs) >= slideMs) throw new StreamlabError("INVALID_OPTION", `The absolute value of start time (${startTime}) must be less than the slideDuration (${slideDuration ?? windowDuration}).`);
  return { kind: "window", column, durationMs, slideMs, startMs };
}

/** `sessionWindow(column, gapDuration)`: a session per key, closed after `gapDuration` without events. */
export function sessionWindow(column: string, gapDuration: string | number): SessionWindow {
  const gapMs = parseDuration(gapDuration, "gapDuration");
  if (gapMs <= 0) throw new StreamlabError("INVALID_OPTION", `The session gap (${gapDuration}) must be greater than 0.`);
  return { kind: "session", column, gapMs };
}

function parseSigned(v: string | number): number {
  if (typeof v === "string" && v.trim().startsWith("-")) return -parseDuration(v.trim().slice(1), "startTime");
  return parseDuration(v, "startTime");
}

/** Microseconds since the epoch of a timestamp column. */
export function epochUs(column: string): string {
  return `epoch_us(${sqlIdent(column)})`;
}

/**
 * SQL true when an event time (a timestamp, or a window's end) is at or before `ms`: how late rows
 * and evictable state are judged against a watermark (Spark's `<=`: a row at the watermark is late).
 */
export function atOrBefore(eventTimeSql: string, ms: number): string {
  return `epoch_us(${eventTimeSql}) <= ${Math.trunc(ms) * 1000}`;
}

/** A window struct from a start in microseconds and a length in microseconds. */
export function windowStruct(startUs: string, lengthUs: string): string {
  return `{'start': make_timestamp(${startUs})::TIMESTAMPTZ, 'end': make_timestamp(${startUs} + ${lengthUs})::TIMESTAMPTZ}`;
}

/**
 * The rows of `input` each paired with every time window it falls in (a row per row and window),
 * with the window's start in microseconds in a column `__sl_ws`; rows with a NULL event time
 * belong to no window, as in Spark. A tumbling window is one per row: no unnest.
 */
export function windowStarts(input: string, w: TimeWindow): string {
  const t = epochUs(w.column);
  const dur = w.durationMs * 1000;
  const slide = w.slideMs * 1000;
  const start = w.startMs * 1000;
  const n = Math.ceil(w.durationMs / w.slideMs);
  // DuckDB's % keeps the dividend's sign (as the JVM's): fold it into [0, slide).
  const last = `(${t} - (((${t} - ${start}) % ${slide}) + ${slide}) % ${slide})`;
  const notNull = `WHERE ${sqlIdent(w.column)} IS NOT NULL`;
  if (n === 1) return `SELECT *, ${last} AS __sl_ws FROM (${input}) ${notNull}`;
  const candidates = `SELECT * EXCLUDE (__sl_i), ${last} - __sl_i * ${slide} AS __sl_ws FROM (SELECT *, unnest(range(0, ${n})) AS __sl_i FROM (${input}) ${notNull})`;
  const within = w.durationMs % w.slideMs === 0 ? "" : ` WHERE __sl_ws <= ${t} AND ${t} < __sl_ws + ${dur}`;
  return `SELECT * FROM (${candidates})${within}`;
}

/** The window struct of a window starting at `startUs` (microseconds, SQL). */
export function timeWindowStruct(startUs: string, w: TimeWindow): string {
  return windowStruct(startUs, String(w.durationMs * 1000));
}
