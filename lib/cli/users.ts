/** `streamlab users` (`npm run users`): the users feed (lib/pipeline/users-feed.ts) from a terminal. */
import type { Command } from "commander";

export function registerUsers(p: Command): void {
  p.command("users")
    .description("append Faker users to data/delta/users on a schedule, with version history and a summary (or an e-mail) per cycle")
    .option("--every <interval>", "how often (e.g. 5m, 30s): a processingTime trigger", "5m")
    .option("--cron <schedule>", 'a cron schedule instead of --every, e.g. "*/5 * * * *" (croner; a sixth field in front for seconds), in --tz')
    .option("--tz <zone>", "IANA time zone for ingested_at, the schedule and the times shown", "UTC")
    .option("--rows <n>", "users per cycle", "100")
    .option("--cycles <n>", "stop after N cycles (default: until Ctrl-C)")
    .option("--email", "after each cycle, e-mail the summary as npm run email-summary does (SMTP_HOST…; without SMTP, an .eml in data/outbox/)")
    .option("--dry-run", "with --email: write the .eml to data/outbox/ instead of sending")
    .action(async (opts: { every: string; cron?: string; tz: string; rows: string; cycles?: string; email?: boolean; dryRun?: boolean }) => {
      let stop!: () => void;
      const stopSignal = new Promise<void>((r) => (stop = r));
      process.once("SIGINT", () => stop());
      const { runUsersFeed } = await import("../pipeline/users-feed.js");
      const n = await runUsersFeed({ every: opts.every, cron: opts.cron, timeZone: opts.tz, rows: Number(opts.rows), cycles: opts.cycles === undefined ? undefined : Number(opts.cycles), email: opts.email, dryRun: opts.dryRun }, stopSignal);
      console.log(`stopped after ${n} cycle(s); run again to continue (the checkpoint keeps the schedule's place)`);
    });
}
