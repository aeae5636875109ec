/**
 * StateStore: a stateful operator's keyed rows, versioned by batch, as Spark's HDFS-backed store
 * keeps them under `checkpoint/state/<operatorId>/<partition>/`: batch b loads version b and
 * commits version b + 1 as a delta file (the rows put and the keys removed in that batch), with a
 * full snapshot every `snapshotInterval` versions. The rows live in a DuckDB table — in memory
 * while the query runs (DuckDB spills to disk past its memory limit), in Parquet on disk between
 * runs — never in JavaScript objects, so state may outgrow the JavaScript heap.
 *
 * Exactly-once: a re-run of batch b (after a crash before `commits/b`) loads version b again and
 * rewrites `b+1.delta.parquet` with the same content; a version is never read past the last
 * committed batch, so a delta file left by a crashed run is simply replaced.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { sqlIdent, sqlString, type Duck } from "../duck";
import { StreamlabError } from "../errors";
import { faultPoint } from "../util/fault";

export interface StateStoreOptions {
  /** The key columns: a row per distinct key. */
  keyColumns: string[];
  /** The columns and DuckDB types of a state row (keys first), e.g. [["word","VARCHAR"],["count","BIGINT"]]. */
  columns: [name: string, type: string][];
  /** A full snapshot every N versions (Spark: minDeltasForSnapshot = 10). */
  snapshotInterval?: number;
  /** Versions kept on disk (Spark: minBatchesToRetain = 100). */
  retainVersions?: number;
}

export interface StateStoreMetrics {
  numRowsTotal: number;
  numRowsUpdated: number;
  numRowsRemoved: number;
  memoryUsedBytes: number;
  commitTimeMs: number;
}

let storeCounter = 0;

const DELTA = /^(\d+)\.delta\.parquet$/;
const SNAPSHOT = /^(\d+)\.snapshot\.parquet$/;

/** The versions of the state store in `dir` (checkpoint/state/<id>/0) that have a delta file, and a snapshot file, ascending. */
export function stateFilesOnDisk(dir: string): { deltas: number[]; snapshots: number[] } {
  const deltas: number[] = [];
  const snapshots: number[] = [];
  for (const name of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
    const d = DELTA.exec(name);
    if (d) deltas.push(Number(d[1]));
    const s = SNAPSHOT.exec(name);
    if (s) snapshots.push(Number(s[1]));
  }
  return { deltas: deltas.sort((a, b) => a - b), snapshots: snapshots.sort((a, b) => a - b) };
}

export class StateStore {
  /** The DuckDB table holding the current version's rows. */
  readonly table: string;
  private readonly puts: string;
  private readonly removes: string;
  version = 0;
  private updated = 0;
  private removed = 0;
  private readonly keys: string[];
  private readonly snapshotInterval: number;
  private readonly retain: number;
  /** Average bytes of a row, from a sample (memoryUsedBytes = rows × this). */
  private rowWidth?: number;

  constructor(
    private readonly duck: Duck,
    /** checkpoint/state/<operatorId>/0 */
    readonly dir: string,
    readonly options: StateStoreOptions,
  ) {
    const id = ++storeCounter;
    this.table = `__sl_state_${id}`;
    this.puts = `__sl_state_${id}_puts`;
    this.removes = `__sl_state_${id}_removes`;
    this.keys = options.keyColumns;
    this.snapshotInterval = options.snapshotInterval ?? 10;
    this.retain = options.retainVersions ?? 100;
    if (this.keys.length === 0) throw new StreamlabError("INVALID_ARGUMENT", "A state store needs at least one key column.");
  }

  private get columnDdl(): string {
    return this.options.columns.map(([n, t]) => `${sqlIdent(n)} ${t}`).join(", ");
  }

  private get keyDdl(): string {
    return this.options.columns.filter(([n]) => this.keys.includes(n)).map(([n, t]) => `${sqlIdent(n)} ${t}`).join(", ");
  }

  /** `a.k1 IS NOT DISTINCT FROM b.k1 AND …`: keys may be NULL or structs (windows). */
  keyMatch(a: string, b: string): string {
    return this.keys.map((k) => `${a}.${sqlIdent(k)} IS NOT DISTINCT FROM ${b}.${sqlIdent(k)}`).join(" AND ");
  }

  private file(version: number, kind: "delta" | "snapshot"): string {
    return path.join(this.dir, `${version}.${kind}.parquet`);
  }

  /** The versions on disk: deltas and snapshots. */
  private onDisk(): { deltas: Set<number>; snapshots: number[] } {
    const { deltas, snapshots } = stateFilesOnDisk(this.dir);
    return { deltas: new Set(deltas), snapshots };
  }

