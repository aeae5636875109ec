/**
 * Reads one batch of landed files into DuckDB the way Auto Loader does: every value first as
 * text, then cast to the schema's types. A value that does not fit its type is never silently
 * NULL: it goes to the rescued-data column (as JSON, with its column name and the source file),
 * or — without one — the row is a bad record. Rows that cannot be parsed at all (wrong field count,
 * broken quoting, invalid JSON) are bad records: quarantined (PERMISSIVE), dropped
 * (DROPMALFORMED) or fatal (FAILFAST). A file that cannot be read at all (empty CSV, binary, UTF-16,
 * corrupt Parquet) is one bad record of its own; a file gone since it was planned stops the query
 * unless ignoreMissingFiles. Data stays in DuckDB throughout.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Duck } from "../duck";
import { sqlIdent, sqlString } from "../duck";
import { StreamlabError } from "../errors";
import { isCompressed, probeFile, readSkippingUnreadable, type FileProblem } from "./file-probe";
import { duckType, isArray, isMap, isStruct, type StructField, type StructType } from "../delta/schema";
import { sqlFileList, type ListedFile } from "../util/file-listing";
import { csvHeader, type FileStart } from "../util/csv";
import type { PipelinedBatch } from "../stream/source";

import type { EvolutionMode, FileFormat, ParseMode } from "./file-source-options";

export interface ReadSettings {
  format: FileFormat;
  schema: StructType;
  rescuedDataColumn?: string;
  evolution: EvolutionMode;
  mode: ParseMode;
  badRecordsPath?: string;
  includeMetadata: boolean;
  header: boolean;
  sep: string;
  quote?: string;
  escape?: string;
  /** A corrupt file does not stop a FAILFAST query: it is skipped (and counted). */
  ignoreCorruptFiles: boolean;
  /** A file gone since it was planned is skipped (counted, and quarantined in PERMISSIVE) instead of stopping the query. */
  ignoreMissingFiles: boolean;
}

export interface ReadResult {
  numRows: number;
  numMalformed: number;
  numRescued: number;
  /** Files read as one bad record each because they cannot be read (also in numMalformed unless ignored in FAILFAST). */
  numCorruptFiles: number;
  /** Files skipped because they were gone (ignoreMissingFiles). */
  numMissingFiles: number;
  /** Where this batch's bad records were written (PERMISSIVE), if any. */
  badRecordsFile?: string;
}

let seq = 0;


function typedExpr(raw: string, f: StructField, native: boolean): string {
  const t = duckType(f.type);
  if (f.type === "string") return native ? `CAST(${raw} AS VARCHAR)` : raw;
  if (!native && (isStruct(f.type) || isArray(f.type) || isMap(f.type))) return `TRY_CAST(TRY_CAST(${raw} AS JSON) AS ${t})`;
  return `TRY_CAST(${raw} AS ${t})`;
}

/**
 * Reads `files` into temp table `into`. `onNewColumns` sees columns the schema lacks before any
 * row is produced (it throws to stop the query for schema evolution). `tryClean` false: the files
 * are known to hold a bad line, so the one-statement read of a clean batch is not tried first.
 */
