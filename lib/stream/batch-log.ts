/**
 * A folder of small files named by batch id: the shape of every log in a checkpoint (Spark's
 * HDFSMetadataLog). Entries are created put-if-absent and never replaced, so two writers on one
 * checkpoint cannot overwrite each other: the second one finds the entry and stops.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { createFileExclusive, createFileExclusiveAsync } from "../util/atomic-file";
import { checkpointCorrupt, concurrentUpdate } from "./checkpoint-errors";

export interface BatchLogNames {
  /** What the log is, for messages: "offsets log". */
  log: string;
  /** What an entry is numbered by: "batch", "log entry", "schema version". */
  unit: string;
}

export class BatchLog {
  constructor(
    readonly dir: string,
    private readonly names: BatchLogNames,
  ) {}

  /** The file of entry `id`. */
  file(id: number): string {
    return path.join(this.dir, String(id));
  }

  batchIds(): number[] {
    if (!fs.existsSync(this.dir)) return [];
    return fs
      .readdirSync(this.dir)
      .filter((f) => /^\d+$/.test(f))
      .map(Number)
      .sort((a, b) => a - b);
  }

  latestBatchId(): number | undefined {
    return this.batchIds().at(-1);
  }

  has(id: number): boolean {
    return fs.existsSync(this.file(id));
  }

  /** The text of entry `id`, or undefined when there is none. */
  read(id: number): string | undefined {
    const f = this.file(id);
    return fs.existsSync(f) ? fs.readFileSync(f, "utf8") : undefined;
  }

  /**
   * Creates entry `id` with `text` unless it exists (Spark's HDFSMetadataLog.add). The same text
   * already there is accepted (the same plan, made twice); any other means a second writer, and
   * nothing is written.
   */
  protected create(id: number, text: string): void {
    if (createFileExclusive(this.file(id), text, { makeDir: true })) return;
    if (this.read(id) !== text) throw concurrentUpdate(this.file(id), this.names.log, this.names.unit, id);
  }

  /** create() with the file written off the main thread. */
  protected async createAsync(id: number, text: string): Promise<void> {
    if (await createFileExclusiveAsync(this.file(id), text, { makeDir: true })) return;
    if (this.read(id) !== text) throw concurrentUpdate(this.file(id), this.names.log, this.names.unit, id);
  }

  /** STREAM_CHECKPOINT_CORRUPT for entry `id`. */
  protected corrupt(id: number, problem: string): Error {
    return checkpointCorrupt(this.file(id), problem);
  }

  /** Parses the JSON of one line of entry `id`, or reports the entry as damaged. */
  protected json(id: number, line: string | undefined, what: string): unknown {
    if (line === undefined || line === "") throw this.corrupt(id, `has no ${what} line`);
    try {
      return JSON.parse(line);
    } catch (e) {
      throw this.corrupt(id, `has a ${what} line that is not JSON (${(e as Error).message})`);
    }
  }

  /** Removes entries after `id` (an uncommitted batch that will be planned again). Only the checkpoint's lock holder calls it. */
  purgeAfter(id: number): void {
    for (const b of this.batchIds()) if (b > id) fs.rmSync(this.file(b), { force: true });
  }
}
