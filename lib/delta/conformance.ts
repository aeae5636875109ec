/**
 * The conformance harness: runs every case of a directory of golden tables (by default the
 * project's copy, test/fixtures/delta-golden; each case: delta/ and expected/ or EXPECT_ERROR)
 * and compares the latest-version scan with the expected rows as a multiset.
 */
import * as path from "node:path";
import { Duck, sqlString, sqlIdent } from "../duck";
import { StreamlabError, isStreamlabError, messageOf, type ErrorCode } from "../errors";

import { defaultStorage as storage } from "./storage";
import { DeltaTable } from "./table";

export type CaseStatus = "PASS" | "FAIL" | "UNSUPPORTED";

export interface CaseResult {
  name: string;
  status: CaseStatus;
  detail: string;
}

/** The error code an EXPECT_ERROR note describes, from its words. */
export function expectedErrorCode(note: string): ErrorCode | undefined {
  const n = note.toLowerCase();
  if (/reader version|unsupported protocol/.test(n)) return "DELTA_UNSUPPORTED_READER_VERSION";
  if (/no metadata|metadata action/.test(n)) return "DELTA_MISSING_METADATA";
  if (/no protocol|protocol action/.test(n)) return "DELTA_MISSING_PROTOCOL";
  if (/not contiguous/.test(n)) return "DELTA_VERSIONS_NOT_CONTIGUOUS";
  if (/table not found|no _delta_log/.test(n)) return "DELTA_TABLE_NOT_FOUND";
  if (/corrupt/.test(n)) return "DELTA_CORRUPT_COMMIT";
  return undefined;
}

/** Canonical text of a value of DuckDB type `type`, so both sides compare exactly (timestamps as UTC instants). */
function canon(col: string, type: string): string {
  const t = type.toUpperCase();
  if (t.startsWith("TIMESTAMP")) return `CAST(epoch_us(CAST(${col} AS TIMESTAMP)) AS VARCHAR)`;
  if (t.startsWith("DECIMAL")) return `(CASE WHEN CAST(${col} AS VARCHAR) LIKE '%.%' THEN rtrim(rtrim(CAST(${col} AS VARCHAR), '0'), '.') ELSE CAST(${col} AS VARCHAR) END)`;
  if (t === "BLOB") return `hex(${col})`;
  if (t.startsWith("STRUCT") || t.endsWith("[]") || t.startsWith("MAP")) return `CAST(to_json(${col}) AS VARCHAR)`;
  return `CAST(${col} AS VARCHAR)`;
}

export async function runCase(caseDir: string, duck: Duck): Promise<CaseResult> {
  const name = path.basename(caseDir);
  const tablePath = path.join(caseDir, "delta");
  const errorFile = path.join(caseDir, "EXPECT_ERROR");
  if (storage.exists(errorFile)) {
    const note = storage.readText(errorFile).trim();
    const code = expectedErrorCode(note);
    try {
      const rows = await DeltaTable.forPath(tablePath, duck).toRows();
      return { name, status: "FAIL", detail: `expected an error (${note}) but the scan returned ${rows.length} rows` };
    } catch (e) {
      if (!isStreamlabError(e)) return { name, status: "FAIL", detail: `failed without a clear error: ${messageOf(e)}` };
      if (code && e.code !== code) return { name, status: "FAIL", detail: `expected ${code}, got ${e.code}: ${e.message}` };
      return { name, status: "PASS", detail: `${e.code}: ${e.message}` };
    }
  }
  const expectedDir = path.join(caseDir, "expected");
  if (!storage.exists(expectedDir)) return { name, status: "FAIL", detail: "the case has neither expected/ nor EXPECT_ERROR" };
  let scan;
  try {
    scan = await DeltaTable.forPath(tablePath, duck).scan();
  } catch (e) {
    if (isStreamlabError(e, "DELTA_UNSUPPORTED_FEATURE")) return { name, status: "UNSUPPORTED", detail: e.message };
    return { name, status: "FAIL", detail: `reading failed: ${isStreamlabError(e) ? `[${e.code}] ` : ""}${messageOf(e)}` };
  }
  try {
    const expectedFiles = storage.list(expectedDir).map((e) => e.name).filter((f) => f.endsWith(".parquet") && !f.startsWith("."));
    const ours = await duck.describe(scan.sql);
    if (expectedFiles.length === 0) {
      const n = await scan.count();
      return n === 0 ? { name, status: "PASS", detail: "0 rows" } : { name, status: "FAIL", detail: `expected no rows, got ${n}` };
    }
    const expSql = `SELECT * FROM read_parquet([${expectedFiles.map((f) => sqlString(path.join(expectedDir, f))).join(", ")}], hive_partitioning = false)`;
    const theirs = await duck.describe(expSql);
    const a = new Set(ours.map((c) => c.name));
    const b = new Set(theirs.map((c) => c.name));
    const missing = [...b].filter((c) => !a.has(c));
    const extra = [...a].filter((c) => !b.has(c));
    if (missing.length || extra.length) {
      return { name, status: "FAIL", detail: `columns differ: missing ${JSON.stringify(missing)}, unexpected ${JSON.stringify(extra)}` };
    }
    const cols = [...b].sort();
    const proj = (desc: { name: string; type: string }[]) => cols.map((c) => `${canon(sqlIdent(c), desc.find((d) => d.name === c)!.type)} AS ${sqlIdent(c)}`).join(", ");
    const oursC = `SELECT ${proj(ours)} FROM (${scan.sql})`;
    const theirsC = `SELECT ${proj(theirs)} FROM (${expSql})`;
    const onlyOurs = await duck.json(`SELECT * FROM ((${oursC}) EXCEPT ALL (${theirsC})) LIMIT 1`);
    const onlyTheirs = await duck.json(`SELECT * FROM ((${theirsC}) EXCEPT ALL (${oursC})) LIMIT 1`);
    const counts = await duck.all<{ n: bigint; m: bigint }>(`SELECT (SELECT count(*) FROM (${scan.sql})) AS n, (SELECT count(*) FROM (${expSql})) AS m`);
    const { n, m } = counts[0]!;
    if (onlyOurs.length || onlyTheirs.length) {
      const diff = onlyTheirs.length ? `expected row missing: ${JSON.stringify(onlyTheirs[0])}` : `unexpected row: ${JSON.stringify(onlyOurs[0])}`;
      return { name, status: "FAIL", detail: `${n} rows read, ${m} expected; first difference: ${diff}` };
    }
    return { name, status: "PASS", detail: `${n} rows` };
  } catch (e) {
    return { name, status: "FAIL", detail: `${isStreamlabError(e) ? `[${(e as StreamlabError).code}] ` : ""}${messageOf(e)}` };
  } finally {
    await scan.close();
  }
}