export async function readBatch(duck: Duck, files: ListedFile[], into: string, settings: ReadSettings, batchId: number, onNewColumns: (cols: string[]) => void, tryClean = true): Promise<ReadResult> {
  const clean = !tryClean ? undefined : settings.format === "parquet" ? await readCleanParquet(duck, files, into, settings) : await readCleanCsv(duck, files, into, settings);
  if (clean !== undefined) return { numRows: clean, numMalformed: 0, numRescued: 0, numCorruptFiles: 0, numMissingFiles: 0 };
  const id = ++seq;
  const raw = `__sl_raw_${id}`;
  const bad = `__sl_bad_${id}`;
  const temps = [raw, bad];
  const { schema } = settings;
  try {
    // whole: NULL for a record; "corrupt" or "missing" for a file dealt with as a whole.
    await duck.run(`CREATE TEMP TABLE ${bad} (file VARCHAR, line BIGINT, record VARCHAR, reason VARCHAR, whole VARCHAR)`);
    const wholeFiles = new WholeFiles(settings);
    const readable = files.filter((f) => !wholeFiles.add(f.path, probeFile(f.path, settings.format, settings.header)));
    const unreadable = (file: string, reason: string) => void wholeFiles.add(file, { kind: "corrupt", reason });
    // The reader's own columns (source file, line) are __sl_file and __sl_line, and DuckDB's filename
    // column is renamed to __sl_file: data columns named filename, __file or __line stay data.
    let columns: string[];
    // Without a rescued-data column, DuckDB parses CSV values straight into the schema's types and
    // rejects (with file and line) what does not fit: one pass, and the bad rows keep their line numbers.
    let native = settings.format === "csv" && !settings.rescuedDataColumn;
    if (settings.format === "csv") columns = await readCsv(duck, readable, raw, bad, settings, temps, native, unreadable);
    else if (settings.format === "json") columns = await readJson(duck, readable, raw, bad, unreadable);
    else {
      native = true;
      columns = await readParquet(duck, readable, raw, temps, unreadable);
    }
    if (wholeFiles.list.length > 0) {
      await duck.run(`INSERT INTO ${bad} VALUES ${wholeFiles.list.map((w) => `(${sqlString(w.file)}, NULL, NULL, ${sqlString(w.reason)}, ${sqlString(w.kind)})`).join(", ")}`);
    }
    const known = new Map(schema.fields.map((f) => [f.name.toLowerCase(), f]));
    const rescueName = settings.rescuedDataColumn?.toLowerCase();
    const extra = columns.filter((c) => !known.has(c.toLowerCase()) && c.toLowerCase() !== rescueName);
    if (extra.length > 0) onNewColumns(extra);

    // Per column: the typed value, and whether a present value failed to fit the type.
    // Maps, not searches: a header can have 10,000 columns.
    const byLower = new Map<string, string>();
    for (const c of columns) if (!byLower.has(c.toLowerCase())) byLower.set(c.toLowerCase(), c);
    const rawOf = (f: StructField) => byLower.get(f.name.toLowerCase());
    const typed = schema.fields.map((f) => {
      const r = rawOf(f);
      return { f, r, expr: r === undefined ? `CAST(NULL AS ${duckType(f.type)})` : typedExpr(sqlIdent(r), f, native) };
    });
    const mismatch = typed.filter((x) => !native && x.r !== undefined && x.f.type !== "string").map((x) => ({ name: x.f.name, type: x.f.type, cond: `(${sqlIdent(x.r!)} IS NOT NULL AND ${x.expr} IS NULL)`, raw: sqlIdent(x.r!) }));
    const rescueExtras = settings.rescuedDataColumn && (settings.evolution === "rescue" || settings.evolution === "none") ? extra : [];
    const anyMismatch = mismatch.length ? mismatch.map((m) => m.cond).join(" OR ") : "false";

    if (!settings.rescuedDataColumn && mismatch.length > 0) {
      // No rescued-data column: a value that does not fit is a bad record, never a silent NULL.
      const reasons = mismatch.map((m) => `CASE WHEN ${m.cond} THEN ${sqlString(`${m.name}: `)} || ${m.raw} || ${sqlString(` is not a ${duckType(m.type)}`)} END`).join(", ");
      await duck.run(`INSERT INTO ${bad} SELECT __sl_file, __sl_line, to_json(struct_pack(${columns.map((c) => `${sqlIdent(c)} := ${sqlIdent(c)}`).join(", ")}))::VARCHAR, concat_ws('; ', ${reasons}), NULL FROM ${raw} WHERE ${anyMismatch}`);
    }

    let rescued = "";
    if (settings.rescuedDataColumn) {
      const pairs = [...mismatch.map((m) => `${sqlString(m.name)}, CASE WHEN ${m.cond} THEN ${m.raw} END`), ...rescueExtras.map((c) => `${sqlString(c)}, ${sqlIdent(c)}`)];
      const obj = pairs.length ? `json_merge_patch('{}', json_object(${pairs.join(", ")}))` : `'{}'::JSON`;
      rescued = `, CASE WHEN (${obj})::VARCHAR <> '{}' THEN json_merge_patch(${obj}, json_object('_file_path', __sl_file))::VARCHAR END AS ${sqlIdent(settings.rescuedDataColumn)}`;
    }
    const where = !settings.rescuedDataColumn && mismatch.length ? ` WHERE NOT (${anyMismatch})` : "";
    let select = `SELECT ${typed.map((x) => `${x.expr} AS ${sqlIdent(x.f.name)}`).join(", ")}${rescued}, __sl_file FROM ${raw}${where}`;
    if (settings.includeMetadata) {
      // The name from node:path: DuckDB's parse_filename also splits at backslashes, which are legal in POSIX names.
      const info = files.map((f) => `(${sqlString(f.path)}, ${sqlString(path.basename(f.path))}, ${f.size}::BIGINT, epoch_ms(${f.modificationTime})::TIMESTAMPTZ)`).join(", ");
      select = `SELECT s.* EXCLUDE (__sl_file), struct_pack(file_path := s.__sl_file, file_name := m.name, file_size := m.size, file_modification_time := m.mtime) AS _metadata FROM (${select}) s JOIN (VALUES ${info}) AS m(path, name, size, mtime) ON s.__sl_file = m.path`;
    } else select = `SELECT * EXCLUDE (__sl_file) FROM (${select})`;

    // A missing file is no malformed record; an unreadable one is (unless ignored in FAILFAST).
    const numMalformed = Number(await duck.value(`SELECT count(*) FROM ${bad} WHERE whole IS DISTINCT FROM 'missing'`)) - (settings.mode === "FAILFAST" ? wholeFiles.count("corrupt") : 0);
    if (numMalformed > 0 && settings.mode === "FAILFAST") {
      const first = (await duck.all<{ file: string; line: bigint | null; reason: string }>(`SELECT * FROM ${bad} WHERE whole IS NULL ORDER BY file, line LIMIT 1`))[0]!;
      throw new StreamlabError("MALFORMED_RECORD", `Malformed record in ${first.file}${first.line !== null ? `, line ${first.line}` : ""}: ${first.reason} (mode FAILFAST, ${numMalformed} bad record${numMalformed === 1 ? "" : "s"} in this batch).`, {
        hint: 'Fix the file, or read with mode "PERMISSIVE" (bad records go to badRecordsPath) or "DROPMALFORMED".',
        details: { file: first.file, line: first.line === null ? null : Number(first.line) },
      });
    }
    let badRecordsFile: string | undefined;
    if (numMalformed + wholeFiles.count("missing") > 0 && settings.mode === "PERMISSIVE" && settings.badRecordsPath) {
      // Named by batch id and written whole: a replayed batch rewrites the same file, never appends twice.
      fs.mkdirSync(settings.badRecordsPath, { recursive: true });
      badRecordsFile = path.join(settings.badRecordsPath, `batch-${String(batchId).padStart(6, "0")}.json`);
      const tmp = path.join(settings.badRecordsPath, `.batch-${batchId}.${process.pid}.tmp`);
      await duck.run(`COPY (SELECT file AS path, line, record, reason, ${batchId}::BIGINT AS batchId FROM ${bad} ORDER BY file, line) TO ${sqlString(tmp)} (FORMAT json)`);
      fs.renameSync(tmp, badRecordsFile);
    }
    const exact = native && !settings.includeMetadata && !settings.rescuedDataColumn && extra.length === 0 && columns.length === schema.fields.length && typed.every((x, i) => x.r === schema.fields[i]!.name && columns[i] === x.r);
    if (exact && settings.format === "csv") {
      // The parsed table already is the batch: drop the bookkeeping columns instead of copying every row.
      await duck.run(`ALTER TABLE ${raw} DROP COLUMN __sl_file`);
      await duck.run(`ALTER TABLE ${raw} DROP COLUMN __sl_line`);
      await duck.run(`DROP TABLE IF EXISTS ${into}`);
      await duck.run(`ALTER TABLE ${raw} RENAME TO ${into}`);
    } else await duck.run(`CREATE OR REPLACE TEMP TABLE ${into} AS ${select}`);
    const numRows = Number(await duck.value(`SELECT count(*) FROM ${into}`));
    const numRescued = settings.rescuedDataColumn ? Number(await duck.value(`SELECT count(*) FROM ${into} WHERE ${sqlIdent(settings.rescuedDataColumn)} IS NOT NULL`)) : 0;
    return { numRows, numMalformed, numRescued, numCorruptFiles: wholeFiles.count("corrupt"), numMissingFiles: wholeFiles.count("missing"), badRecordsFile };
  } finally {
    for (const t of temps) await duck.run(`DROP TABLE IF EXISTS ${t}`).catch(() => {});
  }
}

