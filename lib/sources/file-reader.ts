/**
 * Reads one batch of landed files into DuckDB the way Auto Loader does: every value first as
 * text, then cast to the schema's types. A value that does not fit its type is never silently
 * NULL: it goes to the rescued-data column (as JSON, with its column name and the source file),
 * or — without one — the row is a bad record. Rows that cannot be parsed at all (wrong field count,
 * broken quoting, invalid JSON) are bad records: quarantined (PERMISSIVE), dropped
 * (DROPMALFORMED) or fatal (FAILFAST). Data stays in DuckDB throughout.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Duck } from "../duck";
import { sqlIdent, sqlString } from "../duck";
import { StreamlabError } from "../errors";
import { duckType, isArray, isMap, isStruct, type StructField, type StructType } from "../delta/schema";
import { sqlFileList, type ListedFile } from "../util/file-listing";
import { csvHeader } from "./schema-inference";

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
}

export interface ReadResult {
  numRows: number;
  numMalformed: number;
  numRescued: number;
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
 * row is produced (it throws to stop the query for schema evolution).
 */
export async function readBatch(duck: Duck, files: ListedFile[], into: string, settings: ReadSettings, batchId: number, onNewColumns: (cols: string[]) => void): Promise<ReadResult> {
  const id = ++seq;
  const raw = `__sl_raw_${id}`;
  const bad = `__sl_bad_${id}`;
  const temps = [raw, bad];
  const { schema } = settings;
  try {
    await duck.run(`CREATE TEMP TABLE ${bad} (file VARCHAR, line BIGINT, record VARCHAR, reason VARCHAR)`);
    let columns: string[];
    // Without a rescued-data column, DuckDB parses CSV values straight into the schema's types and
    // rejects (with file and line) what does not fit: one pass, and the bad rows keep their line numbers.
    let native = settings.format === "csv" && !settings.rescuedDataColumn;
    if (settings.format === "csv") columns = await readCsv(duck, files, raw, bad, settings, temps, native);
    else if (settings.format === "json") columns = await readJson(duck, files, raw, bad);
    else {
      native = true;
      await duck.run(`CREATE TEMP TABLE ${raw} AS SELECT *, filename AS __file, NULL::BIGINT AS __line FROM read_parquet(${sqlFileList(files.map((f) => f.path))}, filename = true, union_by_name = true, hive_partitioning = false)`);
      columns = (await duck.describe(`SELECT * FROM ${raw}`)).map((c) => c.name).filter((c) => c !== "__file" && c !== "__line" && c !== "filename");
    }
    const known = new Map(schema.fields.map((f) => [f.name.toLowerCase(), f]));
    const rescueName = settings.rescuedDataColumn?.toLowerCase();
    const extra = columns.filter((c) => !known.has(c.toLowerCase()) && c.toLowerCase() !== rescueName);
    if (extra.length > 0) onNewColumns(extra);

    // Per column: the typed value, and whether a present value failed to fit the type.
    const rawOf = (f: StructField) => columns.find((c) => c.toLowerCase() === f.name.toLowerCase());
    const typed = schema.fields.map((f) => {
      const r = rawOf(f);
      return { f, r, expr: r === undefined ? `CAST(NULL AS ${duckType(f.type)})` : typedExpr(sqlIdent(r), f, native) };
    });
    const mismatch = typed.filter((x) => !native && x.r !== undefined && x.f.type !== "string").map((x) => ({ name: x.f.name, cond: `(${sqlIdent(x.r!)} IS NOT NULL AND ${x.expr} IS NULL)`, raw: sqlIdent(x.r!) }));
    const rescueExtras = settings.rescuedDataColumn && (settings.evolution === "rescue" || settings.evolution === "none") ? extra : [];
    const anyMismatch = mismatch.length ? mismatch.map((m) => m.cond).join(" OR ") : "false";

    if (!settings.rescuedDataColumn && mismatch.length > 0) {
      // No rescued-data column: a value that does not fit is a bad record, never a silent NULL.
      const reasons = mismatch.map((m) => `CASE WHEN ${m.cond} THEN ${sqlString(`${m.name}: `)} || ${m.raw} || ${sqlString(` is not a ${duckType(schema.fields.find((f) => f.name === m.name)!.type)}`)} END`).join(", ");
      await duck.run(`INSERT INTO ${bad} SELECT __file, __line, to_json(struct_pack(${columns.map((c) => `${sqlIdent(c)} := ${sqlIdent(c)}`).join(", ")}))::VARCHAR, concat_ws('; ', ${reasons}) FROM ${raw} WHERE ${anyMismatch}`);
    }

    let rescued = "";
    if (settings.rescuedDataColumn) {
      const pairs = [...mismatch.map((m) => `${sqlString(m.name)}, CASE WHEN ${m.cond} THEN ${m.raw} END`), ...rescueExtras.map((c) => `${sqlString(c)}, ${sqlIdent(c)}`)];
      const obj = pairs.length ? `json_merge_patch('{}', json_object(${pairs.join(", ")}))` : `'{}'::JSON`;
      rescued = `, CASE WHEN (${obj})::VARCHAR <> '{}' THEN json_merge_patch(${obj}, json_object('_file_path', __file))::VARCHAR END AS ${sqlIdent(settings.rescuedDataColumn)}`;
    }
    const where = !settings.rescuedDataColumn && mismatch.length ? ` WHERE NOT (${anyMismatch})` : "";
    let select = `SELECT ${typed.map((x) => `${x.expr} AS ${sqlIdent(x.f.name)}`).join(", ")}${rescued}, __file FROM ${raw}${where}`;
    if (settings.includeMetadata) {
      // The name from node:path: DuckDB's parse_filename also splits at backslashes, which are legal in POSIX names.
      const info = files.map((f) => `(${sqlString(f.path)}, ${sqlString(path.basename(f.path))}, ${f.size}::BIGINT, epoch_ms(${f.modificationTime})::TIMESTAMPTZ)`).join(", ");
      select = `SELECT s.* EXCLUDE (__file), struct_pack(file_path := s.__file, file_name := m.name, file_size := m.size, file_modification_time := m.mtime) AS _metadata FROM (${select}) s JOIN (VALUES ${info}) AS m(path, name, size, mtime) ON s.__file = m.path`;
    } else select = `SELECT * EXCLUDE (__file) FROM (${select})`;

    const numMalformed = Number(await duck.value(`SELECT count(*) FROM ${bad}`));
    if (numMalformed > 0 && settings.mode === "FAILFAST") {
      const first = (await duck.all<{ file: string; line: bigint | null; reason: string }>(`SELECT * FROM ${bad} ORDER BY file, line LIMIT 1`))[0]!;
      throw new StreamlabError("MALFORMED_RECORD", `Malformed record in ${first.file}${first.line !== null ? `, line ${first.line}` : ""}: ${first.reason} (mode FAILFAST, ${numMalformed} bad record${numMalformed === 1 ? "" : "s"} in this batch).`, {
        hint: 'Fix the file, or read with mode "PERMISSIVE" (bad records go to badRecordsPath) or "DROPMALFORMED".',
        details: { file: first.file, line: first.line === null ? null : Number(first.line) },
      });
    }
    let badRecordsFile: string | undefined;
    if (numMalformed > 0 && settings.mode === "PERMISSIVE" && settings.badRecordsPath) {
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
      await duck.run(`ALTER TABLE ${raw} DROP COLUMN __file`);
      await duck.run(`ALTER TABLE ${raw} DROP COLUMN __line`);
      await duck.run(`DROP TABLE IF EXISTS ${into}`);
      await duck.run(`ALTER TABLE ${raw} RENAME TO ${into}`);
    } else await duck.run(`CREATE OR REPLACE TEMP TABLE ${into} AS ${select}`);
    const numRows = Number(await duck.value(`SELECT count(*) FROM ${into}`));
    const numRescued = settings.rescuedDataColumn ? Number(await duck.value(`SELECT count(*) FROM ${into} WHERE ${sqlIdent(settings.rescuedDataColumn)} IS NOT NULL`)) : 0;
    return { numRows, numMalformed, numRescued, badRecordsFile };
  } finally {
    for (const t of temps) await duck.run(`DROP TABLE IF EXISTS ${t}`).catch(() => {});
  }
}

