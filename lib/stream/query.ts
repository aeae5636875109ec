/**
 * StreamingQuery: the handle `writeStream` returns (Spark's StreamingQuery) — id, runId, name,
 * status and progress; stop, awaitTermination, processAllAvailable; this query's listeners. It
 * owns the query's lifetime: the checkpoint's lock, the DuckDB connection, opening and closing
 * source and sink, and the started / progress / idle / terminated events around the
 * MicroBatchExecution that does the work.
 */
import * as crypto from "node:crypto";
import { duck as sharedDuck, type Duck } from "../duck";
import { StreamlabError, isStreamlabError, messageOf } from "../errors";
import type { ProcessLock } from "../util/process-lock";
import { Checkpoint } from "./checkpoint";
import { systemClock, type Clock } from "./clock";
import { ListenerBus, type StreamingQueryListener } from "./listener";
import { MicroBatchExecution } from "./micro-batch";
import type { StreamingQueryProgress, StreamingQueryStatus } from "./progress";
import { ProgressReporter } from "./progress-reporter";
import type { OutputMode, Sink } from "./sink";
import type { Source } from "./source";
import type { TransformStep } from "./transform";
import type { Trigger } from "./trigger";
import { planStateful } from "./stateful-plan";
import { parsePolicy, type WatermarkPolicy } from "./watermark";

export interface QueryOptions {
  checkpointLocation: string;
  trigger: Trigger;
  queryName?: string;
  outputMode: OutputMode;
  /** How often an idle query looks for new data (ms). Default 100. */
  pollIntervalMs?: number;
  duck?: Duck;
  /** Listeners of this query, registered before it starts: unlike addListener() on the started query, they see onQueryStarted. */
  listeners?: StreamingQueryListener[];
  /** The clock the query's triggers and timings follow. Default: the system clock (tests pass a ManualClock). */
  clock?: Clock;
  /** Spark's spark.sql.streaming.noDataMicroBatches.enabled: run a batch without new rows when the watermark lets state go. Default true. */
  noDataMicroBatches?: boolean;
  /** Spark's spark.sql.streaming.multipleWatermarkPolicy: min (default) or max. */
  multipleWatermarkPolicy?: WatermarkPolicy;
}

let queryCounter = 0;

interface DrainWaiter {
  /** Resolved by an offset check numbered higher than this: one begun after processAllAvailable() was called. */
  afterCheck: number;
  resolve(): void;
  reject(e: unknown): void;
}

export class StreamingQuery {
  /** Stable across restarts: stored in the checkpoint's metadata. */
  id = "";
  /** New for each start. */
  readonly runId = crypto.randomUUID();
  readonly name: string;
  exception: StreamlabError | undefined;
  /** This query's own listeners (the manager's bus has the ones for all queries). */
  private readonly listeners = new ListenerBus();
  private readonly reporter: ProgressReporter;
  private readonly clock: Clock;
  private readonly seq = ++queryCounter;
  private active = false;
  private execution?: MicroBatchExecution;
  private terminated: Promise<void> = Promise.resolve();
  private drainWaiters: DrainWaiter[] = [];

  constructor(
    readonly source: Source,
    readonly steps: TransformStep[],
    readonly sink: Sink,
    readonly options: QueryOptions,
    private readonly bus: ListenerBus,
  ) {
    this.name = options.queryName ?? `query-${this.seq}`;
    this.clock = options.clock ?? systemClock;
    this.reporter = new ProgressReporter(this.clock, this);
    for (const l of options.listeners ?? []) this.listeners.add(l);
  }

  get status(): StreamingQueryStatus {
    return this.reporter.status;
  }

