/**
 * MicroBatchExecution and StreamingQuery: the loop that runs a query. For each batch it asks the
 * source for the next end offset, writes offsets/N (the write-ahead log), materialises the
 * batch, applies the transformations, hands the result to the sink, and only then writes
 * commits/N. On restart an offsets entry without its commit is re-run with the same offsets, and
 * the sink recognises the batch id — so a crash at any point neither loses nor duplicates a row.
 */
import * as crypto from "node:crypto";
import { duck as sharedDuck, type Duck } from "../duck";
import { StreamlabError, isStreamlabError, messageOf } from "../errors";
import type { Sink, OutputMode } from "./sink";
import type { Source } from "./source";
import { faultPoint } from "../util/fault";
import { Checkpoint } from "./checkpoint";
import { ListenerBus, type StreamingQueryListener } from "./listener";
import { offsetValue, rate, type StreamingQueryProgress, type StreamingQueryStatus } from "./progress";
import { describeTrigger, type Trigger } from "./trigger";
import type { TransformContext, TransformStep } from "./transform";

export interface QueryOptions {
  checkpointLocation: string;
  trigger: Trigger;
  queryName?: string;
  outputMode: OutputMode;
  /** How often an idle query looks for new data (ms). Default 100. */
  pollIntervalMs?: number;
  duck?: Duck;
}

let queryCounter = 0;
const RECENT = 100;

export class StreamingQuery {
  /** Stable across restarts: stored in the checkpoint's metadata. */
  id = "";
  /** New for each start. */
  readonly runId = crypto.randomUUID();
  readonly name: string;
  readonly recentProgress: StreamingQueryProgress[] = [];
  exception: StreamlabError | undefined;
  status: StreamingQueryStatus = { message: "Initializing", isDataAvailable: false, isTriggerActive: false };
  /** This query's own listeners (the manager's bus has the ones for all queries). */
  private readonly listeners = new ListenerBus();
  private stopping = false;
  private active = false;
  private wakeUp?: () => void;
  private terminated!: Promise<void>;
  private drainWaiters: { since: number; resolve: () => void; reject: (e: unknown) => void }[] = [];
  private duck!: Duck;
  private checkpoint!: Checkpoint;
  private readonly seq = ++queryCounter;

  constructor(
    readonly source: Source,
    readonly steps: TransformStep[],
    readonly sink: Sink,
    readonly options: QueryOptions,
    private readonly bus: ListenerBus,
  ) {
    this.name = options.queryName ?? `query-${this.seq}`;
  }

  get lastProgress(): StreamingQueryProgress | undefined {
    return this.recentProgress.at(-1);
  }

  get isActive(): boolean {
    return this.active;
  }

  get trigger(): Trigger {
    return this.options.trigger;
  }

  /** Listens to this query's events only. */
  addListener(l: StreamingQueryListener): this {
    this.listeners.add(l);
    return this;
  }

  private post<K extends keyof StreamingQueryListener>(kind: K, event: Parameters<NonNullable<StreamingQueryListener[K]>>[0]): void {
    this.bus.post(kind, event);
    this.listeners.post(kind, event);
  }

  /** Opens the checkpoint, source and sink; the loop then runs in the background. */
  async start(): Promise<this> {
    this.duck = this.options.duck ?? (await (await sharedDuck()).fork());
    this.checkpoint = new Checkpoint(this.options.checkpointLocation);
    const meta = this.checkpoint.metadata({ sources: [this.source.identity], sink: this.sink.identity });
    this.id = meta.id;
    await this.source.open({ duck: this.duck, dir: this.checkpoint.sourceDir(0), queryId: this.id, queryName: this.name });
    await this.sink.open({
      duck: this.duck,
      queryId: this.id,
      queryName: this.name,
      outputMode: this.options.outputMode,
      reportStatus: (message) => {
        this.status = { ...this.status, message };
      },
    });
    // New data starts a batch at once only with the default trigger; processingTime keeps its schedule.
    this.source.onData?.(() => {
      if (this.options.trigger.kind === "default") this.wakeUp?.();
    });
    this.active = true;
    this.post("onQueryStarted", { id: this.id, runId: this.runId, name: this.name, timestamp: new Date().toISOString() });
    this.terminated = this.run();
    return this;
  }

  /** Waits for the query to end; `timeoutMs` returns false when it is still running then. Rejects with its exception. */
  async awaitTermination(timeoutMs?: number): Promise<boolean> {
    const done = this.terminated.then(() => true);
    const result = timeoutMs === undefined ? await done : await Promise.race([done, new Promise<boolean>((r) => setTimeout(() => r(false), timeoutMs).unref())]);
    if (this.exception) throw this.exception;
    return result;
  }

