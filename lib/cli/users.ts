/**
 * `streamlab users` (`npm run users`): Faker users appended to the Delta table data/delta/users
 * on a schedule — a simulator source with a processingTime trigger, not a separate loop — with
 * the new version, the table's history and an HTML summary (data/outbox/) after each cycle.
 */
import type { Command } from "commander";
import { duck as sharedDuck, type Duck } from "../duck";
import { StreamlabError } from "../errors";
import { DeltaTable } from "../delta/table";
import { writeToOutbox } from "../notify/mail";
import { summarizeTable } from "../notify/summary";
import { dataPath } from "../util/paths";
import { SimulatorSource } from "../sources/simulator-source";
import { readStream } from "../api/read-stream";
import { parseDuration } from "../util/duration";
import { tableText } from "../viz/table";

export interface UsersFeedOptions {
  every: string;
  timeZone: string;
  rows: number;
  /** Stop after this many cycles (default: run until Ctrl-C). */
  cycles?: number;
  table?: string;
  checkpoint?: string;
  outbox?: string;
  print?: (line: string) => void;
}

export async function runUsersFeed(o: UsersFeedOptions, stopSignal?: Promise<void>): Promise<number> {
  const print = o.print ?? ((l: string) => console.log(l));
  const interval = parseDuration(o.every, "--every");
  if (interval <= 0) throw new StreamlabError("INVALID_OPTION", "--every must be longer than 0.");
  const table = o.table ?? dataPath("delta", "users");
  const source = () => new SimulatorSource({ kind: "users", rows: o.rows, timeZone: o.timeZone, seed: 7 });
  new SimulatorSource({ rows: o.rows, timeZone: o.timeZone }); // validates the options now
  const q = await readStream.source(source).writeStream({ format: "delta", path: table }, { queryName: "users_feed", checkpointLocation: o.checkpoint ?? dataPath("checkpoints", "users_feed"), trigger: { processingTime: interval } });
  const duck: Duck = await sharedDuck();
  let cycles = 0;
  // Reports run one after another, after each batch; the last one finishes before we return.
  let reports = Promise.resolve();
  let stopping: Promise<void> | undefined;
  q.addListener({
    onQueryProgress: ({ progress }) => {
      cycles++;
      const cycle = cycles;
      // Asked for N cycles: stop right here, before the trigger can start another batch.
      if (o.cycles !== undefined && cycles >= o.cycles) stopping ??= q.stop();
      reports = reports.then(async () => {
        const version = progress.sink.metrics.tableVersion;
        print(`cycle ${cycle}: appended ${progress.sink.numOutputRows} users → ${table} version ${version} (${o.timeZone} ${new Date(progress.timestamp).toLocaleString("sv-SE", { timeZone: o.timeZone })})`);
        const history = DeltaTable.forPath(table, duck).history(5).map((h) => ({ version: h.version, timestamp: h.timestamp.toISOString(), operation: h.operation, rows: h.operationMetrics.numOutputRows ?? "" }));
        print(tableText({ columns: ["version", "timestamp", "operation", "rows"].map((n) => ({ name: n, type: "" })), rows: history }));
        const summary = await summarizeTable(table, duck, { sinceVersion: Math.max(-1, Number(version) - 1) });
        const files = await writeToOutbox(summary, { outbox: o.outbox, name: `users-v${version}` });
        print(`summary: ${files.html}`);
      });
    },
  });
  const ended = q.awaitTermination().catch(() => {});
  await Promise.race([ended, stopSignal ?? new Promise(() => {})]);
  await (stopping ?? q.stop());
  await reports;
  if (q.exception) throw q.exception;
  return cycles;
}

export function registerUsers(p: Command): void {
  p.command("users")
    .description("append Faker users to data/delta/users on a schedule (a processingTime trigger), with version history and an HTML summary per cycle")
    .option("--every <interval>", "how often (e.g. 5m, 30s)", "5m")
    .option("--tz <zone>", "IANA time zone for ingested_at", "UTC")
    .option("--rows <n>", "users per cycle", "100")
    .option("--cycles <n>", "stop after N cycles (default: until Ctrl-C)")
    .action(async (opts: { every: string; tz: string; rows: string; cycles?: string }) => {
      let stop!: () => void;
      const stopSignal = new Promise<void>((r) => (stop = r));
      process.once("SIGINT", () => stop());
      const n = await runUsersFeed({ every: opts.every, timeZone: opts.tz, rows: Number(opts.rows), cycles: opts.cycles === undefined ? undefined : Number(opts.cycles) }, stopSignal);
      console.log(`stopped after ${n} cycle(s); run again to continue (the checkpoint keeps the schedule's place)`);
    });
}
