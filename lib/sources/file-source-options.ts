/**
 * The file source's options, each declared once with its kind, default and doc: Auto Loader's
 * names (`cloudFiles.` prefix optional, any case) and Spark's CSV names. The source, its types and
 * `streamlab ingest --help` all read this table.
 */
import { StreamlabError } from "../errors";
import type { StructType } from "../delta/schema";
import { defineOptions, globToRegExp, type OptionsInput, type OptionsValues } from "../util/options";

/** The schema option: Spark DDL text, or a Delta struct (checked further when the source is made). */
function schemaOption(v: unknown, name: string): string | StructType {
  if (typeof v === "string") return v;
  if (v && typeof v === "object" && (v as StructType).type === "struct" && Array.isArray((v as StructType).fields)) return v as StructType;
  throw new StreamlabError("INVALID_OPTION", `file source option ${name} must be Spark DDL ("id BIGINT, name STRING") or a struct type, got ${JSON.stringify(v)}.`, { details: { option: name } });
}

const bytes = (s: string) => Buffer.byteLength(s, "utf8");
const newline = (s: string) => /[\r\n]/.test(s);
// DuckDB's CSV reader takes a separator of 1 to 4 bytes and a quote / escape of at most one byte ("" for none).
const separator = (s: string) => (s === "" || bytes(s) > 4 || newline(s) ? "1 to 4 bytes, without line breaks" : undefined);
const oneByte = (s: string) => (bytes(s) > 1 || newline(s) ? 'one single-byte character, or "" for none' : undefined);

/** Checks between options: DuckDB would refuse these only when the first batch runs, or read nonsense. */
function checkTogether(o: { sep: string; quote?: string; escape?: string; pathGlobFilter?: string }): void {
  const quote = o.quote ?? '"';
  const escape = o.escape ?? '"'; // DuckDB's default, whatever the quote
  // A quote character as separator is a mistake in practice (sep="'" read a comma file as one column of NULLs).
  const clash = ([["quote", quote], ["escape", escape], ["quote", '"'], ["quote", "'"]] as const).find(([, c]) => c !== "" && o.sep.includes(c));
  if (clash) {
    const [name, c] = clash;
    throw new StreamlabError("INVALID_OPTION", `file source option sep ${JSON.stringify(o.sep)} contains the ${name} character ${JSON.stringify(c)}: quoted values and fields could not be told apart.`, {
      hint: `Choose another sep${c === quote || c === escape ? `, or set ${name} to another character` : ""}.`,
      details: { option: "sep", value: o.sep },
    });
  }
  if (o.pathGlobFilter !== undefined) globToRegExp(o.pathGlobFilter, "pathGlobFilter");
}

