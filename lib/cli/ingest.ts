/** `streamlab ingest <source-dir> <table>`: a file-to-Delta streaming query from a terminal. */
import * as crypto from "node:crypto";
import * as path from "node:path";
import type { Command } from "commander";
import { StreamlabError } from "../errors";
import { dataPath } from "../util/paths";
import { readStream } from "../api/read-stream";
import { FILE_SOURCE_OPTIONS } from "../sources/file-source-options";
import type { StreamingQueryProgress } from "../stream/progress";

function collect(v: string, acc: string[]): string[] {
  return [...acc, v];
}

/** One line per batch: rows, files, rate, duration, table version. */
export function progressLine(p: StreamingQueryProgress): string {
  const src = p.sources[0]!;
  const files = src.metrics.numFilesOutstanding !== undefined ? `, ${src.metrics.numFilesOutstanding} files waiting` : "";
  const version = p.sink.metrics.tableVersion !== undefined ? `, table version ${p.sink.metrics.tableVersion}${p.sink.metrics.batchAlreadyCommitted ? " (already committed: replay skipped)" : ""}` : "";
  return `[${p.name}] batch ${p.batchId}: ${p.numInputRows} rows in, ${p.sink.numOutputRows} out, ${p.processedRowsPerSecond.toFixed(0)} rows/s, ${p.durationMs.triggerExecution} ms${files}${version}`;
}

export function registerIngest(p: Command): void {
  const defs = FILE_SOURCE_OPTIONS.defs;
  p.command("ingest")
    .argument("<source-dir>", "the landing folder to read")
    .argument("<table>", "the Delta table to write (created when missing)")
    .description("stream files from a folder into a Delta table, exactly once (Auto Loader style)")
    .requiredOption("--format <format>", defs.format.values.join(" | "))
    .option("--schema <ddl>", defs.schema.doc)
    .option("--checkpoint <dir>", "checkpoint folder (default: data/checkpoints/ingest-<table>)")
    .option("--trigger <trigger>", "availableNow | once | processingTime=2s (default: run continuously)")
    .option("--max-files-per-trigger <n>", `${defs.maxFilesPerTrigger.doc} (default ${defs.maxFilesPerTrigger.default})`)
    .option("--option <key=value>", "any file source option below, with or without the cloudFiles. prefix (repeatable)", collect, [])
    .option("--query-name <name>", "the query's name")
    .addHelpText("after", `\nFile source options (--option name=value):\n${FILE_SOURCE_OPTIONS.help().join("\n")}`)
    .action(async (sourceDir: string, table: string, o: { format: string; schema?: string; checkpoint?: string; trigger?: string; maxFilesPerTrigger?: string; option: string[]; queryName?: string }) => {
      const options: Record<string, unknown> = { format: o.format };
      if (o.schema) options.schema = o.schema;
      if (o.maxFilesPerTrigger !== undefined) options.maxFilesPerTrigger = o.maxFilesPerTrigger;
      for (const kv of o.option) {
        const i = kv.indexOf("=");
        if (i <= 0) throw new StreamlabError("INVALID_OPTION", `--option "${kv}" is not key=value.`, { hint: "Write it like --option cloudFiles.maxBytesPerTrigger=10mb." });
        options[kv.slice(0, i)] = kv.slice(i + 1);
      }
      const tablePath = path.resolve(table);
      const name = o.queryName ?? `ingest-${path.basename(tablePath)}`;
      const checkpoint = o.checkpoint ?? dataPath("checkpoints", `${name}-${crypto.createHash("sha1").update(tablePath).digest("hex").slice(0, 8)}`);
      const q = await readStream.files(sourceDir, options).writeStream({ format: "delta", path: tablePath }, { checkpointLocation: checkpoint, trigger: o.trigger, queryName: name });
      console.log(`[${name}] reading ${path.resolve(sourceDir)} into ${tablePath} (checkpoint ${checkpoint}); Ctrl-C stops after the current batch`);
      q.addListener({ onQueryProgress: (e) => console.log(progressLine(e.progress)) });
      const onSignal = () => {
        console.log(`[${name}] stopping after the current batch…`);
        void q.stop();
      };
      process.once("SIGINT", onSignal);
      process.once("SIGTERM", onSignal);
      try {
        await q.awaitTermination();
      } finally {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
      }
      const total = q.recentProgress.reduce((s, p) => s + p.numInputRows, 0);
      console.log(`[${name}] stopped: ${q.recentProgress.length} batches, ${total} rows this run; run again to continue from the checkpoint`);
    });
}