/** CSV: files grouped by header; DuckDB's rejects tables catch rows with the wrong shape. */
async function readCsv(duck: Duck, files: ListedFile[], raw: string, bad: string, s: ReadSettings, temps: string[], typed: boolean): Promise<string[]> {
  const typeOf = (name: string) => {
    const f = typed ? s.schema.fields.find((x) => x.name.toLowerCase() === name.toLowerCase()) : undefined;
    return f ? duckType(f.type) : "VARCHAR";
  };
  const groups = new Map<string, { header: string[]; files: string[] }>();
  for (const f of files) {
    const header = s.header ? csvHeader(f.path, s.sep) : s.schema.fields.map((x) => x.name);
    const key = JSON.stringify(header);
    const g = groups.get(key) ?? { header, files: [] };
    g.files.push(f.path);
    groups.set(key, g);
  }
  const all: string[] = [];
  for (const g of groups.values()) for (const h of g.header) if (!all.some((a) => a.toLowerCase() === h.toLowerCase())) all.push(h);
  await duck.run(`CREATE TEMP TABLE ${raw} (${[...all.map((c) => `${sqlIdent(c)} ${typeOf(c)}`), "__file VARCHAR", "__line BIGINT"].join(", ")})`);
  let g = 0;
  for (const group of groups.values()) {
    const rej = `__sl_rej_${seq}_${g}`;
    const scan = `__sl_scan_${seq}_${g++}`;
    temps.push(rej, scan);
    const columns = `{${group.header.map((h) => `${sqlString(h)}: ${sqlString(typeOf(h))}`).join(", ")}}`;
    const opts = `header = ${s.header}, delim = ${sqlString(s.sep)}${s.quote !== undefined ? `, quote = ${sqlString(s.quote)}` : ""}${s.escape !== undefined ? `, escape = ${sqlString(s.escape)}` : ""}, columns = ${columns}, auto_detect = false, store_rejects = true, rejects_table = '${rej}', rejects_scan = '${scan}', filename = true, null_padding = false, hive_partitioning = false`;
    await duck.run(`INSERT INTO ${raw} BY NAME SELECT * EXCLUDE (filename), filename AS __file FROM read_csv(${sqlFileList(group.files)}, ${opts})`);
    // One bad record per line, even when DuckDB reports several errors for it.
    await duck.run(`INSERT INTO ${bad} SELECT s.file_path, r.line, rtrim(any_value(r.csv_line), chr(10)), string_agg(DISTINCT r.error_type || ': ' || r.error_message, '; ') FROM ${rej} r JOIN ${scan} s USING (scan_id, file_id) GROUP BY s.file_path, r.line`);
  }
  return all;
}