  /** Resolves once every piece of data available now has been processed and committed. */
  processAllAvailable(): Promise<void> {
    if (!this.active) return this.exception ? Promise.reject(this.exception) : Promise.resolve();
    return new Promise((resolve, reject) => {
      this.drainWaiters.push({ since: Date.now(), resolve, reject });
      if (this.options.trigger.kind === "default") this.wakeUp?.();
    });
  }

  /** Stops after the batch in progress (if any) has committed: never leaves a half-committed batch. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wakeUp?.();
    await this.terminated;
  }

  /** Sleeps until `ms` pass, new data is announced, or stop() is called. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.wakeUp = undefined;
        resolve();
      }, Math.max(0, ms));
      this.wakeUp = () => {
        clearTimeout(t);
        this.wakeUp = undefined;
        resolve();
      };
    });
  }

  private async run(): Promise<void> {
    const trigger = this.options.trigger;
    const poll = this.options.pollIntervalMs ?? 100;
    const ck = this.checkpoint;
    // The first batch of a run has no previous trigger: its input rate is reported as 0, as in Spark.
    let lastTriggerStart: number | undefined;
    let idlePosted = false;
    try {
      // Recovery: the last committed batch, and an offsets entry written after it (a batch to re-run).
      const lastCommit = ck.commits.latest();
      let batchId = lastCommit === undefined ? 0 : lastCommit + 1;
      let start: string | null = lastCommit === undefined ? null : ck.offsets.get(lastCommit)?.offsets[0] ?? null;
      if (lastCommit !== undefined && !ck.offsets.has(lastCommit)) {
        throw new StreamlabError("STREAM_CHECKPOINT_MISMATCH", `The checkpoint at ${ck.dir} has commits/${lastCommit} but no offsets/${lastCommit}.`, { hint: "The checkpoint is damaged; restore it or use a new checkpointLocation." });
      }
      const pending = ck.offsets.get(batchId);
      ck.offsets.purgeAfter(batchId);
      let cap: string | null | undefined;
      if (trigger.kind === "availableNow") cap = await this.source.latestOffset(pending ? pending.offsets[0]! : start, { planAll: true });
      let replay = pending?.offsets[0] ?? undefined;

      while (!this.stopping) {
        const triggerStart = Date.now();
        this.status = { message: `Getting offsets from ${this.source.description}`, isDataAvailable: false, isTriggerActive: true };
        const checkStarted = Date.now();
        const t0 = performance.now();
        const end = replay ?? (await this.source.latestOffset(start, trigger.kind === "once" ? { unlimited: true } : trigger.kind === "availableNow" ? { cap } : {}));
        const latestOffsetMs = performance.now() - t0;
        if (end === null || end === start) {
          // Nothing new. Everything available when a processAllAvailable() began is now committed.
          for (const w of this.drainWaiters.filter((d) => d.since <= checkStarted)) w.resolve();
          this.drainWaiters = this.drainWaiters.filter((d) => d.since > checkStarted);
          if (trigger.kind === "once" || trigger.kind === "availableNow") break;
          this.status = { message: "Waiting for data to arrive", isDataAvailable: false, isTriggerActive: false };
          if (!idlePosted) {
            this.post("onQueryIdle", { id: this.id, runId: this.runId, timestamp: new Date().toISOString() });
            idlePosted = true;
          }
          await this.sleep(trigger.kind === "processingTime" ? trigger.intervalMs - ((Date.now() - triggerStart) % trigger.intervalMs) : poll);
          continue;
        }
        idlePosted = false;
        this.status = { message: "Processing new data", isDataAvailable: true, isTriggerActive: true };
        const progress = await this.runBatch(batchId, start, end, replay !== undefined, latestOffsetMs, triggerStart, lastTriggerStart);
        replay = undefined;
        lastTriggerStart = triggerStart;
        start = end;
        batchId++;
        this.recentProgress.push(progress);
        if (this.recentProgress.length > RECENT) this.recentProgress.shift();
        this.post("onQueryProgress", { progress });
        if (trigger.kind === "once") break;
        if (trigger.kind === "processingTime") {
          // The next batch starts on the interval; an overrunning batch is followed at once.
          const wait = triggerStart + trigger.intervalMs - Date.now();
          if (wait > 0 && !this.stopping) await this.sleep(wait);
        }
      }
    } catch (e) {
      this.exception = isStreamlabError(e) ? e : new StreamlabError("STREAM_QUERY_FAILED", `Query ${this.name} failed: ${messageOf(e)}`, { cause: e });
    } finally {
      this.active = false;
      this.status = { message: this.exception ? `Terminated with exception: ${this.exception.message}` : "Stopped", isDataAvailable: false, isTriggerActive: false };
      for (const w of this.drainWaiters) (this.exception ? w.reject(this.exception) : w.resolve());
      this.drainWaiters = [];
      await this.source.close().catch(() => {});
      await this.sink.close().catch(() => {});
      if (!this.options.duck) this.duck.close();
      this.post("onQueryTerminated", { id: this.id, runId: this.runId, exception: this.exception?.message ?? null, errorCode: this.exception?.code ?? null });
    }
  }

  private async runBatch(batchId: number, start: string | null, end: string, replay: boolean, latestOffsetMs: number, triggerStart: number, lastTriggerStart: number | undefined): Promise<StreamingQueryProgress> {
    const ck = this.checkpoint;
    const timings = { latestOffset: Math.round(latestOffsetMs), getBatch: 0, queryPlanning: 0, addBatch: 0, walCommit: 0, commitOffsets: 0, triggerExecution: 0 };
    const tick = () => performance.now();
    faultPoint("beforeOffsets", batchId);
    let t = tick();
    if (!replay) {
      // The write-ahead log: which input batch N is, decided before it runs.
      ck.offsets.add(batchId, { metadata: { batchWatermarkMs: 0, batchTimestampMs: triggerStart, conf: { trigger: describeTrigger(this.options.trigger) } }, offsets: [end] });
    }
    timings.walCommit = Math.round(tick() - t);
    faultPoint("afterOffsets", batchId);

    const temps: string[] = [];
    const input = `__sl_q${this.seq}_batch_${batchId}`;
    const output = `__sl_q${this.seq}_out_${batchId}`;
    temps.push(input, output);
    try {
      t = tick();
      await this.source.getBatch(start, end, input, batchId);
      const numInputRows = Number(await this.duck.value(`SELECT count(*) FROM ${input}`));
      timings.getBatch = Math.round(tick() - t);

      t = tick();
      const ctx: TransformContext = {
        duck: this.duck,
        batchId,
        stateDir: (op) => ck.stateDir(op),
        watermarkMs: 0,
        temp: (name) => {
          temps.push(name);
          return name;
        },
      };
      let sql = `SELECT * FROM ${input}`;
      for (const step of this.steps) sql = await step.apply(sql, ctx);
      // Materialised once: the sink may read it several times, and SQL errors surface here, before any write.
      // Without transformations the input table already is the output.
      const out = this.steps.length === 0 ? input : output;
      if (out === output) await this.duck.run(`CREATE OR REPLACE TEMP TABLE ${output} AS ${sql}`);
      timings.queryPlanning = Math.round(tick() - t);

      t = tick();
      faultPoint("beforeSink", batchId);
      const result = await this.sink.addBatch(batchId, out);
      timings.addBatch = Math.round(tick() - t);
      faultPoint("afterSinkCommit", batchId);

      t = tick();
      ck.commits.add(batchId, 0);
      await this.source.commit(end);
      timings.commitOffsets = Math.round(tick() - t);
      timings.triggerExecution = Date.now() - triggerStart;
      const sinceLast = lastTriggerStart === undefined ? 0 : triggerStart - lastTriggerStart;
      return {
        id: this.id,
        runId: this.runId,
        name: this.name,
        timestamp: new Date(triggerStart).toISOString(),
        batchId,
        batchDuration: timings.triggerExecution,
        numInputRows,
        inputRowsPerSecond: rate(numInputRows, sinceLast),
        processedRowsPerSecond: rate(numInputRows, timings.triggerExecution),
        durationMs: timings,
        eventTime: {},
        stateOperators: [],
        sources: [
          {
            description: this.source.description,
            startOffset: offsetValue(start),
            endOffset: offsetValue(end),
            latestOffset: offsetValue(end),
            numInputRows,
            inputRowsPerSecond: rate(numInputRows, sinceLast),
            processedRowsPerSecond: rate(numInputRows, timings.triggerExecution),
            metrics: this.source.metrics(),
          },
        ],
        sink: { description: this.sink.description, numOutputRows: result.numOutputRows, metrics: result.metrics ?? {} },
      };
    } finally {
      for (const name of temps) await this.duck.run(`DROP TABLE IF EXISTS ${name}`).catch(() => {});
    }
  }
}
