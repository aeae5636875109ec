/**
 * `streamlab ingest <source-dir> [table]`: a streaming query from a folder of files into a Delta
 * table, or (`--sink postgres`) into PostgreSQL user_events through the main job's sink.
 */
import * as crypto from "node:crypto";
import * as path from "node:path";
import type { Command } from "commander";
import { StreamlabError } from "../errors";
import { dataPath } from "../util/paths";
import { FILE_SOURCE_OPTIONS, evolutionMode } from "../sources/file-source-options";
import type { StreamingQueryProgress } from "../stream/progress";

function collect(v: string, acc: string[]): string[] {
  return [...acc, v];
}

/** One line per batch: rows, files, rate, duration, table version. */
export function progressLine(p: StreamingQueryProgress): string {
  const src = p.sources[0]!;
  const files = src.metrics.numFilesOutstanding !== undefined ? `, ${src.metrics.numFilesOutstanding} files waiting` : "";
  const version = p.sink.metrics.tableVersion !== undefined ? `, table version ${p.sink.metrics.tableVersion}${p.sink.metrics.batchAlreadyCommitted ? " (already committed: replay skipped)" : ""}` : "";
  const skipped = p.sink.metrics.rowsSkipped !== undefined ? `, ${p.sink.metrics.rowsSkipped} duplicates skipped` : "";
  return `[${p.name}] batch ${p.batchId}: ${p.numInputRows} rows in, ${p.sink.numOutputRows} out, ${p.processedRowsPerSecond.toFixed(0)} rows/s, ${p.durationMs.triggerExecution} ms${files}${version}${skipped}`;
}

interface IngestFlags {
  format: string;
  schema?: string;
  checkpoint?: string;
  trigger?: string;
  maxFilesPerTrigger?: string;
  option: string[];
  queryName?: string;
  sink: string;
  mergeSchema?: boolean;
  memoryLimit?: string;
}

const SINKS = ["delta", "postgres"];

