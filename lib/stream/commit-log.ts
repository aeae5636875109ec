/** CommitLog: checkpoint/commits/N, written after the sink committed batch N (a batch without it is re-run). */
import { BatchLog } from "./batch-log";

export interface CommitMetadata {
  /** The event-time watermark the next batch runs with (Spark's CommitMetadata). */
  nextBatchWatermarkMs: number;
  /**
   * Stateful queries only: the columns ("name" TYPE, …) of the input the batch's stateful plan ran
   * on. Spark re-plans a no-data batch from its sources' schemas; ours runs it on an empty table of
   * these columns, which a restarted query knows only from here. Readers of Spark's format ignore it.
   */
  inputSchema?: string;
}

/** commits/N in Spark's format: "v1" and the event-time watermark the next batch runs with. */
export class CommitLog extends BatchLog {
  constructor(dir: string) {
    super(dir, { log: "commit log", unit: "batch" });
  }

  /** Writes commits/N put-if-absent: another writer's entry stops the query with STREAM_CONCURRENT_RUN. */
  add(batchId: number, nextBatchWatermarkMs = 0, inputSchema?: string): void {
    const meta: CommitMetadata = inputSchema === undefined ? { nextBatchWatermarkMs } : { nextBatchWatermarkMs, inputSchema };
    this.create(batchId, `v1\n${JSON.stringify(meta)}`);
  }

  /** Reads commits/N back, checked: a damaged entry is STREAM_CHECKPOINT_CORRUPT. */
  get(batchId: number): CommitMetadata | undefined {
    const text = this.read(batchId);
    if (text === undefined) return undefined;
    const [version, meta] = text.split("\n");
    if (version !== "v1") throw this.corrupt(batchId, text === "" ? "is empty" : 'does not start with the version line "v1"');
    const m = this.json(batchId, meta, "commit metadata") as { nextBatchWatermarkMs?: unknown; inputSchema?: unknown } | null;
    if (!m || typeof m !== "object" || typeof m.nextBatchWatermarkMs !== "number") throw this.corrupt(batchId, "has commit metadata without nextBatchWatermarkMs");
    if (m.inputSchema !== undefined && (typeof m.inputSchema !== "string" || m.inputSchema === "")) throw this.corrupt(batchId, "has an inputSchema that is not a column list");
    return m.inputSchema === undefined ? { nextBatchWatermarkMs: m.nextBatchWatermarkMs } : { nextBatchWatermarkMs: m.nextBatchWatermarkMs, inputSchema: m.inputSchema };
  }
}
