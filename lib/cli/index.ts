#!/usr/bin/env node
/** The `streamlab` command line: `npm start` (run), ingest, users, sql, db, `streamlab delta …`, `streamlab checkpoint show`. */
import { Command } from "commander";
import { StreamlabError, messageOf } from "../errors";
import { registerRun } from "./run";
import { registerDelta } from "./delta";
import { registerCheckpoint } from "./checkpoint";
import { registerIngest } from "./ingest";
import { registerUsers } from "./users";
import { registerSql } from "./sql";
import { registerSimulate } from "./simulate";
import { registerMedallion } from "./medallion";

export function program(): Command {
  const p = new Command("streamlab").description("Streamlab: streaming ingestion, Auto Loader and Delta Lake in Node.js").showHelpAfterError();
  registerRun(p);
  registerDelta(p);
  registerCheckpoint(p);
  registerIngest(p);
  registerUsers(p);
  registerSql(p);
  registerSimulate(p);
  registerMedallion(p);
  return p;
}

/** Prints a StreamlabError as `error [CODE]: message` and exits 1 (2 for usage errors). */
export function fail(e: unknown): never {
  if (e instanceof StreamlabError) {
    console.error(`error [${e.code}]: ${e.message}`);
    process.exit(e.code === "INVALID_OPTION" || e.code === "INVALID_ARGUMENT" ? 2 : 1);
  }
  console.error(`error: ${messageOf(e)}`);
  process.exit(1);
}

if (require.main === module) {
  program()
    .parseAsync(process.argv)
    .catch(fail);
}
