#!/usr/bin/env node
/** The `streamlab` command line: `npm start` (run), ingest, users, sql, db, `streamlab delta …`, `streamlab checkpoint show`. */
import { Command } from "commander";
import { StreamlabError, messageOf } from "../errors";
import type * as Run from "./run";
import type * as Delta from "./delta";
import type * as Checkpoint from "./checkpoint";
import type * as Ingest from "./ingest";
import type * as Users from "./users";
import type * as Sql from "./sql";
import type * as Simulate from "./simulate";
import type * as Medallion from "./medallion";

type Register = (p: Command) => void;

/** Each command's module with the names it registers, loaded only when needed: the command typed, or all of them (help, an unknown command). */
const COMMANDS: [names: string[], load: () => Register][] = [
  [["run"], () => (require("./run") as typeof Run).registerRun],
  [["delta"], () => (require("./delta") as typeof Delta).registerDelta],
  [["checkpoint"], () => (require("./checkpoint") as typeof Checkpoint).registerCheckpoint],
  [["ingest"], () => (require("./ingest") as typeof Ingest).registerIngest],
  [["users"], () => (require("./users") as typeof Users).registerUsers],
  [["sql", "db"], () => (require("./sql") as typeof Sql).registerSql],
  [["simulate"], () => (require("./simulate") as typeof Simulate).registerSimulate],
  [["medallion"], () => (require("./medallion") as typeof Medallion).registerMedallion],
];

/** The command line; given `argv`, only the command it names is set up (every command when it names none). */
export function program(argv?: readonly string[]): Command {
  const p = new Command("streamlab").description("Streamlab: streaming ingestion, Auto Loader and Delta Lake in Node.js").showHelpAfterError();
  const named = argv?.[2];
  const one = COMMANDS.find(([names]) => named !== undefined && names.includes(named));
  for (const [, load] of one ? [one] : COMMANDS) load()(p);
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
  program(process.argv)
    .parseAsync(process.argv)
    .catch(fail);
}
