#!/usr/bin/env node
/**
 * `npm run email-summary -- [--table data/delta/users] [--since-version N] [--tz ZONE] [--dry-run]`: an HTML
 * summary of a Delta table's recent versions, sent by SMTP (SMTP_* and MAIL_* variables) or, with
 * --dry-run or without SMTP_HOST, written to data/outbox/ as .eml and .html. Runs apart from the
 * pipelines: a mail failure exits non-zero and never affects ingestion.
 */
import { Command } from "commander";
import { Duck } from "../lib/duck";
import { StreamlabError, messageOf } from "../lib/errors";
import { deliverSummary, describeDelivery } from "../lib/notify/mail";
import { summarizeTable } from "../lib/notify/summary";
import { dataPath } from "../lib/util/paths";

export async function main(argv: string[]): Promise<number> {
  const program = new Command("email-summary")
    .option("--table <path>", "the Delta table", dataPath("delta", "users"))
    .option("--since-version <n>", "summarise the versions after this one (default: the last five)")
    .option("--tz <zone>", "IANA time zone for the commit times", "UTC")
    .option("--dry-run", "write the message to data/outbox/ instead of sending it")
    .option("--outbox <dir>", "where dry runs go", dataPath("outbox"))
    .exitOverride();
  program.parse(argv);
  const o = program.opts<{ table: string; sinceVersion?: string; tz: string; dryRun?: boolean; outbox: string }>();
  const duck = await Duck.open();
  try {
    if (o.sinceVersion !== undefined && !/^\d+$/.test(o.sinceVersion)) throw new StreamlabError("INVALID_OPTION", `--since-version must be a version number, got "${o.sinceVersion}".`);
    const summary = await summarizeTable(o.table, duck, { sinceVersion: o.sinceVersion === undefined ? undefined : Number(o.sinceVersion), timeZone: o.tz });
    const delivery = await deliverSummary(summary, { dryRun: o.dryRun, outbox: o.outbox, name: "email-summary" });
    console.log(describeDelivery(delivery, summary.subject));
    return 0;
  } catch (e) {
    console.error(e instanceof StreamlabError ? `error [${e.code}]: ${e.message}` : `error: ${messageOf(e)}`);
    return 1;
  } finally {
    duck.close();
  }
}

if (require.main === module) {
  main(process.argv).then((code) => process.exit(code));
}