/**
 * The common case: CSV files whose headers are the schema's columns in order, parsed straight
 * into the schema's types, with no rescued-data or metadata column — one strict read_csv that
 * fails on the first line that does not fit (the general path then reads the batch and accounts
 * for each bad line). Undefined for anything else (a file to probe, a line that may be over
 * DuckDB's buffer), which the general path reads.
 */
export function cleanCsvRead(files: ListedFile[], s: ReadSettings): string | undefined {
  if (s.format !== "csv" || s.rescuedDataColumn || s.includeMetadata || files.length === 0) return undefined;
  const names = s.schema.fields.map((f) => f.name);
  for (const f of files) {
    const seen: { start?: FileStart } = {};
    if (mayHaveLinesOverBuffer(f.path) || probeFile(f.path, "csv", s.header, seen)) return undefined;
    if (s.header) {
      const h = csvHeader(f.path, s.sep, s.quote, s.escape, seen.start);
      if ("problem" in h || h.names.length !== names.length || h.names.some((n, i) => n !== names[i])) return undefined;
    }
  }
  return `SELECT * FROM read_csv(${sqlFileList(files.map((f) => f.path))}, ${csvOptions(s, csvColumns(s.schema))})`;
}

/** The schema's columns with their DuckDB types: what a read_csv given them as `columns`, without sniffing, yields. */
function duckColumns(schema: StructType): { name: string; type: string }[] {
  return schema.fields.map((f) => ({ name: f.name, type: duckType(f.type) }));
}