/** Where the project keeps its golden tables, relative to the package (found from this file, compiled or not). */
export const GOLDEN_TABLES = path.join("test", "fixtures", "delta-golden");
export const MANIFEST = "MANIFEST.sha256";

export function goldenTablesDir(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, GOLDEN_TABLES);
    if (storage.stat(candidate)?.isDirectory) return candidate;
    if (path.dirname(dir) === dir) return path.join(process.cwd(), GOLDEN_TABLES);
  }
}

/** The case folders a `MANIFEST.sha256` lists (`HASH  ./case/...` lines). */
export function manifestCases(text: string): string[] {
  const cases = new Set<string>();
  for (const line of text.split("\n")) {
    const m = /^[0-9a-f]{64} [ *]\.\/([^/]+)\//.exec(line);
    if (m) cases.add(m[1]!);
  }
  return [...cases].sort();
}

/**
 * Runs every case (sub-folder) of `dir`, printing one line each and `N passed, N failed` last.
 * When the folder has a MANIFEST.sha256, a case it lists but the folder lacks fails too: a
 * partial copy must not pass by running fewer cases.
 */
export async function runConformance(dir: string, log: (line: string) => void = console.log): Promise<{ passed: number; failed: number; results: CaseResult[] }> {
  if (!storage.stat(dir)?.isDirectory) {
    throw new StreamlabError("PATH_NOT_FOUND", `No conformance directory at ${dir}.`, { hint: "Pass the folder that holds the cases: npm run conformance -- DIR." });
  }
  const cases = storage.list(dir).filter((e) => e.isDirectory).map((e) => e.name);
  const manifest = path.join(dir, MANIFEST);
  const missing = storage.exists(manifest) ? manifestCases(storage.readText(manifest)).filter((c) => !cases.includes(c)) : [];
  const duck = await Duck.open();
  const results: CaseResult[] = [];
  for (const name of missing) {
    const r: CaseResult = { name, status: "FAIL", detail: `listed in ${MANIFEST} but missing from ${dir}` };
    results.push(r);
    log(`${r.status.padEnd(11)} ${r.name}: ${r.detail}`);
  }
  try {
    for (const c of cases) {
      const r = await runCase(path.join(dir, c), duck);
      results.push(r);
      log(`${r.status.padEnd(11)} ${r.name}${r.status === "PASS" ? "" : `: ${r.detail}`}`);
    }
  } finally {
    duck.close();
  }
  const passed = results.filter((r) => r.status === "PASS").length;
  const failed = results.length - passed;
  log(`${passed} passed, ${failed} failed`);
  return { passed, failed, results };
}
