/** `streamlab delta …`: read, inspect and check Delta tables from a terminal. */
import * as path from "node:path";
import type { Command } from "commander";
import type { AddFile } from "../delta/actions";
import { StreamlabError } from "../errors";
import type { TableData } from "../viz/table";
import type * as DuckModule from "../duck";
import type * as TableModule from "../delta/table";
import type * as FeaturesModule from "../delta/table-features";
import type * as ConformanceModule from "../delta/conformance";
import type * as VizModule from "../viz/table";
import type * as SkippingModule from "../delta/skipping";

/**
 * What the commands run, loaded when one runs (DuckDB and the Delta reader are not needed for
 * --help). For a command that reads tables through the shared DuckDB session (`shared`), the
 * session starts opening first: it opens on its own thread while the rest loads and the log is read.
 */
function loadLib(shared = true) {
  // A command that never queries must not fail on it; one that does sees the error.
  if (shared) (require("../duck") as typeof DuckModule).duck().catch(() => {});
  const { DeltaTable } = require("../delta/table") as typeof TableModule;
  const { readerFeatures } = require("../delta/table-features") as typeof FeaturesModule;
  const { goldenTablesDir, runConformance } = require("../delta/conformance") as typeof ConformanceModule;
  const { tableData, tableText } = require("../viz/table") as typeof VizModule;
  const { statsOf } = require("../delta/skipping") as typeof SkippingModule;
  return { DeltaTable, readerFeatures, goldenTablesDir, runConformance, tableData, tableText, statsOf };
}
let lib: ReturnType<typeof loadLib>;

interface TravelOptions {
  version?: string;
  timestamp?: string;
  limit?: string;
}

function travel(o: TravelOptions): { version?: number; timestamp?: string } {
  if (o.version !== undefined && !/^\d+$/.test(o.version)) {
    throw new StreamlabError("INVALID_OPTION", `--version must be a non-negative integer, got "${o.version}".`);
  }
  return { version: o.version === undefined ? undefined : Number(o.version), timestamp: o.timestamp };
}

function limitOf(o: TravelOptions, fallback: number): number {
  if (o.limit === undefined) return fallback;
  if (!/^\d+$/.test(o.limit)) throw new StreamlabError("INVALID_OPTION", `--limit must be a non-negative integer, got "${o.limit}".`);
  return Number(o.limit);
}

function print(title: string, data: TableData): void {
  console.log(`\n${title}`);
  console.log(lib.tableText(data));
}

function rowsTable(rows: Record<string, unknown>[], total?: number): TableData {
  const names = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  return { columns: names.map((n) => ({ name: n, type: "" })), rows, totalRows: total };
}