/** read_csv's `columns` option for `schema`: each field's name and DuckDB type, in order. */
export function csvColumns(schema: StructType): string {
  return `{${duckColumns(schema).map((c) => `${sqlString(c.name)}: ${sqlString(c.type)}`).join(", ")}}`;
}

/**
 * read_csv's options for a batch: the dialect, the columns and their types, no sniffing; with a
 * rejects table, bad lines are kept in `rejects.table` / `rejects.scan`, without, the first fails the read.
 */
function csvOptions(s: ReadSettings, columns: string, rejects?: { table: string; scan: string }): string {
  const dialect = `header = ${s.header}, delim = ${sqlString(s.sep)}${s.quote !== undefined ? `, quote = ${sqlString(s.quote)}` : ""}${s.escape !== undefined ? `, escape = ${sqlString(s.escape)}` : ""}`;
  const bad = rejects ? `store_rejects = true, rejects_table = '${rejects.table}', rejects_scan = '${rejects.scan}'` : "store_rejects = false";
  return `${dialect}, columns = ${columns}, auto_detect = false, ${bad}, null_padding = false, hive_partitioning = false`;
}

/** A clean CSV batch as SQL for a sink to read in its own write (see PipelinedBatch); its read fails on a bad line. */
export function pipelinedCsv(files: ListedFile[], s: ReadSettings): PipelinedBatch | undefined {
  const sql = cleanCsvRead(files, s);
  if (!sql) return undefined;
  return { sql, columns: duckColumns(s.schema) };
}