  /**
   * Loads `version` (0 = empty): the newest snapshot at or before it, then every delta after the
   * snapshot. A missing delta is a damaged checkpoint, never silently an empty state.
   */
  async load(version: number): Promise<void> {
    fs.mkdirSync(this.dir, { recursive: true });
    await this.duck.run(`CREATE OR REPLACE TEMP TABLE ${this.table} (${this.columnDdl})`);
    const { deltas, snapshots } = this.onDisk();
    const base = snapshots.filter((s) => s <= version).at(-1) ?? 0;
    if (base > 0) await this.duck.run(`INSERT INTO ${this.table} SELECT ${this.columnList()} FROM read_parquet(${sqlString(this.file(base, "snapshot"))})`);
    for (let v = base + 1; v <= version; v++) {
      if (!deltas.has(v)) {
        throw new StreamlabError("STREAM_CHECKPOINT_CORRUPT", `The state store ${this.dir} has no version ${v} (${path.basename(this.file(v, "delta"))}), needed to restore version ${version}.`, {
          hint: "The checkpoint's state folder is damaged: restore the checkpoint folder, or start the query with a new checkpointLocation.",
          details: { file: this.file(v, "delta"), version },
        });
      }
      await this.applyDelta(this.file(v, "delta"));
    }
    this.version = version;
    await this.begin();
  }

  private columnList(prefix = ""): string {
    return this.options.columns.map(([n]) => `${prefix}${sqlIdent(n)}`).join(", ");
  }

  private async applyDelta(file: string): Promise<void> {
    const d = `${this.table}_load`;
    try {
      await this.duck.run(`CREATE OR REPLACE TEMP TABLE ${d} AS SELECT * FROM read_parquet(${sqlString(file)})`);
    } catch (e) {
      throw new StreamlabError("STREAM_CHECKPOINT_CORRUPT", `The state file ${file} cannot be read.`, { hint: "Restore the checkpoint folder, or start the query with a new checkpointLocation.", cause: e, details: { file } });
    }
    await this.duck.run(`DELETE FROM ${this.table} s USING ${d} d WHERE ${this.keyMatch("s", "d")}`);
    await this.duck.run(`INSERT INTO ${this.table} SELECT ${this.columnList()} FROM ${d} WHERE NOT __removed`);
    await this.duck.run(`DROP TABLE ${d}`);
  }

  /** Starts a batch's changes: puts and removes are recorded for the next delta file. */
  private async begin(): Promise<void> {
    await this.duck.run(`CREATE OR REPLACE TEMP TABLE ${this.puts} (${this.columnDdl})`);
    await this.duck.run(`CREATE OR REPLACE TEMP TABLE ${this.removes} (${this.keyDdl})`);
    this.updated = 0;
    this.removed = 0;
  }

  /** Puts the rows of `sql` (full state rows, one per key): replaces the keys' rows. */
  async put(sql: string): Promise<number> {
    const tmp = `${this.table}_put`;
    await this.duck.run(`CREATE OR REPLACE TEMP TABLE ${tmp} AS SELECT ${this.columnList()} FROM (${sql})`);
    try {
      return await this.putTable(tmp);
    } finally {
      await this.duck.run(`DROP TABLE ${tmp}`);
    }
  }

  /** put() of the rows of a table (one per key, with the store's columns by name), read in place. */
  async putTable(table: string): Promise<number> {
    const cols = this.columnList();
    await this.duck.run(`DELETE FROM ${this.table} s USING ${table} d WHERE ${this.keyMatch("s", "d")}`);
    const n = Number(await this.duck.value(`INSERT INTO ${this.table} (${cols}) SELECT ${cols} FROM ${table}`));
    if (n > 0) {
      // The delta file holds each key once: a put replaces this batch's earlier put or remove of
      // it. Until the batch has put (removed) a row, there is none to replace — skip the join.
      if (this.updated > 0) await this.duck.run(`DELETE FROM ${this.puts} s USING ${table} d WHERE ${this.keyMatch("s", "d")}`);
      await this.duck.run(`INSERT INTO ${this.puts} (${cols}) SELECT ${cols} FROM ${table}`);
      if (this.removed > 0) await this.duck.run(`DELETE FROM ${this.removes} s USING ${table} d WHERE ${this.keyMatch("s", "d")}`);
    }
    this.updated += n;
    return n;
  }