  /** The last batches' progress, oldest first (at most 100). */
  get recentProgress(): StreamingQueryProgress[] {
    return this.reporter.recentProgress;
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

  /** Listens to this query's events only, from now on (pass `listeners` to writeStream to see onQueryStarted too). */
  addListener(l: StreamingQueryListener): this {
    this.listeners.add(l);
    return this;
  }

  removeListener(l: StreamingQueryListener): this {
    this.listeners.remove(l);
    return this;
  }

  private post<K extends keyof StreamingQueryListener>(kind: K, event: Parameters<NonNullable<StreamingQueryListener[K]>>[0]): void {
    this.bus.post(kind, event);
    this.listeners.post(kind, event);
  }

  /**
   * Takes the checkpoint (one query at a time), opens source and sink, posts onQueryStarted, and
   * starts the loop in the background. A failure here releases everything it took.
   */
  async start(): Promise<this> {
    // Plans Spark refuses are refused before anything is opened.
    planStateful(this.steps, this.options.outputMode);
    const watermarkPolicy = parsePolicy(this.options.multipleWatermarkPolicy);
    const checkpoint = new Checkpoint(this.options.checkpointLocation);
    const lock = checkpoint.lock(this.name);
    let duck: Duck | undefined;
    try {
      this.id = checkpoint.metadata({ sources: [this.source.identity], sink: this.sink.identity }).id;
      duck = this.options.duck ?? (await (await sharedDuck()).fork());
      await this.source.open({ duck, dir: checkpoint.sourceDir(0), queryId: this.id, queryName: this.name });
      await this.sink.open({ duck, queryId: this.id, queryName: this.name, outputMode: this.options.outputMode, reportStatus: (m) => this.reporter.updateStatusMessage(m) });
    } catch (e) {
      await this.source.close().catch(() => {});
      if (duck && !this.options.duck) duck.close();
      lock.release();
      throw e;
    }
    const execution = new MicroBatchExecution(
      {
        source: this.source,
        steps: this.steps,
        sink: this.sink,
        trigger: this.options.trigger,
        pollIntervalMs: this.options.pollIntervalMs ?? 100,
        checkpoint,
        duck,
        clock: this.clock,
        reporter: this.reporter,
        tablePrefix: `__sl_q${this.seq}_batch`,
        outputMode: this.options.outputMode,
        noDataMicroBatches: this.options.noDataMicroBatches ?? true,
        watermarkPolicy,
      },
      {
        progress: (progress) => this.post("onQueryProgress", { progress }),
        idle: () => this.post("onQueryIdle", { id: this.id, runId: this.runId, timestamp: new Date(this.clock.now()).toISOString() }),
        caughtUp: (check) => this.resolveDrains(check),
      },
    );
    this.execution = execution;
    // New data starts a batch at once only with the default trigger; processingTime keeps its schedule.
    this.source.onData?.(() => {
      if (this.options.trigger.kind === "default") execution.wake();
    });
    this.active = true;
    this.post("onQueryStarted", { id: this.id, runId: this.runId, name: this.name, timestamp: new Date(this.clock.now()).toISOString() });
    this.terminated = this.run(execution, duck, lock);
    return this;
  }

  private async run(execution: MicroBatchExecution, duck: Duck, lock: ProcessLock): Promise<void> {
    try {
      await execution.run();
    } catch (e) {
      this.exception = isStreamlabError(e) ? e : new StreamlabError("STREAM_QUERY_FAILED", `Query ${this.name} failed: ${messageOf(e)}`, { cause: e });
    } finally {
      this.active = false;
      this.reporter.updateStatus(this.exception ? `Terminated with exception: ${this.exception.message}` : "Stopped", false, false);
      for (const w of this.drainWaiters) (this.exception ? w.reject(this.exception) : w.resolve());
      this.drainWaiters = [];
      await this.source.close().catch(() => {});
      await this.sink.close().catch(() => {});
      if (!this.options.duck) duck.close();
      // Released last: the next query on this checkpoint finds source and sink closed.
      lock.release();
      this.post("onQueryTerminated", { id: this.id, runId: this.runId, exception: this.exception?.message ?? null, errorCode: this.exception?.code ?? null });
    }
  }

  private resolveDrains(check: number): void {
    for (const w of this.drainWaiters.filter((d) => d.afterCheck < check)) w.resolve();
    this.drainWaiters = this.drainWaiters.filter((d) => d.afterCheck >= check);
  }

  /** Waits for the query to end; `timeoutMs` (wall-clock) returns false when it is still running then. Rejects with its exception. */
  async awaitTermination(timeoutMs?: number): Promise<boolean> {
    const done = this.terminated.then(() => true);
    let timer: NodeJS.Timeout | undefined;
    const result = timeoutMs === undefined ? await done : await Promise.race([done, new Promise<boolean>((r) => (timer = setTimeout(() => r(false), timeoutMs).unref()))]);
    clearTimeout(timer);
    if (this.exception) throw this.exception;
    return result;
  }

  /** Resolves once every piece of data available now has been processed and committed. */
  processAllAvailable(): Promise<void> {
    const execution = this.execution;
    if (!this.active || !execution) return this.exception ? Promise.reject(this.exception) : Promise.resolve();
    return new Promise((resolve, reject) => {
      this.drainWaiters.push({ afterCheck: execution.checks, resolve, reject });
      if (this.options.trigger.kind === "default") execution.wake();
    });
  }

  /** Stops after the batch in progress (if any) has committed: never leaves a half-committed batch. */
  async stop(): Promise<void> {
    this.execution?.stop();
    await this.terminated;
  }
}
