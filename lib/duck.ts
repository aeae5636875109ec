/**
 * DuckDB behind one small module: the SQL and Parquet engine every other part of Streamlab
 * talks to. Nothing outside this file imports @duckdb/node-api directly.
 */
import { DuckDBInstance, type DuckDBConnection, type DuckDBResultReader } from "@duckdb/node-api";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { StreamlabError, messageOf } from "./errors";

export type Row = Record<string, unknown>;

export interface DuckOptions {
  /** Database file; default in memory. */
  path?: string;
  /** DuckDB threads; default: all cores. */
  threads?: number;
  /**
   * DuckDB's memory_limit ("2GB", "512MB"; default DuckDB's, 80% of RAM): past it, joins,
   * aggregations, sorts and the batch tables spill to `tempDirectory` instead of growing.
   */
  memoryLimit?: string;
  /** Where DuckDB spills (temp_directory); default a folder of this process under the system's temporary folder. */
  tempDirectory?: string;
}

let tempDir: string | undefined;

/** This process's spill folder, removed when the process exits. */
function processTempDirectory(): string {
  if (!tempDir) {
    const dir = (tempDir = path.join(os.tmpdir(), `streamlab-duckdb-${process.pid}`));
    process.once("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
  }
  return tempDir;
}

const MEMORY = /^\s*\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*$/i;

/** Checks a memory size as DuckDB takes it ("2GB", "512MiB"); `what` names the option at fault. */
export function checkMemoryLimit(value: string, what = "memoryLimit"): string {
  if (!MEMORY.test(value)) {
    throw new StreamlabError("INVALID_OPTION", `${what} must be a size such as "2GB" or "512MB", got "${value}".`, { hint: "Units: B, KB, MB, GB, TB (or KiB, MiB, GiB, TiB)." });
  }
  return value.trim();
}

/** A DuckDB connection with the few helpers the library needs. */
export class Duck {
  private constructor(
    readonly instance: DuckDBInstance,
    readonly connection: DuckDBConnection,
  ) {}

  static async open(options: DuckOptions = {}): Promise<Duck> {
    const config: Record<string, string> = {};
    if (options.threads) config.threads = String(options.threads);
    if (options.memoryLimit) {
      config.memory_limit = checkMemoryLimit(options.memoryLimit);
      config.temp_directory = options.tempDirectory ?? processTempDirectory();
    } else if (options.tempDirectory) config.temp_directory = options.tempDirectory;
    const instance = await DuckDBInstance.create(options.path ?? ":memory:", config);
    const connection = await instance.connect();
    const duck = new Duck(instance, connection);
    await duck.run("SET TimeZone = 'UTC'");
    return duck;
  }

  /** A second connection to the same database (for concurrent queries in one process). */
  async fork(): Promise<Duck> {
    const connection = await this.instance.connect();
    const duck = new Duck(this.instance, connection);
    await duck.run("SET TimeZone = 'UTC'");
    return duck;
  }

  /** Runs statements, discarding results. */
  async run(sql: string): Promise<void> {
    try {
      await this.connection.run(sql);
    } catch (e) {
      throw sqlError(sql, e);
    }
  }

  /** Runs a query and reads the whole (small) result. */
  async read(sql: string): Promise<DuckDBResultReader> {
    try {
      return await this.connection.runAndReadAll(sql);
    } catch (e) {
      throw sqlError(sql, e);
    }
  }

  /** Rows as plain JavaScript objects (BIGINT as bigint, timestamps as Date...). Small results only. */
  async all<T extends Row = Row>(sql: string): Promise<T[]> {
    return (await this.read(sql)).getRowObjectsJS() as T[];
  }

  /** Rows as JSON-safe objects (BIGINT and DECIMAL as strings, timestamps as ISO strings). */
  async json<T extends Row = Row>(sql: string): Promise<T[]> {
    return (await this.read(sql)).getRowObjectsJson() as T[];
  }

  /** The first column of the first row. */
  async value<T = unknown>(sql: string): Promise<T> {
    const rows = (await this.read(sql)).getRowsJS();
    return (rows[0]?.[0] ?? null) as T;
  }

  /** Column names and DuckDB type names of a query, without running it to completion. */
  async describe(sql: string): Promise<{ name: string; type: string }[]> {
    const rows = await this.all<{ column_name: string; column_type: string }>(`DESCRIBE ${sql}`);
    return rows.map((r) => ({ name: r.column_name, type: r.column_type }));
  }

  close(): void {
    this.connection.closeSync();
  }
}

function sqlError(sql: string, e: unknown): StreamlabError {
  const shown = sql.length > 400 ? `${sql.slice(0, 400)}…` : sql;
  return new StreamlabError("SQL_ERROR", `DuckDB could not run the statement: ${messageOf(e)}\n  in: ${shown}`, {
    cause: e,
  });
}

let shared: Promise<Duck> | undefined;
let sharedOptions: DuckOptions = {};

/** The process-wide default DuckDB session that notebooks and helpers share. */
export function duck(): Promise<Duck> {
  shared ??= Duck.open(sharedOptions);
  return shared;
}

/** Settings of the shared session (a command's --memory-limit), before anything opens it; `what` names the memory option in errors. */
export function configureSharedDuck(options: DuckOptions, what = "memoryLimit"): void {
  if (shared) throw new StreamlabError("INVALID_ARGUMENT", "The shared DuckDB session is already open: configure it before the first query.");
  sharedOptions = { ...options, ...(options.memoryLimit !== undefined ? { memoryLimit: checkMemoryLimit(options.memoryLimit, what) } : {}) };
}

import { sqlIdent, sqlString } from "./sql-text";

export { sqlIdent, sqlString };

/** A SQL literal for a small JavaScript value (rows passed in from code). */
export function sqlLiteral(v: unknown): string {
  if (v === null || v === undefined) return "NULL";
  if (typeof v === "number") return Number.isFinite(v) ? String(v) : `'${v}'::DOUBLE`;
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "boolean") return v ? "TRUE" : "FALSE";
  if (v instanceof Date) return `'${v.toISOString()}'::TIMESTAMPTZ`;
  if (typeof v === "object") return `${sqlString(JSON.stringify(v))}::JSON`;
  return sqlString(String(v));
}

/** A SELECT over a small array of rows (columns: the union of their keys), for joins and charts. */
export function rowsSql(rows: Row[], columns?: string[]): string {
  const cols = columns ?? [...new Set(rows.flatMap((r) => Object.keys(r)))];
  if (cols.length === 0) throw new StreamlabError("INVALID_ARGUMENT", "rowsSql() needs at least one column.");
  if (rows.length === 0) return `SELECT ${cols.map((c) => `NULL AS ${sqlIdent(c)}`).join(", ")} WHERE false`;
  const values = rows.map((r) => `(${cols.map((c) => sqlLiteral(r[c])).join(", ")})`).join(",\n");
  return `SELECT * FROM (VALUES ${values}) AS t(${cols.map(sqlIdent).join(", ")})`;
}
