/** A Delta table by path: the entry point for reading (snapshots, scans, time travel, history). */
import * as path from "node:path";
import { duck as sharedDuck, type Duck, type Row } from "../duck";
import { history, type HistoryEntry } from "./history";
import { planScan, type DeltaScan, type ScanOptions } from "./scan";
import { Snapshot, type SnapshotOptions } from "./snapshot";

export interface ReadOptions extends ScanOptions, Omit<SnapshotOptions, "duck"> {}

export class DeltaTable {
  readonly path: string;
  constructor(tablePath: string, readonly duckSession?: Duck) {
    this.path = path.resolve(tablePath);
  }

  static forPath(tablePath: string, duck?: Duck): DeltaTable {
    return new DeltaTable(tablePath, duck);
  }

  async duck(): Promise<Duck> {
    return this.duckSession ?? sharedDuck();
  }

  /** The table at its latest version, or at `version` / `timestamp`. */
  async snapshot(options: Omit<SnapshotOptions, "duck"> = {}): Promise<Snapshot> {
    return Snapshot.load(this.path, { ...options, duck: await this.duck() });
  }

  /** Plans a scan: `.sql` for DuckDB, `.rows()`, `.createView(name)`, `.arquero()`. */
  async scan(options: ReadOptions = {}): Promise<DeltaScan> {
    const duck = await this.duck();
    const snap = await Snapshot.load(this.path, { version: options.version, timestamp: options.timestamp, duck });
    return planScan(snap, duck, options);
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

  history(limit?: number): HistoryEntry[] {
    return history(this.path, limit);
  }
}