export function registerDelta(p: Command): void {
  const delta = p.command("delta").description("read, inspect and check Delta tables");
  const withTravel = (c: Command) =>
    c.option("--version <n>", "time travel: read this version").option("--timestamp <t>", "time travel: the latest version at or before this time").option("--limit <n>", "most rows to print");

  withTravel(delta.command("describe").argument("<table>", "table folder").description("schema, protocol and features, properties and active files"))
    .action(async (table: string, o: TravelOptions) => {
      const { DeltaTable, readerFeatures } = (lib = loadLib());
      const snap = await DeltaTable.forPath(table).snapshot(travel(o));
      const limit = limitOf(o, 20);
      console.log(`Delta table ${snap.tableRoot} at version ${snap.version}`);
      console.log(`id ${snap.metadata.id}${snap.metadata.name ? `, name ${snap.metadata.name}` : ""}`);
      const pr = snap.protocol;
      console.log(`protocol: reader ${pr.minReaderVersion}, writer ${pr.minWriterVersion}; reader features: ${readerFeatures(pr).join(", ") || "none"}; writer features: ${(pr.writerFeatures ?? []).join(", ") || "(legacy)"}`);
      console.log(`partition columns: ${snap.partitionColumns.join(", ") || "none"}; column mapping: ${snap.columnMapping}`);
      print("schema", rowsTable(snap.schema.fields.map((f) => ({ column: f.name, type: typeof f.type === "string" ? f.type : JSON.stringify(f.type), nullable: f.nullable }))));
      const conf = Object.entries(snap.configuration);
      if (conf.length) print("properties", rowsTable(conf.map(([k, v]) => ({ key: k, value: v }))));
      const files = snap.files.map((a) => {
        // Stats are optional: a file without them (or with unreadable ones) shows null.
        const records = lib.statsOf(a)?.numRecords ?? null;
        return { path: decodeURIComponent(a.path), size: a.size, records, partition: JSON.stringify(a.partitionValues ?? {}), deletion_vector: a.deletionVector ? `${a.deletionVector.cardinality} rows deleted` : "" };
      });
      const total = files.reduce((s, f) => s + f.size, 0);
      print(`active files: ${files.length}, ${total} bytes`, rowsTable(files.slice(0, limit), files.length));
    });

  withTravel(delta.command("history").argument("<table>", "table folder").description("the table's commits, newest first (DESCRIBE HISTORY)"))
    .action(async (table: string, o: TravelOptions) => {
      const { DeltaTable } = (lib = loadLib(false)); // the log alone
      const h = DeltaTable.forPath(table).history(limitOf(o, 20));
      print(
        `history of ${path.resolve(table)}`,
        rowsTable(h.map((e) => ({ version: e.version, timestamp: e.timestamp.toISOString(), operation: e.operation, operationParameters: JSON.stringify(e.operationParameters), operationMetrics: JSON.stringify(e.operationMetrics), engineInfo: e.engineInfo }))),
      );
    });

  withTravel(delta.command("scan").argument("<table>", "table folder").description("print the table's rows").option("--filter <sql>", "a SQL predicate, e.g. \"price > 10\"").option("--columns <list>", "comma-separated columns"))
    .action(async (table: string, o: TravelOptions & { filter?: string; columns?: string }) => {
      const { DeltaTable, tableData, tableText } = (lib = loadLib());
      const t = DeltaTable.forPath(table);
      const scan = await t.scan({ ...travel(o), filter: o.filter, columns: o.columns?.split(",").map((c) => c.trim()) });
      try {
        // The first rows only: a table's row count comes from the log's statistics, never from reading it all.
        const data = await tableData(scan.sql, { duck: scan.duck, limit: limitOf(o, 20), count: false });
        const total = o.filter ? undefined : rowsFromStats(scan.files);
        const rows = total === undefined ? (data.more ? `the first ${data.rows.length}` : `${data.rows.length}`) : `${total}`;
        console.log(`version ${scan.snapshot.version}: ${rows} rows from ${scan.metrics.filesSelected} of ${scan.metrics.totalFiles} files (${scan.metrics.filesSkipped} skipped by partition pruning and data skipping)`);
        if (total !== undefined) data.totalRows = total;
        console.log(tableText(data));
      } finally {
        await scan.close();
      }
    });

  delta
    .command("append")
    .argument("<table>", "table folder (created when missing)")
    .argument("<file>", "a CSV, JSON-lines or Parquet file (globs allowed)")
    .description("append (or overwrite) a file's rows to a Delta table")
    .option("--mode <mode>", "append | overwrite | errorIfExists | ignore", "append")
    .option("--merge-schema", "add the file's new columns to the table")
    .option("--overwrite-schema", "with --mode overwrite: replace the schema")
    .option("--partition-by <cols>", "comma-separated partition columns (new tables)")
    .option("--replace-where <sql>", "with --mode overwrite: replace only matching rows")
    .option("--format <f>", "csv | json | parquet (default: from the extension)")
    .action(async (table: string, file: string, o: { mode: string; mergeSchema?: boolean; overwriteSchema?: boolean; partitionBy?: string; replaceWhere?: string; format?: string }) => {
      const { DeltaTable } = (lib = loadLib());
      const r = await DeltaTable.forPath(table).write({ path: file, format: o.format as never }, {
        mode: o.mode as never,
        mergeSchema: o.mergeSchema,
        overwriteSchema: o.overwriteSchema,
        partitionBy: o.partitionBy?.split(",").map((c) => c.trim()),
        replaceWhere: o.replaceWhere,
      });
      console.log(r.skipped ? `skipped (table exists, mode ${o.mode})` : `version ${r.version}: ${r.numOutputRows} rows in ${r.numFiles} files (${r.numOutputBytes} bytes)${r.numRemovedFiles ? `, ${r.numRemovedFiles} files removed` : ""}${r.addedColumns.length ? `; new columns: ${r.addedColumns.join(", ")}` : ""}`);
    });

  delta
    .command("optimize")
    .argument("<table>", "table folder")
    .option("--where <sql>", "only partitions matching this predicate")
    .option("--target-file-size <bytes>", "target file size in bytes")
    .description("compact small files (bin-packing)")
    .action(async (table: string, o: { where?: string; targetFileSize?: string }) => {
      const { DeltaTable } = (lib = loadLib());
      const r = await DeltaTable.forPath(table).optimize({ where: o.where, targetFileSize: o.targetFileSize ? Number(o.targetFileSize) : undefined });
      console.log(r.version === null ? "nothing to compact" : `version ${r.version}: ${r.numFilesRemoved} files compacted into ${r.numFilesAdded} in ${r.partitionsOptimized} partitions`);
    });

  delta
    .command("vacuum")
    .argument("<table>", "table folder")
    .option("--retain-hours <n>", "keep files removed less than N hours ago (default: the table's retention, 168)")
    .option("--dry-run", "list what would be deleted")
    .option("--force", "allow a retention shorter than the table's")
    .description("delete files no longer referenced and older than the retention")
    .action(async (table: string, o: { retainHours?: string; dryRun?: boolean; force?: boolean }) => {
      const { DeltaTable } = (lib = loadLib());
      const r = await DeltaTable.forPath(table).vacuum({ retentionHours: o.retainHours === undefined ? undefined : Number(o.retainHours), dryRun: o.dryRun, retentionCheckEnabled: !o.force });
      for (const f of r.files) console.log(`${r.dryRun ? "would delete" : "deleted"} ${f}`);
      console.log(`${r.dryRun ? "would delete" : "deleted"} ${r.files.length} files (${r.bytes} bytes), retention ${r.retentionHours} hours`);
    });

  delta
    .command("restore")
    .argument("<table>", "table folder")
    .option("--version <n>", "the version to restore")
    .option("--timestamp <t>", "restore the latest version at or before this time")
    .description("make an earlier version current again (a new commit)")
    .action(async (table: string, o: TravelOptions) => {
      const { DeltaTable } = (lib = loadLib());
      const to = travel(o);
      if (to.version === undefined && to.timestamp === undefined) throw new StreamlabError("INVALID_OPTION", "restore needs --version N or --timestamp T.");
      const r = await DeltaTable.forPath(table).restore(to);
      console.log(`version ${r.version}: restored version ${r.restoredVersion} (${r.numRestoredFiles} files added back, ${r.numRemovedFiles} removed)`);
    });

  delta
    .command("changes")
    .argument("<table>", "table folder")
    .requiredOption("--from <n>", "first version")
    .option("--to <n>", "last version (default: latest)")
    .option("--limit <n>", "most rows to print")
    .description("the Change Data Feed between two versions")
    .action(async (table: string, o: { from: string; to?: string; limit?: string }) => {
      const { DeltaTable, tableData, tableText } = (lib = loadLib());
      const scan = await DeltaTable.forPath(table).readChanges(Number(o.from), o.to === undefined ? undefined : Number(o.to));
      try {
        console.log(tableText(await tableData(`SELECT * FROM (${scan.sql}) ORDER BY _commit_version`, { duck: scan.duck, limit: limitOf(o, 50) })));
      } finally {
        await scan.close();
      }
    });

  delta
    .command("conformance")
    .argument("[dir]", "folder of conformance cases (default: the project's golden tables, test/fixtures/delta-golden)")
    .description("run every Delta conformance case in DIR: one line each, then 'N passed, N failed'")
    .action(async (dir: string | undefined) => {
      const { goldenTablesDir, runConformance } = (lib = loadLib(false)); // it opens a session of its own
      const { failed } = await runConformance(path.resolve(dir ?? goldenTablesDir()));
      process.exitCode = failed > 0 ? 1 : 0;
    });
}

/** The rows of `files` by their stats (numRecords less deleted rows), or undefined when a file has none. */
function rowsFromStats(files: AddFile[]): number | undefined {
  let n = 0;
  for (const a of files) {
    const records = lib.statsOf(a)?.numRecords;
    if (typeof records !== "number") return undefined;
    n += records - (a.deletionVector?.cardinality ?? 0);
  }
  return n;
}
