/**
 * A Delta table by path: the entry point for reading (snapshots, scans, time travel, history) and
 * for writes and operations — each loaded when first used, so a command that only reads starts fast.
 */
import * as path from "node:path";
import { duck as sharedDuck, type Duck, type Row } from "../duck";
import type { DataInput } from "../sql-input";
import { commitRange, type CommitEntry } from "./commit-range";
import type { CreateTableOptions } from "./create";
import { history, type HistoryEntry } from "./history";
import type { DeleteResult } from "./operations/delete";
import type { MergeOptions, MergeResult } from "./operations/merge";
import type { OptimizeOptions, OptimizeResult } from "./operations/optimize";
import type { RestoreResult } from "./operations/restore";
import type { UpdateResult } from "./operations/update";
import type { VacuumOptions, VacuumResult } from "./operations/vacuum";
import { planScan, type DeltaScan, type ScanOptions } from "./scan";
import type { StructType } from "./schema";
import { Snapshot, type SnapshotOptions } from "./snapshot";
import type { WriteOptions, WriteResult } from "./write";

export interface ReadOptions extends ScanOptions, Omit<SnapshotOptions, "duck"> {}

export class DeltaTable {
  readonly path: string;
  constructor(tablePath: string, readonly duckSession?: Duck) {
    this.path = path.resolve(tablePath);
  }

  static forPath(tablePath: string, duck?: Duck): DeltaTable {
    return new DeltaTable(tablePath, duck);
  }

  /**
   * Creates an empty table (version 0) with `schema` (Spark DDL such as "id BIGINT NOT NULL,
   * name STRING", or a Delta struct). Throws DELTA_TABLE_ALREADY_EXISTS when one is there,
   * unless `ifNotExists`.
   */
  static async create(tablePath: string, schema: string | StructType, options: CreateTableOptions = {}): Promise<DeltaTable> {
    const { createTable } = await import("./create.js");
    await createTable(tablePath, schema, options);
    return new DeltaTable(tablePath, options.duck);
  }

  async duck(): Promise<Duck> {
    return this.duckSession ?? sharedDuck();
  }

  /** The table at its latest version, or at `version` / `timestamp`. */
  async snapshot(options: Omit<SnapshotOptions, "duck"> = {}): Promise<Snapshot> {
    return Snapshot.load(this.path, { ...options, duck: this.duck() });
  }

  /** Plans a scan: `.sql` for DuckDB, `.rows()`, `.createView(name)`, `.arquero()`. */
  async scan(options: ReadOptions = {}): Promise<DeltaScan> {
    // DuckDB opens while the log is read: it is needed for the checkpoint, then for the scan.
    const duck = this.duck();
    const snap = await Snapshot.load(this.path, { version: options.version, timestamp: options.timestamp, duck });
    return planScan(snap, await duck, options);
  }

  /** All rows (small tables; use scan().createView() for big ones). */
  async toRows<T extends Row = Row>(options: ReadOptions & { limit?: number } = {}): Promise<T[]> {
    const s = await this.scan(options);
    try {
      return await s.rows<T>(options.limit);
    } finally {
      await s.close();
    }
  }

  /** The number of rows (at the latest version, or `version` / `timestamp`), counted by DuckDB. */
  async count(options: ReadOptions = {}): Promise<number> {
    const s = await this.scan(options);
    try {
      return await s.count();
    } finally {
      await s.close();
    }
  }

  history(limit?: number): HistoryEntry[] {
    return history(this.path, limit);
  }

  /**
   * The commits from `fromVersion` to `toVersion` (default: the latest), oldest first, each
   * read once: its commitInfo (timestamp, operation, parameters, metrics) and its actions (adds,
   * removes, cdc files, metadata and protocol changes).
   */
  changes(fromVersion: number, toVersion?: number): CommitEntry[] {
    return commitRange(this.path, fromVersion, toVersion);
  }

  /** Appends (or overwrites, creates…) rows from a query, a view, a file or an array of rows. */
  async write(input: DataInput, options: WriteOptions = {}): Promise<WriteResult> {
    const { writeDelta } = await import("./write.js");
    return writeDelta(this.path, input, { duck: await this.duck(), ...options });
  }

  async delete(predicate?: string): Promise<DeleteResult> {
    const duck = await this.duck();
    const { deleteWhere } = await import("./operations/delete.js");
    return deleteWhere(await Snapshot.load(this.path, { duck }), duck, predicate);
  }

  /** `set` maps columns to SQL expressions, e.g. { price: "price * 0.9" }. */
  async update(set: Record<string, string>, predicate?: string): Promise<UpdateResult> {
    const duck = await this.duck();
    const { updateWhere } = await import("./operations/update.js");
    return updateWhere(await Snapshot.load(this.path, { duck }), duck, set, predicate);
  }

  /** MERGE: the target is `t`, the source `s` in `on` and the clauses. */
  async merge(options: MergeOptions): Promise<MergeResult> {
    const duck = await this.duck();
    const { merge } = await import("./operations/merge.js");
    return merge(await Snapshot.load(this.path, { duck }), duck, options);
  }

  async optimize(options: OptimizeOptions = {}): Promise<OptimizeResult> {
    const duck = await this.duck();
    const { optimize } = await import("./operations/optimize.js");
    return optimize(await Snapshot.load(this.path, { duck }), duck, options);
  }

  async vacuum(options: VacuumOptions = {}): Promise<VacuumResult> {
    const duck = await this.duck();
    const { vacuum } = await import("./operations/vacuum.js");
    return vacuum(await Snapshot.load(this.path, { duck }), options);
  }

  async restore(to: { version?: number; timestamp?: Date | string | number }): Promise<RestoreResult> {
    const duck = await this.duck();
    const { restore } = await import("./operations/restore.js");
    return restore(await Snapshot.load(this.path, { duck }), duck, to);
  }

  /** The Change Data Feed between two versions (inclusive). */
  async readChanges(fromVersion: number, toVersion?: number): Promise<DeltaScan> {
    const { readChanges } = await import("./table-changes.js");
    return readChanges(this.path, await this.duck(), fromVersion, toVersion);
  }
}
