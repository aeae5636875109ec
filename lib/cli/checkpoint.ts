/** `streamlab checkpoint …`: the commands; what they run is loaded when one runs (checkpoint-show.ts). */
import type { Command } from "commander";

export function registerCheckpoint(p: Command): void {
  const checkpoint = p.command("checkpoint").description("look inside a streaming query's checkpoint folder");
  checkpoint
    .command("show")
    .argument("<dir>", "the query's checkpointLocation")
    .option("--limit <n>", "most batches and log entries to print (the latest)", "50")
    .option("--schema-location <dir>", "Auto Loader's schemaLocation, when not the checkpoint folder")
    .description("the query id, batches (offsets, commits, watermarks, files), source logs, schema versions and state operators")
    .action(async (dir: string, o: { limit?: string; schemaLocation?: string }) => (await import("./checkpoint-show.js")).show(dir, o));
}