/** JSON lines: every line kept with its number; invalid JSON and non-objects are bad records. */
async function readJson(duck: Duck, files: ListedFile[], raw: string, bad: string): Promise<string[]> {
  const lines = `__sl_lines_${seq}`;
  await duck.run(`CREATE TEMP TABLE ${lines} AS SELECT filename AS __file, idx AS __line, rtrim(line, chr(13)) AS line FROM (SELECT filename, unnest(string_split(content, chr(10))) AS line, generate_subscripts(string_split(content, chr(10)), 1) AS idx FROM read_text(${sqlFileList(files.map((f) => f.path))})) WHERE trim(line) <> ''`);
  try {
    const valid = `json_valid(line) AND (CASE WHEN json_valid(line) THEN json_type(line) END) = 'OBJECT'`;
    await duck.run(`INSERT INTO ${bad} SELECT __file, __line, line, CASE WHEN json_valid(line) THEN 'not a JSON object' ELSE 'invalid JSON' END FROM ${lines} WHERE NOT (${valid})`);
    const keys = (await duck.all<{ k: string }>(`SELECT k FROM (SELECT unnest(json_keys(line)) AS k, __line FROM ${lines} WHERE ${valid}) GROUP BY k ORDER BY min(__line), k`)).map((r) => r.k);
    const cols = keys.map((k) => `json_extract_string(line, ${sqlString(`$."${k.replaceAll('"', '\\"')}"`)}) AS ${sqlIdent(k)}`);
    await duck.run(`CREATE TEMP TABLE ${raw} AS SELECT ${[...cols, "__file", "__line"].join(", ")} FROM ${lines} WHERE ${valid}`);
    return keys;
  } finally {
    await duck.run(`DROP TABLE IF EXISTS ${lines}`);
  }
}