export const FILE_SOURCE_OPTIONS = defineOptions("file source", {
  format: { kind: "enum", values: ["csv", "json", "parquet"], default: "csv", doc: "cloudFiles.format: csv, json (JSON lines) or parquet" },
  schema: { kind: "custom", type: "ddl", parse: schemaOption, doc: 'the schema, as Spark DDL ("event_id STRING, price DECIMAL(10,2)") or a Delta struct; inferred when absent' },
  maxFilesPerTrigger: { kind: "int", default: 1000, doc: "at most this many new files per batch" },
  maxBytesPerTrigger: { kind: "bytes", doc: 'a soft limit on a batch\'s bytes ("10mb", "1g"): a batch always takes at least one file' },
  includeExistingFiles: { kind: "boolean", default: true, doc: "process the files already in the folder when the query first starts" },
  pathGlobFilter: { kind: "string", doc: 'only file names matching this glob, e.g. "*.csv"' },
  recursiveFileLookup: { kind: "boolean", default: true, doc: "look into sub-folders" },
  allowOverwrites: { kind: "boolean", default: false, doc: "re-read a file whose size or modification time changed" },
  // Neither Auto Loader nor Spark has this (they expect files to appear whole, as objects do); see the README.
  fileStableTime: { kind: "duration", doc: 'plan a file only once its size and modification time have not changed for this long ("2s"): for writers that write in place' },
  cleanSource: { kind: "enum", values: ["off", "archive", "delete"], default: "off", doc: "after a batch commits: leave its files, move them to sourceArchiveDir, or delete them" },
  sourceArchiveDir: { kind: "string", doc: 'where cleanSource "archive" moves files (outside the source folder)' },
  useNotifications: { kind: "boolean", default: false, doc: "listen to file-system notifications (periodic listing stays as a backstop)" },
  includeMetadata: { kind: "boolean", default: false, doc: "add the _metadata column (file_path, file_name, file_size, file_modification_time)" },
  header: { kind: "boolean", default: true, doc: "CSV: the first line is a header" },
  sep: { kind: "string", default: ",", check: separator, doc: "CSV: the field separator (1 to 4 bytes)" },
  delimiter: { kind: "alias", of: "sep" },
  quote: { kind: "string", check: oneByte, doc: 'CSV: the quote character (default "; "" for none)' },
  escape: { kind: "string", check: oneByte, doc: 'CSV: the character that escapes a quote inside a quoted value (default "; "" for none)' },
  schemaLocation: { kind: "string", doc: "where the inferred / evolving schema is kept (_schemas/N); default: the checkpoint folder" },
  inferColumnTypes: { kind: "boolean", default: false, doc: "infer column types (numbers, dates, timestamps…) instead of reading every column as a string" },
  schemaHints: { kind: "string", doc: 'override single columns\' types: "price DECIMAL(10,2), event_timestamp TIMESTAMP"' },
  schemaEvolutionMode: { kind: "enum", values: ["addNewColumns", "rescue", "failOnNewColumns", "none"], doc: "what to do with new columns; default addNewColumns when inferring, none with a given schema" },
  rescuedDataColumn: { kind: "string", doc: 'column for values that do not fit their type (and, in rescue mode, unknown columns); default "_rescued_data" when inferring, "" for none' },
  mode: { kind: "enum", values: ["PERMISSIVE", "DROPMALFORMED", "FAILFAST"], default: "PERMISSIVE", doc: "malformed records: quarantined to badRecordsPath, dropped, or the query stops" },
  badRecordsPath: { kind: "string", doc: "quarantine folder for malformed records; default data/error/<query name>" },
  ignoreCorruptFiles: { kind: "boolean", default: false, doc: "go on past files that cannot be read even in FAILFAST mode (PERMISSIVE and DROPMALFORMED always do: one bad record per file)" },
  ignoreMissingFiles: { kind: "boolean", default: false, doc: "skip files deleted after they were planned into a batch, instead of stopping the query" },
  "schemaInference.sampleSize.numFiles": { kind: "int", default: 1000, doc: "inference sample: how many of the first files" },
  "schemaInference.sampleSize.numBytes": { kind: "bytes", default: "50gb", doc: "inference sample: how many bytes of the first files" },
  sampleSize: { kind: "alias", of: "schemaInference.sampleSize.numFiles" },
}, { check: checkTogether });

/** The options as a caller passes them to readStream.files(...). */
export type FileSourceOptions = OptionsInput<typeof FILE_SOURCE_OPTIONS.defs>;
/** The options after validation, with defaults applied. */
export type FileSourceSettings = OptionsValues<typeof FILE_SOURCE_OPTIONS.defs>;
export type FileFormat = FileSourceSettings["format"];
export type ParseMode = FileSourceSettings["mode"];
export type EvolutionMode = NonNullable<FileSourceSettings["schemaEvolutionMode"]>;

/** Auto Loader's default: addNewColumns when the schema is inferred, none when it is given. */
export function evolutionMode(settings: Pick<FileSourceSettings, "schema" | "schemaEvolutionMode">): EvolutionMode {
  return settings.schemaEvolutionMode ?? (settings.schema ? "none" : "addNewColumns");
}