  /**
   * Removes the rows matching `predicate` (SQL over the state's columns, the row named `s`);
   * returns them as a temp table for output, and their count.
   */
  async removeWhere(predicate: string, into?: string): Promise<number> {
    const gone = into ?? `${this.table}_gone`;
    const n = Number(await this.duck.value(`CREATE OR REPLACE TEMP TABLE ${gone} AS SELECT * FROM ${this.table} s WHERE ${predicate}`));
    if (n > 0) {
      await this.duck.run(`DELETE FROM ${this.table} s WHERE ${predicate}`);
      // This batch's puts are copies of state rows, so the same predicate finds those just removed — no join with them.
      if (this.updated > 0) await this.duck.run(`DELETE FROM ${this.puts} s WHERE ${predicate}`);
      await this.duck.run(`INSERT INTO ${this.removes} SELECT ${this.keys.map(sqlIdent).join(", ")} FROM ${gone}`);
    }
    if (!into) await this.duck.run(`DROP TABLE ${gone}`);
    this.removed += n;
    return n;
  }

  /**
   * Commits version `version` (= batch id + 1): the batch's puts and removes as one delta file,
   * written whole under a temporary name and renamed; a snapshot every `snapshotInterval` versions.
   */
  async commit(version: number): Promise<StateStoreMetrics> {
    const started = performance.now();
    const target = this.file(version, "delta");
    const tmp = path.join(this.dir, `.${version}.delta.${process.pid}.${crypto.randomUUID()}.tmp`);
    const keyNulls = this.options.columns.filter(([n]) => !this.keys.includes(n)).map(([n, t]) => `NULL::${t} AS ${sqlIdent(n)}`);
    const removedRows = `SELECT ${[...this.keys.map(sqlIdent), ...keyNulls].join(", ")}, true AS __removed FROM ${this.removes}`;
    try {
      await this.duck.run(`COPY (SELECT ${this.columnList()}, false AS __removed FROM ${this.puts} UNION ALL BY NAME ${removedRows}) TO ${sqlString(tmp)} (FORMAT parquet)`);
      fs.renameSync(tmp, target);
      // A crash here leaves version `version` on disk without its snapshot, and (with several
      // operators) the operators after this one without theirs: the re-run rewrites both.
      faultPoint("stateStore.afterDelta", version - 1);
      if (version % this.snapshotInterval === 0) {
        const stmp = `${tmp}.snapshot`;
        await this.duck.run(`COPY (SELECT * FROM ${this.table}) TO ${sqlString(stmp)} (FORMAT parquet)`);
        fs.renameSync(stmp, this.file(version, "snapshot"));
      }
    } finally {
      fs.rmSync(tmp, { force: true });
      fs.rmSync(`${tmp}.snapshot`, { force: true });
    }
    this.cleanup(version);
    const metrics = await this.metrics();
    const out = { ...metrics, numRowsUpdated: this.updated, numRowsRemoved: this.removed, commitTimeMs: Math.round(performance.now() - started) };
    this.version = version;
    await this.begin();
    return out;
  }

  /**
   * Rows now, and an estimate of the bytes they hold: the row count times the average width of a
   * sample of up to 1,000 rows (values as DuckDB writes them; DuckDB itself reports no per-table size).
   */
  async metrics(): Promise<StateStoreMetrics> {
    // The sampled width changes slowly: measured again with each snapshot (or while there is none).
    const sample = this.rowWidth === undefined || this.rowWidth === 0 || this.version % this.snapshotInterval === 0;
    const width = sample ? `(SELECT avg(strlen(CAST(s AS VARCHAR))) FROM (SELECT * FROM ${this.table} USING SAMPLE 1000 ROWS) s)` : "NULL";
    const [m] = await this.duck.all<{ n: bigint; w: number | null }>(`SELECT (SELECT count(*) FROM ${this.table}) AS n, ${width} AS w`);
    if (sample) this.rowWidth = Number(m!.w ?? 0);
    const numRowsTotal = Number(m!.n);
    return { numRowsTotal, numRowsUpdated: this.updated, numRowsRemoved: this.removed, memoryUsedBytes: Math.round(numRowsTotal * (this.rowWidth ?? 0)), commitTimeMs: 0 };
  }

  /** Drops versions older than the retained window, once a snapshot makes them unnecessary. */
  private cleanup(version: number): void {
    const { deltas, snapshots } = this.onDisk();
    const keepFrom = version - this.retain;
    // The newest snapshot at or before keepFrom: everything before it can go.
    const base = snapshots.filter((s) => s <= keepFrom).at(-1);
    if (base === undefined) return;
    for (const v of deltas) if (v <= base) fs.rmSync(this.file(v, "delta"), { force: true });
    for (const s of snapshots) if (s < base) fs.rmSync(this.file(s, "snapshot"), { force: true });
  }

  /** The versions that can be restored (for checkpoint inspection). */
  versions(): number[] {
    const { deltas, snapshots } = this.onDisk();
    return [...new Set([...deltas, ...snapshots])].sort((a, b) => a - b);
  }


  async close(): Promise<void> {
    for (const t of [this.table, this.puts, this.removes]) await this.duck.run(`DROP TABLE IF EXISTS ${t}`).catch(() => {});
  }
}