/** The file source options from the flags: --format, --schema, --max-files-per-trigger, then each --option. */
function sourceOptions(o: IngestFlags): Record<string, unknown> {
  const options: Record<string, unknown> = { format: o.format };
  if (o.schema) options.schema = o.schema;
  if (o.maxFilesPerTrigger !== undefined) options.maxFilesPerTrigger = o.maxFilesPerTrigger;
  for (const kv of o.option) {
    const i = kv.indexOf("=");
    if (i <= 0) throw new StreamlabError("INVALID_OPTION", `--option "${kv}" is not key=value.`, { hint: "Write it like --option cloudFiles.maxBytesPerTrigger=10mb." });
    options[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return options;
}

const shortHash = (s: string) => crypto.createHash("sha1").update(s).digest("hex").slice(0, 8);

export function registerIngest(p: Command): void {
  const defs = FILE_SOURCE_OPTIONS.defs;
  p.command("ingest")
    .argument("<source-dir>", "the landing folder to read")
    .argument("[table]", "the Delta table to write (created when missing); with --sink postgres, the PostgreSQL table (default user_events)")
    .description("stream files from a folder into a Delta table, or into PostgreSQL user_events, exactly once (Auto Loader style)")
    .requiredOption("--format <format>", defs.format.values.join(" | "))
    .option("--schema <ddl>", `${defs.schema.doc}; with --sink postgres into user_events, the events feed's schema by default`)
    .option("--sink <sink>", `${SINKS.join(" | ")}: a Delta table, or PostgreSQL (DATABASE_URL, else the embedded PGlite) through the main job's sink`, "delta")
    .option("--merge-schema", "Delta: add the stream's new columns to the table (mergeSchema); on by default when schemaEvolutionMode adds columns, so a restart after SCHEMA_CHANGED continues")
    .option("--no-merge-schema", "Delta: refuse new columns (DELTA_SCHEMA_MISMATCH) even when schemaEvolutionMode adds them")
    .option("--checkpoint <dir>", "checkpoint folder (default: data/checkpoints/ingest-<table>-<hash>)")
    .option("--trigger <trigger>", "availableNow | once | processingTime=2s (default: run continuously)")
    .option("--max-files-per-trigger <n>", `${defs.maxFilesPerTrigger.doc} (default ${defs.maxFilesPerTrigger.default})`)
    .option("--option <key=value>", "any file source option below, with or without the cloudFiles. prefix (repeatable)", collect, [])
    .option("--query-name <name>", "the query's name")
    .option("--memory-limit <size>", "DuckDB's memory_limit (e.g. 2GB): past it, a batch larger than memory spills to disk instead of growing")
    .addHelpText("after", `\nFile source options (--option name=value):\n${FILE_SOURCE_OPTIONS.help().join("\n")}`)
    .action(async (sourceDir: string, table: string | undefined, o: IngestFlags) => {
      if (!SINKS.includes(o.sink)) throw new StreamlabError("INVALID_OPTION", `--sink must be ${SINKS.join(" or ")}, got "${o.sink}".`);
      const options = sourceOptions(o);
      const { configureSharedDuck, duck } = await import("../duck.js");
      if (o.memoryLimit !== undefined) configureSharedDuck({ memoryLimit: o.memoryLimit }, "--memory-limit");
      // DuckDB starts on its own thread while the rest of the library loads; the query waits for it
      // (and reports a failure to start) when it opens.
      duck().catch(() => {});
      const r = o.sink === "postgres" ? await ingestToPostgres(sourceDir, table ?? "user_events", options, o) : await ingestToDelta(sourceDir, table, options, o);
      console.log(r);
    });
}

/** Runs `start()`'s query until it ends or Ctrl-C, then returns its whole-run totals. */
async function runQuery(start: (listeners: import("../stream/listener").StreamingQueryListener[]) => Promise<import("../stream/micro-batch").StreamingQuery>, describe: string) {
  const { ProgressTotals } = await import("../stream/progress-totals.js");
  // Every batch of the run, from the first (registered before the query starts); recentProgress keeps 100.
  const totals = new ProgressTotals();
  const q = await start([totals, { onQueryProgress: (e) => console.log(progressLine(e.progress)) }]);
  console.log(`[${q.name}] ${describe}; Ctrl-C stops after the current batch`);
  const onSignal = () => {
    console.log(`[${q.name}] stopping after the current batch…`);
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
  return { name: q.name, totals };
}

async function ingestToDelta(sourceDir: string, table: string | undefined, options: Record<string, unknown>, o: IngestFlags): Promise<string> {
  if (!table) throw new StreamlabError("INVALID_ARGUMENT", "streamlab ingest needs the Delta table to write: streamlab ingest <source-dir> <table>.", { hint: "Or write into PostgreSQL user_events with --sink postgres." });
  const { readStream } = await import("../api/read-stream.js");
  const { DeltaTable } = await import("../delta/table.js");
  const tablePath = path.resolve(table);
  const name = o.queryName ?? `ingest-${path.basename(tablePath)}`;
  const checkpoint = o.checkpoint ?? dataPath("checkpoints", `${name}-${shortHash(tablePath)}`);
  // Auto Loader stops a stream on a new column (SCHEMA_CHANGED) and takes it on restart; the table
  // must take it too, or the restart fails with DELTA_SCHEMA_MISMATCH.
  const mode = evolutionMode(FILE_SOURCE_OPTIONS.normalise(options));
  const mergeSchema = o.mergeSchema ?? mode === "addNewColumns";
  const { name: qname, totals } = await runQuery(
    (listeners) => readStream.files(sourceDir, options).writeStream({ format: "delta", path: tablePath, options: { mergeSchema } }, { checkpointLocation: checkpoint, trigger: o.trigger, queryName: name, listeners }),
    `reading ${path.resolve(sourceDir)} into ${tablePath} (checkpoint ${checkpoint}, schemaEvolutionMode ${mode}, mergeSchema ${mergeSchema})`,
  );
  const t = DeltaTable.forPath(tablePath);
  const version = (await t.snapshot()).version;
  return `[${qname}] stopped: ${totals.batches} batches, ${totals.inputRows} rows read, ${totals.outputRows} rows written this run (batch p50 / p95 ${totals.durationQuantile(0.5)} ms / ${totals.durationQuantile(0.95)} ms); ${tablePath} now holds ${await t.count()} rows (version ${version}); run again to continue from the checkpoint`;
}

async function ingestToPostgres(sourceDir: string, table: string, options: Record<string, unknown>, o: IngestFlags): Promise<string> {
  if (table !== "user_events") {
    throw new StreamlabError("INVALID_ARGUMENT", `--sink postgres writes PostgreSQL user_events, the main job's table, not "${table}".`, { hint: "Leave out the table, or write it as user_events. For other tables, use readStream(...).writeStream({ format: \"postgres\", options: { table, keyColumns } }) from the library." });
  }
  if (o.mergeSchema) throw new StreamlabError("INVALID_OPTION", "--merge-schema is for Delta tables; user_events has fixed columns.");
  const { readStream } = await import("../api/read-stream.js");
  const { openDatabase, connect, closeClient } = await import("../api/postgres.js");
  const { writeUserEvents } = await import("../pipeline/ecommerce.js");
  const { EVENTS_SCHEMA } = await import("../sim/schemas.js");
  // CSV from the simulator (or anything with the events' columns): read with the feed's schema
  // unless told otherwise, so the rows arrive typed and no _rescued_data column appears.
  if (options.schema === undefined) options.schema = EVENTS_SCHEMA;
  const db = await openDatabase();
  try {
    const name = o.queryName ?? "ingest-user_events";
    const checkpoint = o.checkpoint ?? dataPath("checkpoints", `${name}-${shortHash(`${path.resolve(sourceDir)}|${db.connectionString.replace(/:\d+\//, "/")}`)}`);
    const { name: qname, totals } = await runQuery(
      (listeners) => writeUserEvents(readStream.files(sourceDir, options), db.connectionString, { checkpointLocation: checkpoint, trigger: o.trigger, queryName: name, listeners }),
      `reading ${path.resolve(sourceDir)} into PostgreSQL user_events at ${db.source} (checkpoint ${checkpoint})`,
    );
    const c = await connect(db.connectionString);
    let rows = 0;
    try {
      rows = Number((await c.query("SELECT count(*) AS n FROM user_events")).rows[0].n);
    } finally {
      await closeClient(c);
    }
    return `[${qname}] stopped: ${totals.batches} batches, ${totals.inputRows} rows read, ${totals.sink("rowsInserted")} inserted, ${totals.sink("rowsSkipped")} duplicates skipped this run (batch p50 / p95 ${totals.durationQuantile(0.5)} ms / ${totals.durationQuantile(0.95)} ms); user_events now holds ${rows} rows; run again to continue from the checkpoint`;
  } finally {
    await db.embedded?.stop();
  }
}
