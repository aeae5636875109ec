/** OffsetSeqLog: checkpoint/offsets/N, the write-ahead log of what each batch reads (written before it runs). */
import * as path from "node:path";
import { StreamlabError } from "../errors";
import { BatchLog } from "./batch-log";

export interface OffsetSeqMetadata {
  batchWatermarkMs: number;
  batchTimestampMs: number;
  conf: Record<string, string>;
}

export interface OffsetSeq {
  metadata: OffsetSeqMetadata;
  /** One serialized offset per source (null when a source has none yet). */
  offsets: (string | null)[];
}

/** offsets/N in Spark's format: "v1", the batch metadata, then one line per source offset. */
export class OffsetSeqLog extends BatchLog {
  add(batchId: number, seq: OffsetSeq): void {
    this.write(batchId, ["v1", JSON.stringify(seq.metadata), ...seq.offsets.map((o) => o ?? "-")].join("\n"));
  }

  get(batchId: number): OffsetSeq | undefined {
    const text = this.read(batchId);
    if (text === undefined) return undefined;
    const [version, meta, ...offsets] = text.split("\n");
    if (version !== "v1" || meta === undefined) {
      throw new StreamlabError("STREAM_CHECKPOINT_MISMATCH", `The offsets log entry ${path.join(this.dir, String(batchId))} is not in a format Streamlab writes.`);
    }
    return { metadata: JSON.parse(meta) as OffsetSeqMetadata, offsets: offsets.map((o) => (o === "-" ? null : o)) };
  }
}

