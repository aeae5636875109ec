/** `streamlab run` (what `npm start` runs): the end-to-end main job on embedded defaults. */
import type { Command } from "commander";
import { StreamlabError } from "../errors";
import { parseDuration } from "../util/duration";

export function registerRun(p: Command): void {
  p.command("run")
    .description("the main job: simulated events → data/raw/events → Delta (events_bronze) → PostgreSQL (user_events), exactly once")
    .option("--duration <d>", "how long the simulator runs (e.g. 20s, 5m)", "60s")
    .option("--forever", "run until Ctrl-C")
    .option("--rate <filesPerSecond>", "files per second written by the simulator", "2")
    .option("--rows-per-file <n>", "rows per simulated file", "50")
    .option("--max-files-per-trigger <n>", "the bronze query's cloudFiles.maxFilesPerTrigger (default 1000)")
    .option("--memory-limit <size>", "DuckDB's memory_limit (e.g. 2GB): past it, large batches spill to disk instead of growing")
    .action(async (opts: { duration: string; forever?: boolean; rate: string; rowsPerFile: string; maxFilesPerTrigger?: string; memoryLimit?: string }) => {
      if (opts.memoryLimit !== undefined) (await import("../duck.js")).configureSharedDuck({ memoryLimit: opts.memoryLimit }, "--memory-limit");
      const rate = Number(opts.rate);
      if (!(rate > 0)) throw new StreamlabError("INVALID_OPTION", `--rate must be a positive number, got "${opts.rate}".`);
      const maxFiles = opts.maxFilesPerTrigger === undefined ? undefined : Number(opts.maxFilesPerTrigger);
      if (maxFiles !== undefined && !(Number.isInteger(maxFiles) && maxFiles > 0)) throw new StreamlabError("INVALID_OPTION", `--max-files-per-trigger must be a positive integer, got "${opts.maxFilesPerTrigger}".`);
      let stop!: () => void;
      const stopSignal = new Promise<void>((r) => (stop = r));
      const onSignal = () => {
        // process.once: a second Ctrl-C gets Node's default and ends the process at once, which the checkpoints make safe.
        console.log("\nstopping: the queries finish their current batch… (Ctrl-C again stops at once; the next run continues from the checkpoints)");
        stop();
      };
      process.once("SIGINT", onSignal);
      process.once("SIGTERM", onSignal);
      const { runMainJob } = await import("../pipeline/ecommerce.js");
      const s = await runMainJob({ durationMs: opts.forever ? undefined : parseDuration(opts.duration, "--duration"), forever: opts.forever, filesPerSecond: rate, rowsPerFile: Number(opts.rowsPerFile), stopSignal, maxFilesPerTrigger: maxFiles });
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      console.log("\nSummary (this run's figures count every batch of the run; the tables' are counted in the tables)");
      console.log(`  events generated        ${s.eventsGenerated} (+ ${s.malformedGenerated} malformed lines)`);
      console.log(`  batches                 ${s.bronzeBatches} events_bronze, ${s.postgresBatches} user_events`);
      console.log(`  ingested into bronze    ${s.ingested} (events_bronze now holds ${s.bronzeRows} rows)`);
      console.log(`  quarantined             ${s.quarantined} (data/error/events_bronze/ now holds ${s.quarantineLines} lines)`);
      console.log(`  duplicates skipped      ${s.duplicatesSkipped}`);
      console.log(`  inserted in PostgreSQL  ${s.insertedIntoPostgres} (user_events now holds ${s.postgresRows} rows)`);
      console.log(`  Delta versions          ${s.deltaVersions} (data/delta/events_bronze)`);
      console.log(`  latency p50 / p95       ${s.latencyP50Ms} ms / ${s.latencyP95Ms} ms over ${s.latencyFiles} files (file landed → rows committed in Delta)`);
      console.log(`  PostgreSQL              ${s.connection}`);
      console.log('  query it                npx streamlab sql "SELECT count(*) AS n FROM user_events"   (npm run db serves it for psql)');
      console.log("Run again to continue from the checkpoints (no duplicates).");
    });
}
