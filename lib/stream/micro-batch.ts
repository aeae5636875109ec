/**
 * MicroBatchExecution: the loop that runs a query. For each batch it asks the source for the next
 * end offset, writes offsets/N (the write-ahead log, with the event-time watermark the batch runs
 * with), materialises the batch, applies the transformations (stateful ones restore their state
 * store at the batch's version), hands the result to the sink, commits the operators' state, and
 * only then writes commits/N (with the watermark the next batch will use). On restart an offsets
 * entry without its commit is re-run with the same offsets and watermark from the same state
 * version, and the sink recognises the batch id — so a crash at any point neither loses nor
 * duplicates a row, nor counts one twice. When the watermark has moved so that state can be
 * evicted or windows emitted, a batch runs with no new input (Spark's no-data micro-batch).
 */
import { isStreamlabError, messageOf } from "../errors";
import type { Duck } from "../duck";
import { faultPoint } from "../util/fault";
import type { Checkpoint } from "./checkpoint";
import { checkpointCorrupt } from "./checkpoint-errors";
import type { Clock } from "./clock";
import type { StreamingQueryProgress } from "./progress";
import type { ProgressReporter } from "./progress-reporter";
import type { Sink, SinkResult } from "./sink";
import type { OutputMode } from "./sink";
import type { OffsetRequest, Source } from "./source";
import type { StatefulContext, StateOperatorProgress, WatermarkContext } from "./stateful";
import { planStateful, type StatefulPlan } from "./stateful-plan";
import { describeTrigger, type Trigger } from "./trigger";
import type { TransformStep } from "./transform";
import { isoMs, WatermarkTracker, type EventTimeStats, type WatermarkPolicy } from "./watermark";

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
  outputMode: OutputMode;
  /** Run a batch without new data when the watermark lets state be evicted or windows emitted. Default true. */
  noDataMicroBatches: boolean;
  /** How several watermarks combine: min (default) or max. */
  watermarkPolicy: WatermarkPolicy;
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
  /** A no-data batch: no new input, run for the watermark (start = end). */
  noData: boolean;
  /** The watermark the batch runs with: state at or before it is evicted. */
  watermarkMs: number;
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
  /** A wake-up that came while no sleep was on (during an offset check or a batch): the next sleep is skipped. */
  private wakeRequested = false;
  private readonly stateful: StatefulPlan;
  private readonly tracker: WatermarkTracker;
  /** The watermark the last batch ran with: the next batch's rows at or before it are late. */
  private lastWatermarkMs = 0;
  /** The input's columns, from the last data batch: a no-data batch gets an empty table of them. */
  private inputColumns?: string;

  constructor(
    private readonly plan: ExecutionPlan,
    private readonly events: ExecutionEvents,
  ) {
    this.stateful = planStateful(plan.steps, plan.outputMode);
    this.tracker = new WatermarkTracker(this.stateful.delays, plan.watermarkPolicy);
  }

  /** Ends the loop after the batch in progress (if any) has committed. */
  stop(): void {
    this.stopping = true;
    this.wake();
  }

  /** Ends a sleep between triggers early (new data, a drain request, stop). */
  wake(): void {
    this.wakeRequested = true;
    this.sleeping?.abort();
  }

  private async sleep(ms: number): Promise<void> {
    if (this.wakeRequested) {
      this.wakeRequested = false;
      return;
    }
    const ctl = (this.sleeping = new AbortController());
    await this.plan.clock.sleep(ms, ctl.signal);
    this.sleeping = undefined;
  }

  /** Runs until stopped, or until the trigger's data is done (once, availableNow); throws what failed the query. */
  async run(): Promise<void> {
    try {
      await this.loop();
    } finally {
      for (const { op } of this.stateful.operators) await op.close().catch(() => {});
    }
  }

  private async loop(): Promise<void> {
    const { source, trigger, reporter: r, clock } = this.plan;
    let { batchId, start, pending } = this.recover();
    for (const { id, op } of this.stateful.operators) await op.restore(this.plan.duck, this.plan.checkpoint.stateDir(id) + "/0", batchId);
    // availableNow: the end is what is there now, captured once (an uncommitted batch is part of it).
    const cap = trigger.kind === "availableNow" ? await source.latestOffset(pending ?? start, { planAll: true }) : undefined;
    const request: OffsetRequest = trigger.kind === "once" ? { unlimited: true } : trigger.kind === "availableNow" ? { cap } : {};
    let idlePosted = false;
    while (!this.stopping) {
      const triggerStart = r.startTrigger();
      r.updateStatus(`Getting offsets from ${source.description}`, false, true);
      // A wake-up from here on asks for another check: one that came before is answered by this one.
      this.wakeRequested = false;
      const check = ++this.checks;
      const end = pending ?? (await r.time("latestOffset", () => source.latestOffset(start, request)));
      // A no-data batch recorded in offsets/N but not committed is re-run as recorded, whatever the
      // trigger or the options now (its sink commit may have landed): left pending, it would hold
      // every later batch back. A new one runs when the watermark moved.
      const replay = pending !== undefined;
      const noData = end === null || end === start;
      if (noData && !(start !== null && (replay || this.needsNoDataBatch()))) {
        this.events.caughtUp(check);
        if (trigger.kind === "once" || trigger.kind === "availableNow") break;
        r.updateStatus("Waiting for data to arrive", false, false);
        if (!idlePosted) this.events.idle();
        idlePosted = true;
        // processingTime keeps its schedule while idle; the default trigger polls.
        await this.sleep(trigger.kind === "processingTime" ? trigger.intervalMs - ((clock.now() - triggerStart) % trigger.intervalMs) : this.plan.pollIntervalMs);
        continue;
      }
      if (noData) {
        // The watermark moved: a batch without new rows evicts state and emits closed windows.
        r.updateStatus("Processing a no-data batch for the watermark", false, true);
      } else {
        idlePosted = false;
        r.updateStatus("Processing new data", true, true);
      }
      const batchEnd = noData ? start! : end;
      this.events.progress(await this.runBatch({ id: batchId, start, end: batchEnd, replay, noData, watermarkMs: this.watermarkFor(batchId, replay) }));
      pending = undefined;
      start = batchEnd;
      batchId++;
      if (trigger.kind === "once") break;
      if (trigger.kind === "processingTime") {
        // The next batch starts on the interval; an overrunning batch is followed at once.
        const wait = triggerStart + trigger.intervalMs - clock.now();
        if (wait > 0 && !this.stopping) await this.sleep(wait);
      }
    }
  }

  /** The watermark batch `id` runs with: the one its offsets entry recorded when it is re-run, else the tracker's. */
  private watermarkFor(id: number, replay: boolean): number {
    if (replay) return this.plan.checkpoint.offsets.get(id)?.metadata.batchWatermarkMs ?? this.tracker.currentMs;
    return this.tracker.currentMs;
  }

  /**
   * Spark's shouldRunAnotherBatch: the watermark is ahead of the one the last batch ran with and an
   * operator evicts or emits by it — never under trigger once, nor with noDataMicroBatches off, nor
   * before a batch (of this run, or recorded in the last commit) has shown the input's columns.
   */
  private needsNoDataBatch(): boolean {
    const { plan, stateful } = this;
    if (!plan.noDataMicroBatches || plan.trigger.kind === "once" || this.inputColumns === undefined) return false;
    if (!stateful.operators.some(({ op }) => op.needsNoDataBatch(plan.outputMode))) return false;
    return this.tracker.currentMs > this.lastWatermarkMs;
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
    const commit = ck.commits.get(lastCommit); // checked: a damaged commit is reported, not taken on trust
    // The watermark: the last committed batch ran with its offsets entry's, and computed the commit's for the next.
    this.lastWatermarkMs = ck.offsets.get(lastCommit)?.metadata.batchWatermarkMs ?? 0;
    this.tracker.restore(Math.max(this.lastWatermarkMs, commit?.nextBatchWatermarkMs ?? 0));
    // The input's columns, so that a restarted query can run (or re-run) a no-data batch before it reads any row.
    this.inputColumns = commit?.inputSchema;
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
    const wal = this.writeAheadLog(b);
    const tables = new BatchTables(this.plan.duck, `${this.plan.tablePrefix}_${b.id}`);
    const eventTimes = new Map<number, EventTimeStats>();
    // The one-pass write makes no batch table: nothing to drop after it.
    let madeTables = true;
    try {
      let { numInputRows, result } = (await this.pipelined(b, wal)) ?? {};
      madeTables = result === undefined;
      if (result === undefined) {
        await wal();
        numInputRows = await r.time("getBatch", () => this.getBatch(b, tables.input));
        const output = await r.time("queryPlanning", () => this.transform(b, tables, eventTimes));
        faultPoint("beforeSink", b.id);
        result = await r.time("addBatch", () => sink.addBatch(b.id, output));
      }
      // Already durable unless the sink returned without committing (a batch it had): offsets/N
      // always comes before commits/N.
      await wal();
      faultPoint("afterSinkCommit", b.id);
      const stateOperators = await r.time("commitOffsets", () => this.commitState(b));
      faultPoint("afterStateCommit", b.id);
      this.tracker.update(eventTimes);
      const warning = await r.time("commitOffsets", () => this.commit(b));
      this.lastWatermarkMs = b.watermarkMs;
      const metrics = { ...source.metrics(), ...(warning ? { commitWarning: warning } : {}) };
      return r.finishTrigger({
        batchId: b.id,
        numInputRows: numInputRows ?? 0,
        source: { description: source.description, start: b.start, end: b.end, metrics },
        sink: { description: sink.description, result },
        eventTime: this.eventTimeProgress(b, eventTimes),
        // Spark lists the operator nearest the sink first.
        stateOperators: stateOperators.reverse(),
      });
    } finally {
      // A batch that failed before it waited for its offsets entry still lets that write end here:
      // nothing of it may land after the query has stopped and let go of the checkpoint.
      await wal.settled();
      if (madeTables) await tables.dropAll();
    }
  }

  /**
   * One pass, as DuckDB would do it alone: a new batch with no transformation, from a source that
   * offers it as SQL over its files to a sink that reads a batch once, is a query the sink's write
   * reads straight from the files — never materialised. Before the sink commits, the source says
   * whether every line was read; when not (or when anything fails), nothing was committed and the
   * batch is read again the usual way, which accounts for each bad line. Undefined: not taken.
   */
  private async pipelined(b: BatchContext, wal: WriteAhead): Promise<{ numInputRows: number; result: SinkResult } | undefined> {
    const { source, sink, steps, reporter: r } = this.plan;
    if (b.replay || b.noData || steps.length > 0 || !sink.pipelines || !source.pipelinedBatch) return undefined;
    const batch = await r.time("getBatch", () => source.pipelinedBatch!(b.start, b.end, b.id));
    if (!batch) return undefined;
    try {
      const result = await r.time("addBatch", () =>
        sink.addBatch(b.id, `(${batch.sql})`, {
          columns: batch.columns,
          beforeCommit: async () => {
            await wal();
            // Nothing of the batch is in the sink yet (its files wait in the sink's staging folder).
            faultPoint("beforeSink", b.id);
            if (batch.clean && !(await batch.clean())) throw new Error("the batch has lines its one-pass read did not account for");
          },
        }),
      );
      return { numInputRows: result.numOutputRows, result };
    } catch {
      // Not clean, or a failure: nothing is committed, and a failure of the sink itself comes back
      // when the batch is written the usual way.
      batch.failed?.();
      return undefined;
    } finally {
      await batch.close?.();
    }
  }

  /** Spark's eventTime progress: min, max, avg of the first watermark that saw rows, and the batch's watermark. */
  private eventTimeProgress(b: BatchContext, stats: Map<number, EventTimeStats>): Record<string, string> {
    if (this.stateful.watermarks.length === 0) return {};
    const seen = this.stateful.watermarks.map(({ id }) => stats.get(id)).find((s) => s !== undefined && s.count > 0);
    if (!seen) return { watermark: isoMs(b.watermarkMs) };
    return { avg: isoMs(seen.avg), max: isoMs(seen.max), min: isoMs(seen.min), watermark: isoMs(b.watermarkMs) };
  }

  /** Each stateful operator commits state version N + 1; their progress, in plan order. */
  private async commitState(b: BatchContext): Promise<StateOperatorProgress[]> {
    const out: StateOperatorProgress[] = [];
    for (const { op } of this.stateful.operators) out.push(await op.commit(b.id + 1));
    return out;
  }

  /**
   * The write-ahead log: which input batch N is, decided before it runs (put-if-absent). The entry
   * is written off the main thread while the batch is read (and, in one pass, written to staging);
   * the returned wait resolves once it is durable, and comes before anything the batch does can be
   * seen — the sink's commit — so a crash before it leaves no trace of the batch. A replayed batch
   * has its entry already.
   */
  private writeAheadLog(b: BatchContext): WriteAhead {
    if (b.replay) {
      faultPoint("afterOffsets", b.id);
      const done = async () => {};
      return Object.assign(done, { settled: done });
    }
    const conf: Record<string, string> = { trigger: describeTrigger(this.plan.trigger) };
    if (this.stateful.watermarks.length > 1) conf["spark.sql.streaming.multipleWatermarkPolicy"] = this.plan.watermarkPolicy;
    const metadata = { batchWatermarkMs: b.watermarkMs, batchTimestampMs: this.plan.clock.now(), conf };
    // The source's own log first: an offset never points past what it has made durable.
    const source = this.plan.source;
    const written = this.plan.reporter.time("walCommit", async () => {
      await source.durable?.(b.end);
      await this.plan.checkpoint.offsets.addAsync(b.id, { metadata, offsets: [b.end] });
    });
    // Awaited (and its failure thrown) by the batch; never an unhandled rejection meanwhile.
    written.catch(() => {});
    let durable: Promise<void> | undefined;
    const wait = () => (durable ??= written.then(() => faultPoint("afterOffsets", b.id)));
    return Object.assign(wait, { settled: () => written.then(() => {}, () => {}) });
  }

  /** Materialises the source's rows (start, end] into `into`; returns how many there are. */
  private async getBatch(b: BatchContext, into: string): Promise<number> {
    const duck = this.plan.duck;
    if (b.noData) {
      if (this.inputColumns === undefined) {
        const ck = this.plan.checkpoint;
        throw checkpointCorrupt(ck.commits.file(b.id - 1), `has no inputSchema (an earlier Streamlab wrote it), which the no-data batch ${b.id} recorded in ${ck.offsets.file(b.id)} needs to run again`);
      }
      await duck.run(`CREATE OR REPLACE TEMP TABLE ${into} (${this.inputColumns})`);
      return 0;
    }
    const counted = await this.plan.source.getBatch(b.start, b.end, into, b.id);
    if (this.stateful.operators.length > 0) this.inputColumns = (await duck.describe(`SELECT * FROM ${into}`)).map((c) => `"${c.name.replaceAll('"', '""')}" ${c.type}`).join(", ");
    return typeof counted === "number" ? counted : Number(await duck.value(`SELECT count(*) FROM ${into}`));
  }

  /** Applies the steps; returns the table the sink reads. */
  private async transform(b: BatchContext, tables: BatchTables, eventTimes: Map<number, EventTimeStats>): Promise<string> {
    const { steps, duck, checkpoint } = this.plan;
    // Without transformations the input table already is the output.
    if (steps.length === 0) return tables.input;
    const watermarkIds = new Map(this.stateful.watermarks.map(({ id, step }) => [step as TransformStep, id]));
    const base: StatefulContext = {
      duck,
      batchId: b.id,
      stateDir: (op) => checkpoint.stateDir(op),
      temp: (name) => tables.add(name),
      watermarks: { lateMs: this.lastWatermarkMs, evictionMs: b.watermarkMs },
      outputMode: this.plan.outputMode,
    };
    let sql = `SELECT * FROM ${tables.input}`;
    for (const step of steps) {
      const id = watermarkIds.get(step);
      const ctx: StatefulContext & Partial<WatermarkContext> = id === undefined ? base : { ...base, recordEventTime: (s: EventTimeStats) => eventTimes.set(id, s) };
      sql = await step.apply(sql, ctx);
    }
    // Materialised once: the sink may read it several times, and SQL errors surface here, before any write.
    await duck.run(`CREATE OR REPLACE TEMP TABLE ${tables.output} AS ${sql}`);
    return tables.output;
  }

  /**
   * commits/N, then the source's housekeeping (cleanSource). The batch is committed once commits/N
   * exists: housekeeping that fails then is a warning, returned for the progress, and the query goes on.
   */
  private async commit(b: BatchContext): Promise<string | undefined> {
    this.plan.checkpoint.commits.add(b.id, this.tracker.currentMs, this.inputColumns);
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

/**
 * A batch's offsets entry being written: calling it waits until the entry is durable (and throws
 * if the write failed); `settled` waits for the write to end, however it ends.
 */
type WriteAhead = (() => Promise<void>) & { settled: () => Promise<void> };

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

  /** One statement for all of them. */
  async dropAll(): Promise<void> {
    await this.duck.run(this.names.map((name) => `DROP TABLE IF EXISTS ${name};`).join(" ")).catch(async () => {
      for (const name of this.names) await this.duck.run(`DROP TABLE IF EXISTS ${name}`).catch(() => {});
    });
  }
}
