/**
 * `streamlab medallion run`: daily files → bronze → silver → gold under one base folder, one line
 * per layer; exits non-zero on a failed contract, naming it. The pipeline module is loaded only
 * when the command runs.
 */
import type { Command } from "commander";
import type * as Medallion from "../pipeline/medallion/index";

interface RunFlags {
  raw?: string;
  base?: string;
  layer: string;
  fullRefresh?: boolean;
  expect?: string;
}

export function registerMedallion(p: Command): void {
  const m = p.command("medallion").description("the medallion pipeline: daily event files → bronze → silver → gold Delta tables, incremental and idempotent");
  m.command("run")
    .description("run the layers: bronze ingests new files, silver merges new bronze rows under its contract, gold recomputes the changed dates")
    .option("--raw <dir>", "the landing folder of events_YYYY-MM-DD.csv files (default data/raw/daily)")
    .option("--base <dir>", "where the tables live (default data/medallion)")
    .option("--layer <layer>", "bronze | silver | gold | all (or a list: silver,gold)", "all")
    .option("--full-refresh", "rebuild the chosen layers from scratch")
    .option("--expect <rule=action,...>", "silver's expectation actions (warn | drop | fail), e.g. valid_price=fail; every rule drops by default")
    .action(async (o: RunFlags) => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on use: DuckDB and the Delta writer only when the command runs
      const medallion = require("../pipeline/medallion/index") as typeof Medallion;
      const r = await medallion.run({ raw: o.raw, base: o.base, layers: o.layer.split(",") as Medallion.Layer[], fullRefresh: o.fullRefresh, expectations: o.expect ? medallion.parseActions(o.expect) : undefined, print: (l: string) => console.log(l) });
      console.log(`run ${r.runId} done (tables under ${r.paths.base}; run log ${r.paths.runs})`);
    });
}
