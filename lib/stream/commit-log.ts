/** CommitLog: checkpoint/commits/N, written after the sink committed batch N (a batch without it is re-run). */
import { BatchLog } from "./batch-log";

/** commits/N in Spark's format: "v1" and the event-time watermark the next batch runs with. */
export class CommitLog extends BatchLog {
  constructor(dir: string) {
    super(dir, { log: "commit log", unit: "batch" });
  }

  /** Writes commits/N put-if-absent: another writer's entry stops the query with STREAM_CONCURRENT_RUN. */
  add(batchId: number, nextBatchWatermarkMs = 0): void {
    this.create(batchId, `v1\n${JSON.stringify({ nextBatchWatermarkMs })}`);
  }

  /** Reads commits/N back, checked: a damaged entry is STREAM_CHECKPOINT_CORRUPT. */
  get(batchId: number): { nextBatchWatermarkMs: number } | undefined {
    const text = this.read(batchId);
    if (text === undefined) return undefined;
    const [version, meta] = text.split("\n");
    if (version !== "v1") throw this.corrupt(batchId, text === "" ? "is empty" : 'does not start with the version line "v1"');
    const m = this.json(batchId, meta, "commit metadata") as { nextBatchWatermarkMs?: unknown } | null;
    if (!m || typeof m !== "object" || typeof m.nextBatchWatermarkMs !== "number") throw this.corrupt(batchId, "has commit metadata without nextBatchWatermarkMs");
    return { nextBatchWatermarkMs: m.nextBatchWatermarkMs };
  }
}