/** A clean CSV batch read into `into` in one statement; undefined (nothing left behind) when it was not clean. */
async function readCleanCsv(duck: Duck, files: ListedFile[], into: string, s: ReadSettings): Promise<number | undefined> {
  const sql = cleanCsvRead(files, s);
  if (!sql) return undefined;
  try {
    return Number(await duck.value(`CREATE OR REPLACE TEMP TABLE ${into} AS ${sql}`));
  } catch {
    /* a bad line: the general path reads the files one by one and accounts for each */
  }
  await duck.run(`DROP TABLE IF EXISTS ${into}`);
  return undefined;
}

/**
 * Parquet's common case in one statement: every file readable, no column outside the schema, no
 * rescued-data or metadata column — the files' columns cast to the schema's types straight into
 * the batch table. Anything else returns undefined (nothing left behind) for the general path.
 */
async function readCleanParquet(duck: Duck, files: ListedFile[], into: string, s: ReadSettings): Promise<number | undefined> {
  if (s.rescuedDataColumn || s.includeMetadata || files.length === 0) return undefined;
  if (files.some((f) => probeFile(f.path, "parquet", s.header))) return undefined;
  const reader = `read_parquet(${sqlFileList(files.map((f) => f.path))}, union_by_name = true, hive_partitioning = false)`;
  try {
    const present = new Map((await duck.describe(`SELECT * FROM ${reader}`)).map((c) => [c.name.toLowerCase(), c.name]));
    const known = new Set(s.schema.fields.map((f) => f.name.toLowerCase()));
    if ([...present.keys()].some((c) => !known.has(c))) return undefined;
    const cols = s.schema.fields.map((f) => {
      const r = present.get(f.name.toLowerCase());
      return `${r === undefined ? `CAST(NULL AS ${duckType(f.type)})` : typedExpr(sqlIdent(r), f, true)} AS ${sqlIdent(f.name)}`;
    });
    const n = await duck.value(`CREATE OR REPLACE TEMP TABLE ${into} AS SELECT ${cols.join(", ")} FROM ${reader}`);
    return Number(n);
  } catch {
    await duck.run(`DROP TABLE IF EXISTS ${into}`);
    return undefined;
  }
}

/**
 * Files dealt with as a whole, by mode: a missing file stops the query unless ignoreMissingFiles; an
 * unreadable one stops a FAILFAST query unless ignoreCorruptFiles. Both errors name the file and the
 * option that lets the query go on, so a restart is never stuck replaying the same failure.
 */
class WholeFiles {
  readonly list: ({ file: string } & FileProblem)[] = [];

  constructor(private readonly s: ReadSettings) {}

  /** Records `problem` for `file` (or throws); false when there is none. */
  add(file: string, problem: FileProblem | undefined): boolean {
    if (!problem) return false;
    if (problem.kind === "missing" && !this.s.ignoreMissingFiles) {
      throw new StreamlabError("STREAM_FILE_MISSING", `${file} is part of this batch but is gone: it was moved or deleted after it was planned.`, {
        hint: "Put the file back, or restart with ignoreMissingFiles set to true to skip it (it is counted in numMissingFiles and listed in badRecordsPath). Do not move files out of the landing folder while a query reads it: cleanSource does that after each commit.",
        details: { file },
      });
    }
    if (problem.kind === "corrupt" && this.s.mode === "FAILFAST" && !this.s.ignoreCorruptFiles) {
      throw new StreamlabError("STREAM_FILE_CORRUPT", `${file} cannot be read (mode FAILFAST): ${problem.reason}.`, {
        hint: 'Fix or remove the file, or restart with ignoreCorruptFiles set to true (or mode "PERMISSIVE", which quarantines it to badRecordsPath) to go on without it.',
        details: { file, reason: problem.reason },
      });
    }
    this.list.push({ file, ...problem });
    return true;
  }

