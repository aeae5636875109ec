/**
 * `streamlab simulate`: the feed simulator from a terminal — a stream of files (`--rate N
 * --duration D --out DIR --kind events|users|weather`) or daily event files (`--daily --days 3
 * --start 2025-01-01 --rows 1000 --out data/raw/daily`), with the simulator's faults.
 */
import type { Command } from "commander";
import { StreamlabError } from "../errors";
import type { FeedKind } from "../sim/index";
import { FEED_KINDS } from "../sim/schemas";
import { parseDuration } from "../util/duration";

interface SimulateFlags {
  out?: string;
  kind: string;
  rate: string;
  duration: string;
  rowsPerFile: string;
  format: string;
  daily?: boolean;
  days: string;
  start?: string;
  rows: string;
  seed: string;
  duplicates: string;
  late: string;
  lateDay?: string;
  malformed: string;
  badValues: string;
}

/** A flag that must be a number (an integer with `integer`), or INVALID_OPTION naming it. */
function num(flag: string, v: string, integer = false): number {
  const n = Number(v);
  if (v.trim() === "" || !Number.isFinite(n) || (integer && !Number.isInteger(n))) {
    throw new StreamlabError("INVALID_OPTION", `${flag} must be ${integer ? "an integer" : "a number"}, got "${v}".`);
  }
  return n;
}

export function registerSimulate(p: Command): void {
  p.command("simulate")
    .description("write simulated feed files: a stream of files (--rate, --duration) or daily event files (--daily)")
    .requiredOption("--out <dir>", "the landing folder (created when missing)")
    .option("--kind <kind>", `the feed: ${FEED_KINDS.join(" | ")} (stream mode)`, "events")
    .option("--rate <filesPerSecond>", "files per second (stream mode)", "1")
    .option("--duration <d>", "how long to write files, e.g. 10s, 2m (stream mode)", "10s")
    .option("--rows-per-file <n>", "rows per file (stream mode)", "100")
    .option("--format <format>", "csv | json (stream mode)", "csv")
    .option("--daily", "write one file of e-commerce events per day: events_YYYY-MM-DD.csv")
    .option("--days <n>", "how many days (daily mode)", "1")
    .option("--start <YYYY-MM-DD>", "the first day (daily mode)")
    .option("--rows <n>", "lines per daily file (daily mode)", "1000")
    .option("--seed <n>", "same seed, same options: the same files", "42")
    .option("--duplicates <ratio>", "share of rows repeating an earlier event (0..1)", "0")
    .option("--late <ratio>", "share of late events: stream mode, behind arrival by 30s; daily mode, belonging to an earlier day (0..1)", "0")
    .option("--late-day <YYYY-MM-DD>", "daily mode: late events belong to this day")
    .option("--malformed <ratio>", "share of malformed lines (0..1)", "0")
    .option("--bad-values <ratio>", "daily mode: share of rows with a value that breaks the silver contract (0..1)", "0")
    .action(async (o: SimulateFlags) => {
      const faults = { duplicateRatio: num("--duplicates", o.duplicates), lateRatio: num("--late", o.late), malformedRatio: num("--malformed", o.malformed) };
      const seed = num("--seed", o.seed, true);
      if (o.daily) {
        if (!o.start) throw new StreamlabError("INVALID_OPTION", "--daily needs --start <YYYY-MM-DD>, the first day.", { hint: "For example: streamlab simulate --daily --days 3 --start 2025-01-01 --rows 1000 --out data/raw/daily" });
        const { writeDailyFiles } = await import("../sim/index.js");
        const files = writeDailyFiles({ dir: o.out!, start: o.start, days: num("--days", o.days, true), rows: num("--rows", o.rows, true), seed, badValueRatio: num("--bad-values", o.badValues), lateDay: o.lateDay, skipExisting: false, ...faults });
        for (const f of files) {
          console.log(`${f.path}: ${f.lines} lines (${f.malformedLines.length} malformed, ${f.duplicates} duplicates, ${f.late} late, ${f.badValues} bad values)`);
        }
        return;
      }
      if (o.badValues !== "0" || o.lateDay) throw new StreamlabError("INVALID_OPTION", "--bad-values and --late-day are options of --daily.", { hint: "Add --daily, or leave them out." });
      const { FileSimulator } = await import("../sim/index.js");
      const sim = new FileSimulator({
        dir: o.out!,
        kind: o.kind as FeedKind,
        format: o.format as "csv" | "json",
        filesPerSecond: num("--rate", o.rate),
        rowsPerFile: num("--rows-per-file", o.rowsPerFile, true),
        duration: parseDuration(o.duration, "--duration"),
        seed,
        ...faults,
      });
      console.log(`writing ${sim.feed.gen.kind} files into ${sim.dir} at ${sim.filesPerSecond}/s for ${o.duration} (Ctrl-C stops)`);
      const onSignal = () => void sim.stop();
      process.once("SIGINT", onSignal);
      sim.start();
      const s = await sim.done;
      process.off("SIGINT", onSignal);
      console.log(`${s.files} files, ${s.rows} rows (${s.malformed} malformed lines, ${s.duplicates} duplicates, ${s.late} late), ${s.bytes} bytes`);
    });
}
