/**
 * Daily event files, as a batch upstream delivers them: `events_YYYY-MM-DD.csv`, one per day, with
 * the feed's faults — duplicates (an earlier event sent again, possibly from an earlier day), late
 * events (an event of an earlier day delivered in today's file), malformed lines and bad values (a
 * well-formed line whose value breaks the data contract: a negative or non-numeric price, an unknown
 * event type, an empty user id, an unreadable timestamp).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { StreamlabError } from "../errors";
import { ensureWritableDir } from "../util/dirs";
import { ratio } from "./feed";
import { writeAtomically } from "./file-simulator";
import { render } from "./format";
import { rowGenerator, type SimRow } from "./rows";

export interface DailyOptions {
  /** The landing folder; created when missing. */
  dir: string;
  /** The first day, "YYYY-MM-DD" (UTC). */
  start: string;
  /** How many consecutive days (files). Default 1. */
  days?: number;
  /** Lines per file (malformed lines included). Default 1000. */
  rows?: number;
  /** Same seed, same options: byte-identical files. Default 42. */
  seed?: number;
  /** Share of rows that repeat an earlier on-time, valid event (same event_id and values), from any earlier day or this one. Default 0. */
  duplicateRatio?: number;
  /** Share of rows (from the second day on) whose event time belongs to an earlier day (one to three days back, never before start). Default 0. */
  lateRatio?: number;
  /** Share of lines written malformed (fields missing or extra). Default 0. */
  malformedRatio?: number;
  /** Share of rows with one value that breaks the contract (see the module comment). Default 0. */
  badValueRatio?: number;
  /** Late events belong to this earlier day ("YYYY-MM-DD", on or after start) instead of one of the three days before theirs. */
  lateDay?: string;
  /**
   * Days whose file is already there are generated again (the same rows: each day has its own seed)
   * but not written, so a later day's duplicates and late events can refer to them. Default false:
   * an existing file is an error.
   */
  skipExisting?: boolean;
}

/** What one daily file holds. */
export interface DailyFile {
  path: string;
  name: string;
  date: string;
  /** Lines other than the header, malformed ones included. */
  lines: number;
  malformedLines: number[];
  duplicates: number;
  late: number;
  badValues: number;
  /** False when the file was there already (skipExisting) and was left as it was. */
  written: boolean;
}

const DAY_MS = 86_400_000;
const HISTORY = 20_000;

/** Writes `days` files `events_YYYY-MM-DD.csv` into `dir`; an existing file of the same name is an error (never overwritten). */
export function writeDailyFiles(o: DailyOptions): DailyFile[] {
  if (!o || typeof o.dir !== "string" || o.dir === "") throw new StreamlabError("INVALID_OPTION", "writeDailyFiles needs a landing folder: { dir: 'data/raw/daily' }.");
  const startMs = parseDay(o.start);
  const days = o.days ?? 1;
  const rows = o.rows ?? 1000;
  if (!Number.isInteger(days) || days < 1) throw new StreamlabError("INVALID_OPTION", `days must be a positive integer, got ${String(o.days)}.`);
  if (!Number.isInteger(rows) || rows < 1) throw new StreamlabError("INVALID_OPTION", `rows must be a positive integer, got ${String(o.rows)}.`);
  const seed = o.seed ?? 42;
  if (!Number.isInteger(seed)) throw new StreamlabError("INVALID_OPTION", `seed must be an integer, got ${String(o.seed)}.`);
  const dup = ratio("duplicateRatio", o.duplicateRatio);
  const late = ratio("lateRatio", o.lateRatio);
  const malformed = ratio("malformedRatio", o.malformedRatio);
  const bad = ratio("badValueRatio", o.badValueRatio);
  const lateDayMs = o.lateDay === undefined ? undefined : parseDay(o.lateDay, "lateDay");
  if (lateDayMs !== undefined && lateDayMs < startMs) throw new StreamlabError("INVALID_OPTION", `lateDay ${o.lateDay} is before start ${o.start}.`, { hint: "Late events belong to one of the days written." });
  const dir = path.resolve(o.dir);
  ensureWritableDir(dir, "a landing directory");
  // One generator per file, seeded by the seed and the day: a fourth day written later is the same
  // file as the fourth of four written at once.
  // The events duplicates repeat: the last HISTORY on-time valid ones (a ring), so memory stays bounded
  // however many days are written; with the default 1000 rows a day, that is the last 20 days.
  const history: SimRow[] = [];
  let delivered = 0;
  const out: DailyFile[] = [];
  for (let d = 0; d < days; d++) {
    const dayMs = startMs + d * DAY_MS;
    const date = new Date(dayMs).toISOString().slice(0, 10);
    const gen = rowGenerator("events", seed * 100_003 + Math.round(dayMs / DAY_MS));
    const f = gen.faker;
    const fileRows: SimRow[] = [];
    let duplicates = 0;
    let lateCount = 0;
    let badValues = 0;
    for (let i = 0; i < rows; i++) {
      if (history.length > 0 && f.number.float() < dup) {
        fileRows.push({ ...f.helpers.arrayElement(history) });
        duplicates++;
        continue;
      }
      let t = dayMs + Math.floor(((i + f.number.float()) / rows) * DAY_MS);
      // Both draws are made for every row, whatever the options, so lateDay changes only the late rows' times.
      const lateDraw = f.number.float();
      const backDraw = f.number.int({ min: 1, max: 3 });
      const back = lateDayMs !== undefined ? Math.max(0, Math.round((dayMs - lateDayMs) / DAY_MS)) : Math.min(backDraw, d);
      const isLate = back > 0 && lateDraw < late;
      if (isLate) {
        t -= back * DAY_MS;
        lateCount++;
      }
      const row = gen.next({ time: new Date(t), timeZone: "UTC" });
      if (f.number.float() < bad) {
        breakValue(row, f.number.int({ min: 0, max: 4 }));
        badValues++;
      } else if (!isLate) history[delivered++ % HISTORY] = row; // duplicates repeat on-time, valid events
      fileRows.push(row);
    }
    const rendered = render("csv", gen.columns, fileRows, malformed, f);
    const name = `events_${date}.csv`;
    const file = path.join(dir, name);
    const written = !(o.skipExisting && fs.existsSync(file));
    if (written) writeAtomically(file, rendered.text, new Date(dayMs + DAY_MS));
    out.push({ path: file, name, date, lines: rows, malformedLines: rendered.malformedLines, duplicates, late: lateCount, badValues, written });
  }
  return out;
}

/** One value that breaks the silver contract, by kind. */
function breakValue(row: SimRow, kind: number): void {
  if (kind === 0) row.price = -Math.abs(Number(row.price)) || -1;
  else if (kind === 1) row.price = "N/A";
  else if (kind === 2) row.event_type = "refund";
  else if (kind === 3) row.user_id = "";
  else row.event_timestamp = "yesterday";
}

function parseDay(s: string, option = "start"): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(s ?? ""));
  const t = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : NaN;
  if (!m || Number.isNaN(t) || new Date(t).toISOString().slice(0, 10) !== s) {
    throw new StreamlabError("INVALID_OPTION", `${option} must be a day written YYYY-MM-DD, got ${JSON.stringify(s)}.`, { hint: "For example --start 2025-01-01." });
  }
  return t;
}
