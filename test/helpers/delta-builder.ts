/** Builds small Delta tables by hand for reader tests: Parquet files written by DuckDB, commits written as JSON lines. */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Duck } from "../../lib/duck";
import { sqlString } from "../../lib/duck";
import type { Action, AddFile } from "../../lib/delta/actions";
import { encodeDataPath } from "../../lib/delta/storage";

export const PROTOCOL_V1: Action = { protocol: { minReaderVersion: 1, minWriterVersion: 2 } };

export function metadata(fields: { name: string; type: unknown }[], partitionColumns: string[] = [], configuration: Record<string, string> = {}): Action {
  return {
    metaData: {
      id: "test-table",
      format: { provider: "parquet", options: {} },
      schemaString: JSON.stringify({ type: "struct", fields: fields.map((f) => ({ nullable: true, metadata: {}, ...f })) }),
      partitionColumns,
      configuration,
      createdTime: 0,
    },
  };
}

export class TableBuilder {
  constructor(readonly root: string, readonly duck: Duck) {
    fs.mkdirSync(path.join(root, "_delta_log"), { recursive: true });
  }

  /** Writes `select` as a Parquet file at `rel` (under the table root) and returns its add action. */
  async add(rel: string, select: string, partitionValues: Record<string, string | null> = {}, stats?: object): Promise<AddFile> {
    const file = path.join(this.root, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    await this.duck.run(`COPY (${select}) TO ${sqlString(file)} (FORMAT parquet)`);
    const n = Number(await this.duck.value(`SELECT count(*) FROM read_parquet(${sqlString(file)})`));
    return {
      path: encodeDataPath(rel),
      partitionValues,
      size: fs.statSync(file).size,
      modificationTime: 0,
      dataChange: true,
      stats: JSON.stringify(stats ?? { numRecords: n }),
    };
  }

  commit(version: number, actions: Action[], timestamp = Date.UTC(2026, 0, 1) + version * 60_000): string {
    const file = path.join(this.root, "_delta_log", `${String(version).padStart(20, "0")}.json`);
    const lines = [{ commitInfo: { timestamp, operation: "WRITE", operationParameters: { mode: "Append" } } }, ...actions];
    fs.writeFileSync(file, lines.map((a) => JSON.stringify(a)).join("\n") + "\n");
    return file;
  }
}
