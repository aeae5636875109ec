/**
 * MicroBatchExecution: the loop that runs a query. For each batch it asks the source for the next
 * end offset, writes offsets/N (the write-ahead log), materialises the batch, applies the
 * transformations, hands the result to the sink, and only then writes commits/N. On restart an
 * offsets entry without its commit is re-run with the same offsets, and the sink recognises the
 * batch id — so a crash at any point neither loses nor duplicates a row.
 */
import { isStreamlabError, messageOf } from "../errors";
import type { Duck } from "../duck";
import { faultPoint } from "../util/fault";
import type { Checkpoint } from "./checkpoint";
import { checkpointCorrupt } from "./checkpoint-errors";
import type { Clock } from "./clock";
import type { StreamingQueryProgress } from "./progress";
import type { ProgressReporter } from "./progress-reporter";
import type { Sink } from "./sink";
import type { OffsetRequest, Source } from "./source";
import { describeTrigger, type Trigger } from "./trigger";
import type { TransformContext, TransformStep } from "./transform";

export { StreamingQuery, type QueryOptions } from "./query";

/** What the execution runs, and what it runs with. */
export interface ExecutionPlan {
  source: Source;
  steps: TransformStep[];
  sink: Sink;
  trigger: Trigger;
  /** How often an idle query with the default trigger looks for new data (ms). */
  pollIntervalMs: number;
  checkpoint: Checkpoint;
  duck: Duck;
  clock: Clock;
  reporter: ProgressReporter;
  /** Prefix of the batch's temporary tables, unique per query in this process. */
  tablePrefix: string;
}

/** What the loop tells its StreamingQuery. */
export interface ExecutionEvents {
  progress(p: StreamingQueryProgress): void;
  /** The query found no new data (once per stretch of idleness). */
  idle(): void;
  /** Offset check number `check` found nothing new: all data available when it began is committed. */
  caughtUp(check: number): void;
}

/** One micro-batch: its id and offsets. `replay`: offsets/N was written by an earlier run that did not commit. */
export interface BatchContext {
  id: number;
  start: string | null;
  end: string;
  replay: boolean;
}

/** Where a run starts: the next batch id, the offset it starts from, and an uncommitted batch to re-run. */
interface StartPoint {
  batchId: number;
  start: string | null;
  pending?: string;
}

export class MicroBatchExecution {
  /** Offset checks begun so far; processAllAvailable() waits for one begun after it was called. */
  checks = 0;
  private stopping = false;
  private sleeping?: AbortController;

  constructor(
    private readonly plan: ExecutionPlan,
    private readonly events: ExecutionEvents,
  ) {}

  /** Ends the loop after the batch in progress (if any) has committed. */
  stop(): void {
    this.stopping = true;
    this.wake();
  }

  /** Ends a sleep between triggers early (new data, a drain request, stop). */
  wake(): void {
    this.sleeping?.abort();
  }

  private async sleep(ms: number): Promise<void> {
    const ctl = (this.sleeping = new AbortController());
    await this.plan.clock.sleep(ms, ctl.signal);
    this.sleeping = undefined;
  }

  /** Runs until stopped, or until the trigger's data is done (once, availableNow); throws what failed the query. */
  async run(): Promise<void> {
    const { source, trigger, reporter: r, clock } = this.plan;
    let { batchId, start, pending } = this.recover();
    // availableNow: the end is what is there now, captured once (an uncommitted batch is part of it).
    const cap = trigger.kind === "availableNow" ? await source.latestOffset(pending ?? start, { planAll: true }) : undefined;
    const request: OffsetRequest = trigger.kind === "once" ? { unlimited: true } : trigger.kind === "availableNow" ? { cap } : {};
    let idlePosted = false;
    while (!this.stopping) {
      const triggerStart = r.startTrigger();
      r.updateStatus(`Getting offsets from ${source.description}`, false, true);
      const check = ++this.checks;
      const end = pending ?? (await r.time("latestOffset", () => source.latestOffset(start, request)));
      if (end === null || end === start) {
        this.events.caughtUp(check);
        if (trigger.kind === "once" || trigger.kind === "availableNow") break;
        r.updateStatus("Waiting for data to arrive", false, false);
        if (!idlePosted) this.events.idle();
        idlePosted = true;
        // processingTime keeps its schedule while idle; the default trigger polls.
        await this.sleep(trigger.kind === "processingTime" ? trigger.intervalMs - ((clock.now() - triggerStart) % trigger.intervalMs) : this.plan.pollIntervalMs);
        continue;
      }
      idlePosted = false;
      r.updateStatus("Processing new data", true, true);
      this.events.progress(await this.runBatch({ id: batchId, start, end, replay: pending !== undefined }));
      pending = undefined;
      start = end;
      batchId++;
      if (trigger.kind === "once") break;
      if (trigger.kind === "processingTime") {
        // The next batch starts on the interval; an overrunning batch is followed at once.
        const wait = triggerStart + trigger.intervalMs - clock.now();
        if (wait > 0 && !this.stopping) await this.sleep(wait);
      }
    }
  }

