/** Durations as users write them: 500 (ms), "500ms", "2s", "5m", "1h", "2 seconds", "1 minute". */
import { StreamlabError } from "../errors";

const UNITS: Record<string, number> = {
  ms: 1, millisecond: 1, milliseconds: 1,
  s: 1000, sec: 1000, secs: 1000, second: 1000, seconds: 1000,
  m: 60_000, min: 60_000, mins: 60_000, minute: 60_000, minutes: 60_000,
  h: 3_600_000, hour: 3_600_000, hours: 3_600_000,
  d: 86_400_000, day: 86_400_000, days: 86_400_000,
  w: 604_800_000, week: 604_800_000, weeks: 604_800_000,
};

/** Parses a duration to milliseconds; `name` is the option being parsed, for the error. */
export function parseDuration(value: number | string, name = "duration"): number {
  if (typeof value === "number") {
    if (!Number.isFinite(value) || value < 0) {
      throw new StreamlabError("INVALID_OPTION", `${name} must be a non-negative number of milliseconds, got ${value}.`);
    }
    return value;
  }
  const m = /^\s*(?:interval\s+)?(\d+(?:\.\d+)?)\s*([a-z]+)?\s*$/i.exec(value);
  const unit = m?.[2]?.toLowerCase() ?? "ms";
  if (!m || !(unit in UNITS)) {
    throw new StreamlabError("INVALID_OPTION", `${name} "${value}" is not a duration.`, {
      hint: 'Write it like "500ms", "2s", "5m", "1h", "7 days" or a number of milliseconds.',
    });
  }
  return Number(m[1]) * UNITS[unit]!;
}
