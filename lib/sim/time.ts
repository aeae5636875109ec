/** Time helpers for simulators: ISO instants with an explicit offset in a named time zone. */
import { StreamlabError } from "../errors";

/** Throws INVALID_OPTION unless `tz` is an IANA time zone this Node.js knows. */
export function checkTimeZone(tz: string): string {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return tz;
  } catch {
    throw new StreamlabError("INVALID_OPTION", `Unknown time zone "${tz}".`, {
      hint: 'Use an IANA name such as "UTC", "Europe/Paris" or "America/New_York".',
    });
  }
}

/** Offset of `tz` from UTC at instant `d`, in minutes (east positive). */
export function offsetMinutes(d: Date, tz: string): number {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: tz,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(d);
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value);
  const asUtc = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second"));
  return Math.round((asUtc - Math.floor(d.getTime() / 1000) * 1000) / 60000);
}

/** ISO-8601 with milliseconds and the zone's offset, e.g. 2026-11-25T13:02:39.120+01:00. */
export function isoInZone(d: Date, tz: string): string {
  const off = offsetMinutes(d, tz);
  const local = new Date(d.getTime() + off * 60000).toISOString().slice(0, 23);
  if (off === 0) return `${local}Z`;
  const sign = off > 0 ? "+" : "-";
  const abs = Math.abs(off);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
}
