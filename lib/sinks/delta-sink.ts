/**
 * The Delta sink: each micro-batch is one Delta commit carrying the txn action
 * (appId = query id, version = batch id), so a batch replayed after a crash is recognised and
 * skipped — exactly-once. Output modes: append, and complete (each batch replaces the table).
 */
import * as path from "node:path";
import { StreamlabError } from "../errors";
import { writeDelta } from "../delta/write";
import { Staging } from "../delta/data-files";
import { checkpointsWritten } from "../delta/transaction";
import type { Snapshot } from "../delta/snapshot";
import type { AddBatchOptions, Sink, SinkContext, SinkResult } from "../stream/sink";

export interface DeltaSinkOptions {
  /** Add new columns of the stream to the table (schema evolution). */
  mergeSchema?: boolean;
  /** Partition columns when the sink creates the table. */
  partitionBy?: string[];
  /** Table properties when the sink creates the table. */
  properties?: Record<string, string>;
  /** Recorded as commitInfo.userMetadata of every commit (Spark's writer option "userMetadata"). */
  userMetadata?: string;
}

export class DeltaSink implements Sink {
  readonly path: string;
  private ctx!: SinkContext;
  /** The table as of this sink's last commit: each batch reads only the commits others wrote since. */
  private snapshot?: Snapshot;
  /** Crashed writers' leftovers are looked for on the first commit of a run, not on every batch. */
  private cleaned = false;
  /** One staging folder for the run's data files (made by the first batch, removed when the query stops): no folder made and removed per batch. */
  private readonly staging: Staging;

  constructor(tablePath: string, readonly options: DeltaSinkOptions = {}) {
    this.path = path.resolve(tablePath);
    this.staging = new Staging(this.path);
  }

  get description(): string {
    return `DeltaSink[${this.path}]`;
  }

  get identity(): string {
    return `delta:${this.path}`;
  }

  async open(ctx: SinkContext): Promise<void> {
    if (ctx.outputMode === "update") {
      throw new StreamlabError("INVALID_OPTION", 'The Delta sink supports outputMode "append" and "complete".', { hint: "Use foreachBatch with a MERGE for update semantics." });
    }
    this.ctx = ctx;
  }

  get pipelines(): boolean {
    return this.ctx?.outputMode === "append";
  }

  async addBatch(batchId: number, table: string, batch: AddBatchOptions = {}): Promise<SinkResult> {
    const complete = this.ctx.outputMode === "complete";
    const snapshot = this.snapshot;
    this.snapshot = undefined;
    const r = await writeDelta(this.path, `SELECT * FROM ${table}`, {
      duck: this.ctx.duck,
      snapshot,
      cleanLeftovers: !this.cleaned,
      staging: this.staging,
      // The next batch does not wait for a checkpoint; the query's stop does.
      checkpointInBackground: true,
      beforeCommit: batch.beforeCommit,
      inputColumns: batch.columns,
      mode: complete ? "overwrite" : "append",
      mergeSchema: this.options.mergeSchema,
      partitionBy: this.options.partitionBy,
      properties: this.options.properties,
      txnAppId: this.ctx.queryId,
      txnVersion: batchId,
      allowEmpty: true,
      operation: "STREAMING UPDATE",
      userMetadata: this.options.userMetadata,
      operationParameters: { outputMode: complete ? "Complete" : "Append", queryId: this.ctx.queryId, epochId: String(batchId) },
    });
    this.snapshot = r.snapshot;
    this.cleaned = true;
    return {
      numOutputRows: r.numOutputRows,
      skipped: r.skipped,
      metrics: { tableVersion: String(r.version), ...(r.skipped ? { batchAlreadyCommitted: "true" } : {}), ...(r.addedColumns.length ? { addedColumns: r.addedColumns.join(",") } : {}), ...(r.autoCompactVersion !== undefined ? { autoCompactVersion: String(r.autoCompactVersion) } : {}) },
    };
  }

  async close(): Promise<void> {
    this.staging.remove();
    await checkpointsWritten(this.path);
  }
}