  /**
   * Spark's populateStartOffsets: the last committed batch gives the start offset; an offsets entry
   * after it is a batch that did not commit, re-run with the same offsets (read, never rewritten).
   */
  private recover(): StartPoint {
    const ck = this.plan.checkpoint;
    const lastCommit = ck.commits.latestBatchId();
    if (lastCommit === undefined) {
      ck.offsets.purgeAfter(0);
      return { batchId: 0, start: null, pending: this.offsetOf(0) };
    }
    ck.commits.get(lastCommit); // checked: a damaged commit is reported, not taken on trust
    if (!ck.offsets.has(lastCommit)) throw checkpointCorrupt(ck.offsets.file(lastCommit), `is missing, though ${ck.commits.file(lastCommit)} says batch ${lastCommit} committed`);
    const batchId = lastCommit + 1;
    // Entries after the uncommitted batch cannot be ours (one batch is planned at a time): drop them.
    ck.offsets.purgeAfter(batchId);
    return { batchId, start: this.offsetOf(lastCommit) ?? null, pending: this.offsetOf(batchId) };
  }

  /** The source's offset in offsets/N (undefined without the entry), checked by the source. */
  private offsetOf(batchId: number): string | undefined {
    const { checkpoint: ck, source } = this.plan;
    const seq = ck.offsets.get(batchId);
    if (!seq) return undefined;
    const file = ck.offsets.file(batchId);
    if (seq.offsets.length !== 1) throw checkpointCorrupt(file, `has ${seq.offsets.length} source offsets; this query has 1 source`);
    const offset = seq.offsets[0];
    if (offset === null || offset === undefined) throw checkpointCorrupt(file, "has no offset for the source");
    try {
      source.deserializeOffset?.(offset);
    } catch (e) {
      if (isStreamlabError(e, "STREAM_CHECKPOINT_CORRUPT")) throw e;
      throw checkpointCorrupt(file, `holds the offset ${offset}, which is not one ${source.description} writes (${messageOf(e)})`);
    }
    return offset;
  }

  private async runBatch(b: BatchContext): Promise<StreamingQueryProgress> {
    const { source, sink, reporter: r } = this.plan;
    faultPoint("beforeOffsets", b.id);
    if (!b.replay) await r.time("walCommit", () => this.writeOffsets(b));
    faultPoint("afterOffsets", b.id);
    const tables = new BatchTables(this.plan.duck, `${this.plan.tablePrefix}_${b.id}`);
    try {
      const numInputRows = await r.time("getBatch", () => this.getBatch(b, tables.input));
      const output = await r.time("queryPlanning", () => this.transform(b, tables));
      faultPoint("beforeSink", b.id);
      const result = await r.time("addBatch", () => sink.addBatch(b.id, output));
      faultPoint("afterSinkCommit", b.id);
      const warning = await r.time("commitOffsets", () => this.commit(b));
      const metrics = { ...source.metrics(), ...(warning ? { commitWarning: warning } : {}) };
      return r.finishTrigger({ batchId: b.id, numInputRows, source: { description: source.description, start: b.start, end: b.end, metrics }, sink: { description: sink.description, result } });
    } finally {
      await tables.dropAll();
    }
  }

  /** The write-ahead log: which input batch N is, decided before it runs (put-if-absent). */
  private writeOffsets(b: BatchContext): void {
    const metadata = { batchWatermarkMs: 0, batchTimestampMs: this.plan.clock.now(), conf: { trigger: describeTrigger(this.plan.trigger) } };
    this.plan.checkpoint.offsets.add(b.id, { metadata, offsets: [b.end] });
  }

  /** Materialises the source's rows (start, end] into `into`; returns how many there are. */
  private async getBatch(b: BatchContext, into: string): Promise<number> {
    await this.plan.source.getBatch(b.start, b.end, into, b.id);
    return Number(await this.plan.duck.value(`SELECT count(*) FROM ${into}`));
  }

  /** Applies the steps; returns the table the sink reads. */
  private async transform(b: BatchContext, tables: BatchTables): Promise<string> {
    const { steps, duck, checkpoint } = this.plan;
    // Without transformations the input table already is the output.
    if (steps.length === 0) return tables.input;
    const ctx: TransformContext = { duck, batchId: b.id, stateDir: (op) => checkpoint.stateDir(op), temp: (name) => tables.add(name) };
    let sql = `SELECT * FROM ${tables.input}`;
    for (const step of steps) sql = await step.apply(sql, ctx);
    // Materialised once: the sink may read it several times, and SQL errors surface here, before any write.
    await duck.run(`CREATE OR REPLACE TEMP TABLE ${tables.output} AS ${sql}`);
    return tables.output;
  }

  /**
   * commits/N, then the source's housekeeping (cleanSource). The batch is committed once commits/N
   * exists: housekeeping that fails then is a warning, returned for the progress, and the query goes on.
   */
  private async commit(b: BatchContext): Promise<string | undefined> {
    this.plan.checkpoint.commits.add(b.id);
    try {
      await this.plan.source.commit(b.end);
      return undefined;
    } catch (e) {
      const warning = `Batch ${b.id} committed, but ${this.plan.source.description} could not clean up after it: ${messageOf(e)}. The query goes on; the source tries again after the next batch.`;
      process.emitWarning(warning, { type: "StreamlabWarning", code: "STREAM_SOURCE_COMMIT_FAILED" });
      return warning;
    }
  }
}

/** The temporary tables of one batch, dropped when it is done. */
class BatchTables {
  private readonly names: string[];
  readonly input: string;
  readonly output: string;

  constructor(
    private readonly duck: Duck,
    prefix: string,
  ) {
    this.input = `${prefix}_in`;
    this.output = `${prefix}_out`;
    this.names = [this.input, this.output];
  }

  add(name: string): string {
    this.names.push(name);
    return name;
  }

  async dropAll(): Promise<void> {
    for (const name of this.names) await this.duck.run(`DROP TABLE IF EXISTS ${name}`).catch(() => {});
  }
}