  count(kind: FileProblem["kind"]): number {
    return this.list.filter((w) => w.kind === kind).length;
  }
}

/**
 * DuckDB's parallel CSV scanner drops a line longer than its buffer (32 MB by default) without a
 * reject or an error — a 31 MB line vanished while a 16 MB one was reported as LINE SIZE OVER
 * MAXIMUM — and splits a long quoted value into thousands of bogus rejects. Its serial scanner
 * reports such lines. Only a file at least that large (or compressed: its size says nothing) can hold
 * one, so those files alone are read serially; half the buffer size leaves room for a change of default.
 */
const SERIAL_CSV_BYTES = 16 * 1024 * 1024;

function mayHaveLinesOverBuffer(file: string): boolean {
  return isCompressed(file) || (fs.statSync(file, { throwIfNoEntry: false })?.size ?? 0) >= SERIAL_CSV_BYTES;
}

/** CSV: files grouped by header; DuckDB's rejects tables catch rows with the wrong shape. */
async function readCsv(duck: Duck, files: ListedFile[], raw: string, bad: string, s: ReadSettings, temps: string[], typed: boolean, unreadable: (file: string, reason: string) => void): Promise<string[]> {
  const fields = new Map(s.schema.fields.map((f) => [f.name.toLowerCase(), f]));
  const typeOf = (name: string) => {
    const f = typed ? fields.get(name.toLowerCase()) : undefined;
    return f ? duckType(f.type) : "VARCHAR";
  };
  const groups = new Map<string, { header: string[]; files: string[] }>();
  for (const f of files) {
    let header = s.schema.fields.map((x) => x.name);
    if (s.header) {
      const h = csvHeader(f.path, s.sep, s.quote, s.escape);
      if ("problem" in h) {
        unreadable(f.path, h.problem);
        continue;
      }
      header = h.names;
    }
    const key = JSON.stringify(header);
    const g = groups.get(key) ?? { header, files: [] };
    g.files.push(f.path);
    groups.set(key, g);
  }
  const all: string[] = [];
  const seen = new Set<string>();
  for (const g of groups.values()) for (const h of g.header) if (!seen.has(h.toLowerCase())) seen.add(h.toLowerCase()) && all.push(h);
  await duck.run(`CREATE TEMP TABLE ${raw} (${[...all.map((c) => `${sqlIdent(c)} ${typeOf(c)}`), "__sl_file VARCHAR", "__sl_line BIGINT"].join(", ")})`);
  for (const group of groups.values()) {
    const columns = `{${group.header.map((h) => `${sqlString(h)}: ${sqlString(typeOf(h))}`).join(", ")}}`;
    const read = async (paths: string[], parallel: boolean) => {
      const rej = `__sl_rej_${++seq}`;
      const scan = `__sl_scan_${seq}`;
      temps.push(rej, scan);
      const opts = `${csvOptions(s, columns, { table: rej, scan })}, filename = '__sl_file'${parallel ? "" : ", parallel = false"}`;
      await duck.run(`INSERT INTO ${raw} BY NAME SELECT * FROM read_csv(${sqlFileList(paths)}, ${opts})`);
      // One bad record per line, even when DuckDB reports several errors for it.
      await duck.run(`INSERT INTO ${bad} SELECT s.file_path, r.line, rtrim(any_value(r.csv_line), chr(10)), string_agg(DISTINCT r.error_type || ': ' || r.error_message, '; '), NULL FROM ${rej} r JOIN ${scan} s USING (scan_id, file_id) GROUP BY s.file_path, r.line`);
    };
    const serial = group.files.filter(mayHaveLinesOverBuffer);
    const parallel = group.files.filter((f) => !serial.includes(f));
    await readSkippingUnreadable(parallel, (paths) => read(paths, true), unreadable);
    await readSkippingUnreadable(serial, (paths) => read(paths, false), unreadable);
  }
  return all;
}

