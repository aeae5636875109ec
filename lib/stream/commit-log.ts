/** CommitLog: checkpoint/commits/N, written after the sink committed batch N (a batch without it is re-run). */
import { BatchLog } from "./batch-log";

/** commits/N: "v1" and the watermark for the next batch. */
export class CommitLog extends BatchLog {
  add(batchId: number, nextBatchWatermarkMs = 0): void {
    this.write(batchId, `v1\n${JSON.stringify({ nextBatchWatermarkMs })}`);
  }
}

