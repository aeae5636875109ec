/** OffsetSeqLog: checkpoint/offsets/N, the write-ahead log of what each batch reads (written before it runs). */
import { BatchLog } from "./batch-log";

export interface OffsetSeqMetadata {
  /** The event-time watermark the batch runs with (0 without withWatermark), as Spark writes it. */
  batchWatermarkMs: number;
  batchTimestampMs: number;
  conf: Record<string, string>;
}

export interface OffsetSeq {
  metadata: OffsetSeqMetadata;
  /** One serialized offset per source (null when a source has none yet). */
  offsets: (string | null)[];
}

/** offsets/N in Spark's format: "v1", the batch metadata, then one line per source offset ("-" for none). */
export class OffsetSeqLog extends BatchLog {
  constructor(dir: string) {
    super(dir, { log: "offsets log", unit: "batch" });
  }

  /** Writes offsets/N put-if-absent: another writer's entry stops the query with STREAM_CONCURRENT_RUN. */
  add(batchId: number, seq: OffsetSeq): void {
    this.create(batchId, this.text(seq));
  }

  /** add(), written off the main thread: the caller awaits it before anything the batch does becomes visible. */
  addAsync(batchId: number, seq: OffsetSeq): Promise<void> {
    return this.createAsync(batchId, this.text(seq));
  }

  private text(seq: OffsetSeq): string {
    return ["v1", JSON.stringify(seq.metadata), ...seq.offsets.map((o) => o ?? "-")].join("\n");
  }

  /** offsets/N, checked: a damaged entry is STREAM_CHECKPOINT_CORRUPT, never a guess. */
  get(batchId: number): OffsetSeq | undefined {
    const text = this.read(batchId);
    if (text === undefined) return undefined;
    if (text === "") throw this.corrupt(batchId, "is empty");
    const [version, meta, ...offsets] = text.split("\n");
    if (version !== "v1") throw this.corrupt(batchId, `starts with ${JSON.stringify(version!.slice(0, 20))}, not the version line "v1"`);
    const m = this.json(batchId, meta, "batch metadata") as Partial<OffsetSeqMetadata> | null;
    if (!m || typeof m !== "object" || typeof m.batchTimestampMs !== "number" || typeof m.batchWatermarkMs !== "number") {
      throw this.corrupt(batchId, "has batch metadata without batchTimestampMs and batchWatermarkMs");
    }
    if (offsets.length === 0 || offsets.some((o) => o === "")) throw this.corrupt(batchId, "has an empty source offset line");
    return { metadata: { conf: {}, ...m } as OffsetSeqMetadata, offsets: offsets.map((o) => (o === "-" ? null : o)) };
  }
}