export const JSON_OBJECT = `json_valid(line) AND (CASE WHEN json_valid(line) THEN json_type(line) END) = 'OBJECT'`;
/** A key that cannot name a column (empty, control characters, U+FFFD). CASE, because AND does not keep json_keys off invalid JSON. */
export const JSON_BAD_KEY = `CASE WHEN ${JSON_OBJECT} THEN len(list_filter(json_keys(line), k -> k = '' OR regexp_matches(k, '[\\x00-\\x08\\x0a-\\x1f\\x7f\\x{FFFD}]'))) > 0 ELSE false END`;

/** JSON lines: every line kept with its number; invalid JSON, non-objects and keys that cannot be column names are bad records. */
async function readJson(duck: Duck, files: ListedFile[], raw: string, bad: string, unreadable: (file: string, reason: string) => void): Promise<string[]> {
  const lines = `__sl_lines_${seq}`;
  await duck.run(`CREATE TEMP TABLE ${lines} (__sl_file VARCHAR, __sl_line BIGINT, line VARCHAR)`);
  try {
    const read = (paths: string[]) =>
      duck.run(`INSERT INTO ${lines} SELECT filename, idx, rtrim(line, chr(13)) FROM (SELECT filename, unnest(string_split(content, chr(10))) AS line, generate_subscripts(string_split(content, chr(10)), 1) AS idx FROM read_text(${sqlFileList(paths)})) WHERE trim(line) <> ''`);
    await readSkippingUnreadable(files.map((f) => f.path), read, unreadable);
    const valid = `${JSON_OBJECT} AND NOT (${JSON_BAD_KEY})`;
    await duck.run(`INSERT INTO ${bad} SELECT __sl_file, __sl_line, line, CASE WHEN NOT json_valid(line) THEN 'invalid JSON' WHEN NOT (${JSON_OBJECT}) THEN 'not a JSON object' ELSE 'a key is empty or has non-printable characters: it cannot be a column name' END, NULL FROM ${lines} WHERE NOT (${valid})`);
    const keys = (await duck.all<{ k: string }>(`SELECT k FROM (SELECT unnest(json_keys(line)) AS k, __sl_line FROM ${lines} WHERE ${valid}) GROUP BY k ORDER BY min(__sl_line), k`)).map((r) => r.k);
    const cols = keys.map((k) => `json_extract_string(line, ${sqlString(`$."${k.replaceAll('"', '\\"')}"`)}) AS ${sqlIdent(k)}`);
    await duck.run(`CREATE TEMP TABLE ${raw} AS SELECT ${[...cols, "__sl_file", "__sl_line"].join(", ")} FROM ${lines} WHERE ${valid}`);
    return keys;
  } finally {
    await duck.run(`DROP TABLE IF EXISTS ${lines}`);
  }
}

/** Parquet: one read of all files (columns by name); a file DuckDB cannot read is found by reading each alone. */
async function readParquet(duck: Duck, files: ListedFile[], raw: string, temps: string[], unreadable: (file: string, reason: string) => void): Promise<string[]> {
  const probe = `__sl_probe_${seq}`;
  temps.push(probe);
  const read = (paths: string[]) => duck.run(`CREATE TEMP TABLE ${raw} AS SELECT *, NULL::BIGINT AS __sl_line FROM read_parquet(${sqlFileList(paths)}, filename = '__sl_file', union_by_name = true, hive_partitioning = false)`);
  // Reading every column of the file, as the batch does: a footer alone can be fine while a page is not.
  const check = (file: string) => duck.run(`CREATE OR REPLACE TEMP TABLE ${probe} AS SELECT * FROM read_parquet(${sqlFileList([file])}, hive_partitioning = false)`);
  const done = await readSkippingUnreadable(files.map((f) => f.path), read, unreadable, check);
  if (done.files.length === 0) await duck.run(`CREATE TEMP TABLE ${raw} (__sl_file VARCHAR, __sl_line BIGINT)`);
  return (await duck.describe(`SELECT * FROM ${raw}`)).map((c) => c.name).filter((c) => c !== "__sl_file" && c !== "__sl_line");
}
