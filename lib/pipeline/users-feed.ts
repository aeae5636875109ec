/**
 * The users feed (`npm run users`, notebook 10): Faker users appended to the Delta table data/delta/users
 * on a schedule — a simulator source with a processingTime trigger (`--every`), or one cycle per
 * tick of a cron schedule (`--cron`, croner's syntax) — with the new version, the table's history
 * and a summary after each cycle: in data/outbox/, or with `--email` sent through the e-mail
 * script's delivery (SMTP_*; a dry run writes the .eml). Times are shown in `--tz`.
 */
import { duck as sharedDuck, type Duck } from "../duck";
import { StreamlabError, messageOf } from "../errors";
import { DeltaTable } from "../delta/table";
import { deliverSummary, describeDelivery, writeToOutbox } from "../notify/mail";
import { summarizeTable } from "../notify/summary";
import { dataPath } from "../util/paths";
import { SimulatorSource } from "../sources/simulator-source";
import { readStream } from "../api/read-stream";
import { parseDuration } from "../util/duration";
import { checkTimeZone, isoInZone } from "../sim/time";
import type { StreamingQueryProgress } from "../stream/progress";
import type { StreamingQuery } from "../stream/micro-batch";
import { tableText } from "../viz/table";

export interface UsersFeedOptions {
  /** The processingTime interval ("5m"); ignored with `cron`. */
  every: string;
  /** A cron schedule in croner's syntax (five fields, or six with seconds first), read in timeZone: one cycle per tick. */
  cron?: string;
  timeZone: string;
  rows: number;
  /** Stop after this many cycles (default: run until Ctrl-C). */
  cycles?: number;
  /** After each cycle, deliver the summary as the e-mail script does: SMTP when configured, else an .eml in the outbox. */
  email?: boolean;
  /** With email: never send, write the .eml (as email-summary --dry-run). */
  dryRun?: boolean;
  table?: string;
  checkpoint?: string;
  outbox?: string;
  print?: (line: string) => void;
}

/** The cron schedule, validated; undefined without one. */
async function cronSchedule(o: UsersFeedOptions) {
  if (o.cron === undefined) return undefined;
  const { Cron } = await import("croner");
  try {
    return new Cron(o.cron, { timezone: o.timeZone, paused: true });
  } catch (e) {
    throw new StreamlabError("INVALID_OPTION", `--cron "${o.cron}" is not a cron schedule: ${messageOf(e)}`, { hint: 'Five fields (minute hour day month weekday), e.g. "*/5 * * * *"; a sixth in front for seconds.' });
  }
}

export async function runUsersFeed(o: UsersFeedOptions, stopSignal?: Promise<void>): Promise<number> {
  const print = o.print ?? ((l: string) => console.log(l));
  const tz = checkTimeZone(o.timeZone);
  const interval = parseDuration(o.every, "--every");
  if (interval <= 0) throw new StreamlabError("INVALID_OPTION", "--every must be longer than 0.");
  if (o.cycles !== undefined && !(Number.isInteger(o.cycles) && o.cycles > 0)) throw new StreamlabError("INVALID_OPTION", `--cycles must be a positive integer, got ${o.cycles}.`);
  const cron = await cronSchedule(o);
  const table = o.table ?? dataPath("delta", "users");
  const checkpoint = o.checkpoint ?? dataPath("checkpoints", "users_feed");
  const source = () => new SimulatorSource({ kind: "users", rows: o.rows, timeZone: tz, seed: 7 });
  new SimulatorSource({ rows: o.rows, timeZone: tz }); // validates the options now
  const duck: Duck = await sharedDuck();
  let cycles = 0;
  const when = (d: Date) => isoInZone(d, tz).replace("T", " ").slice(0, 19) + ` ${tz}`;

  // What each cycle reports, once its batch has committed. Reports run one after another.
  const report = async (cycle: number, progress: StreamingQueryProgress) => {
    const version = progress.sink.metrics.tableVersion;
    print(`cycle ${cycle}: appended ${progress.sink.numOutputRows} users → ${table} version ${version} (${when(new Date(progress.timestamp))})`);
    const history = DeltaTable.forPath(table, duck).history(5).map((h) => ({ version: h.version, timestamp: isoInZone(h.timestamp, tz), operation: h.operation, rows: h.operationMetrics.numOutputRows ?? "" }));
    print(tableText({ columns: ["version", "timestamp", "operation", "rows"].map((n) => ({ name: n, type: "" })), rows: history }));
    const summary = await summarizeTable(table, duck, { sinceVersion: Math.max(-1, Number(version) - 1), timeZone: tz });
    if (!o.email) {
      const files = await writeToOutbox(summary, { outbox: o.outbox, name: `users-v${version}` });
      print(`summary: ${files.html}`);
      return;
    }
    try {
      print(`e-mail: ${describeDelivery(await deliverSummary(summary, { dryRun: o.dryRun, outbox: o.outbox, name: `users-v${version}` }), summary.subject)}`);
    } catch (e) {
      // The cycle's rows are committed; a mail failure is reported and the feed goes on.
      print(`e-mail failed: ${e instanceof StreamlabError ? `[${e.code}] ` : ""}${messageOf(e)}`);
    }
  };
  let reports = Promise.resolve();
  let current: StreamingQuery | undefined;
  let stopping: Promise<void> | undefined;
  const enough = () => o.cycles !== undefined && cycles >= o.cycles;
  const listener = {
    onQueryProgress: ({ progress }: { progress: StreamingQueryProgress }) => {
      const cycle = ++cycles;
      reports = reports.then(() => report(cycle, progress));
      // Asked for N cycles: stop right after the Nth batch, before the trigger can start another.
      if (!cron && enough() && current) stopping ??= current.stop();
    },
  };
  const start = (trigger: { processingTime: number } | "once") =>
    readStream.source(source).writeStream({ format: "delta", path: table }, { queryName: "users_feed", checkpointLocation: checkpoint, trigger, listeners: [listener] });
  const stopped = (stopSignal ?? new Promise<void>(() => {})).then(() => "stopped" as const);

  if (!cron) {
    const q = (current = await start({ processingTime: interval }));
    if (enough()) stopping ??= q.stop(); // the Nth batch ended before start() returned
    const ended = q.awaitTermination().catch(() => {});
    await Promise.race([ended, stopped]);
    await (stopping ?? q.stop());
    await reports;
    if (q.exception) throw q.exception;
    return cycles;
  }

  // Cron: one cycle (a query with trigger once: one batch, then stop) per tick, on the same checkpoint.
  print(`schedule "${o.cron}" (${tz}); next cycle ${when(cron.nextRun()!)}`);
  while (o.cycles === undefined || cycles < o.cycles) {
    const next = cron.nextRun();
    if (!next) break; // a schedule with no future tick
    let timer: NodeJS.Timeout | undefined;
    const tick = new Promise<"tick">((r) => (timer = setTimeout(() => r("tick"), Math.max(0, next.getTime() - Date.now()))));
    const woke = await Promise.race([tick, stopped]);
    clearTimeout(timer);
    if (woke === "stopped") break;
    const q = await start("once");
    await q.awaitTermination().catch(() => {});
    await reports;
    if (q.exception) throw q.exception;
  }
  await reports;
  return cycles;
}

