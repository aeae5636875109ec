/**
 * The user-facing streaming API, shaped like Spark's: `readStream` makes a StreamFrame from a
 * source; transformations return new frames; `writeStream(...)` starts a StreamingQuery into a
 * sink with a checkpointLocation and a trigger.
 *
 *   const q = await readStream.files("data/raw/events", { format: "csv", schema, maxFilesPerTrigger: 5 })
 *     .where("price > 0")
 *     .writeStream({ format: "delta", path: "data/delta/events_bronze", checkpointLocation: "data/checkpoints/bronze" });
 */
import * as path from "node:path";
import type { Duck } from "../duck";
import { StreamlabError } from "../errors";
import { dataPath } from "../util/paths";
import type { Source } from "../stream/source";
import type { OutputMode } from "../stream/sink";
import type * as DeltaSourceModule from "../sources/delta-source";
import type { DeltaSourceOptions } from "../sources/delta-source";
import { FileStreamSource, type FileSourceOptions } from "../sources/file-source";
import type { MemoryStream } from "../sources/memory-source";
import type * as RateSourceModule from "../sources/rate-source";
import type { RateSourceOptions } from "../sources/rate-source";
import { streams } from "../stream/manager";
import { MemorySink } from "../sinks/memory-sink";
import { toSink, type SinkSpec } from "./sinks";
import type { Sink } from "../stream/sink";
import { StreamingQuery } from "../stream/query";
import type { Clock } from "../stream/clock";
import type { StreamingQueryListener } from "../stream/listener";
import { dropStep, renameStep, selectStep, sqlStep, whereStep, withColumnStep, type TransformStep } from "../stream/transform";
import { parseTrigger, type TriggerSpec } from "../stream/trigger";
import type * as DeduplicateModule from "../stream/operators/deduplicate";
import type * as WatermarkModule from "../stream/operators/watermark";
import { isStateful } from "../stream/stateful";
import type * as GroupedModule from "./grouped";
import type { GroupedStream, GroupingKey } from "./grouped";
import type * as JoinModule from "./join";
import type { JoinHow, JoinOn, StaticTable } from "./join";

/**
 * What only some frames need, loaded when one first does: a query that moves files into a table
 * (the command line's ingest) loads no stateful operator, join or other source.
 */
const lazy = {
  deltaSource: () => (require("../sources/delta-source") as typeof DeltaSourceModule).DeltaSource,
  rateSource: () => (require("../sources/rate-source") as typeof RateSourceModule).RateSource,
  deduplicate: () => (require("../stream/operators/deduplicate") as typeof DeduplicateModule).DeduplicateOperator,
  watermarkStep: () => (require("../stream/operators/watermark") as typeof WatermarkModule).watermarkStep,
  grouped: () => (require("./grouped") as typeof GroupedModule).GroupedStream,
  joinStep: () => (require("./join") as typeof JoinModule).joinStep,
};

export interface WriteStreamOptions {
  /** Where offsets, commits and source logs live. Default: data/checkpoints/<queryName>. */
  checkpointLocation?: string;
  trigger?: TriggerSpec;
  queryName?: string;
  /**
   * append (default): each row once (an aggregation's group once its window closed); update: the
   * groups changed in each batch; complete: the whole aggregated result every batch.
   */
  outputMode?: OutputMode;
  /** Run a batch without new rows when the watermark lets state be evicted or windows emitted (Spark's noDataMicroBatches.enabled). Default true. */
  noDataMicroBatches?: boolean;
  /** How several watermarks combine: "min" (default) or "max" (Spark's multipleWatermarkPolicy). */
  multipleWatermarkPolicy?: "min" | "max";
  /** How often an idle query looks for new data, ms (default 100). */
  pollIntervalMs?: number;
  duck?: Duck;
  /** This query's listeners, registered before it starts, so they see onQueryStarted (addListener() on the returned query comes too late for it). */
  listeners?: StreamingQueryListener[];
  /** The clock the query's triggers follow (default: the system clock); tests pass a ManualClock. */
  clock?: Clock;
}

/**
 * A stream definition: a source and the transformations over it. Immutable: each method returns
 * a new frame. Every query started from a frame gets its own source instance (as in Spark), so
 * one frame can feed several queries, each with its own checkpoint.
 */
export class StreamFrame {
  /** A source made when the frame was defined: options are validated then, and explain() uses it. */
  readonly source: Source;

  constructor(
    private readonly makeSource: () => Source,
    readonly steps: readonly TransformStep[] = [],
    source?: Source,
  ) {
    this.source = source ?? makeSource();
  }

  private with(step: TransformStep): StreamFrame {
    return new StreamFrame(this.makeSource, [...this.steps, step], this.source);
  }

  /** SQL expressions, e.g. select("event_id", "price * 0.9 AS price_eur"). */
  select(...exprs: string[]): StreamFrame {
    return this.with(selectStep(exprs));
  }

  where(predicate: string): StreamFrame {
    return this.with(whereStep(predicate));
  }

  filter(predicate: string): StreamFrame {
    return this.where(predicate);
  }

  withColumn(name: string, expr: string): StreamFrame {
    return this.with(withColumnStep(name, expr));
  }

  withColumnRenamed(from: string, to: string): StreamFrame {
    return this.with(renameStep(from, to));
  }

  drop(...columns: string[]): StreamFrame {
    return this.with(dropStep(columns));
  }

  /** Raw SQL over each micro-batch, which the query sees as the view `batch`. */
  sql(query: string): StreamFrame {
    return this.with(sqlStep(query));
  }

  /** A custom step (stateful operators plug in here). */
  transform(step: TransformStep): StreamFrame {
    return this.with(step);
  }

  /**
   * Declares `column` the stream's event time, and how late its rows may come: the watermark is
   * the latest event time seen minus `delay` ("10 minutes", "30 seconds"); stateful operators
   * downstream drop rows older than it and evict the state it has passed.
   */
  withWatermark(column: string, delay: string | number): StreamFrame {
    return this.with(lazy.watermarkStep()(column, delay));
  }

  /** Groups the stream by columns and at most one event-time window (sl.window / sl.sessionWindow); then .count() or .agg(...). */
  groupBy(...keys: GroupingKey[]): GroupedStream<StreamFrame> {
    return new (lazy.grouped())(keys, (op) => this.with(op));
  }

  /** Drops rows whose `columns` (default: all) were seen before; with the event-time column among them, state is evicted behind the watermark. */
  dropDuplicates(...columns: string[]): StreamFrame {
    return this.with(new (lazy.deduplicate())(columns, false));
  }

  /** Drops rows whose `columns` were seen within the watermark delay of the first one (needs withWatermark). */
  dropDuplicatesWithinWatermark(...columns: string[]): StreamFrame {
    return this.with(new (lazy.deduplicate())(columns, true));
  }

  /**
   * A stream-static join: each batch's rows joined with `other` as it is for that batch — a Delta
   * table (its latest snapshot), a Parquet / CSV / JSON file, or { postgres: { table } }. `on`: a
   * column or columns present on both sides, or a SQL condition over `l` (the stream) and `r`.
   */
  join(other: StaticTable, on: JoinOn, how: JoinHow = "inner"): StreamFrame {
    return this.with(lazy.joinStep()(other, on, how));
  }

  /** The plan, one step a line. */
  explain(): string {
    return [this.source.description, ...this.steps.map((s) => `  → ${s.label}`)].join("\n");
  }

  /** Starts the query. Resolves once it has opened its checkpoint, source and sink. */
  async writeStream(sink: SinkSpec | Sink, options: WriteStreamOptions = {}): Promise<StreamingQuery> {
    const s = toSink(sink);
    const outputMode = options.outputMode ?? "append";
    if (!["append", "complete", "update"].includes(outputMode)) {
      throw new StreamlabError("INVALID_OPTION", `Unknown outputMode "${outputMode}".`, { hint: "Use append, update or complete." });
    }
    const queryName = options.queryName;
    if (s instanceof MemorySink && !queryName && !s.tableName) {
      throw new StreamlabError("INVALID_OPTION", "The memory sink needs a queryName: it names the table the results go to.");
    }
    const checkpointLocation = path.resolve(options.checkpointLocation ?? dataPath("checkpoints", queryName ?? "unnamed"));
    if (!options.checkpointLocation && !queryName) {
      throw new StreamlabError("INVALID_OPTION", "Give the query a checkpointLocation (or a queryName, for data/checkpoints/<queryName>).", {
        hint: "The checkpoint is what makes a restart continue where the query stopped.",
      });
    }
    // Each query gets its own stateful operators (their state is the query's, in its checkpoint).
    const steps = this.steps.map((step) => (isStateful(step) ? step.fresh() : step));
    const q = new StreamingQuery(this.makeSource(), steps, s, {
      checkpointLocation,
      trigger: parseTrigger(options.trigger),
      queryName,
      outputMode,
      pollIntervalMs: options.pollIntervalMs,
      duck: options.duck,
      listeners: options.listeners,
      clock: options.clock,
      noDataMicroBatches: options.noDataMicroBatches,
      multipleWatermarkPolicy: options.multipleWatermarkPolicy,
    }, streams.bus);
    streams.register(q);
    return q.start();
  }
}

/** Sources, as `spark.readStream` makes them. */
export const readStream = {
  /** Files landing in a folder (Auto Loader / `cloudFiles`). */
  files(dir: string, options: FileSourceOptions | Record<string, unknown> = {}): StreamFrame {
    return new StreamFrame(() => new FileStreamSource(dir, options));
  },
  /** The rate source: rowsPerSecond rows of (timestamp, value). */
  rate(options: RateSourceOptions = {}): StreamFrame {
    return new StreamFrame(() => new (lazy.rateSource())(options));
  },
  /** Rows pushed from code with stream.addData(...). */
  memory(stream: MemoryStream): StreamFrame {
    return new StreamFrame(() => stream.reader());
  },
  /** A Delta table: its current snapshot, then every later commit (or from startingVersion / startingTimestamp). */
  delta(tablePath: string, options: DeltaSourceOptions | Record<string, unknown> = {}): StreamFrame {
    return new StreamFrame(() => new (lazy.deltaSource())(tablePath, options));
  },
  /** Any Source, made fresh for each query by `make`. */
  source(make: () => Source): StreamFrame {
    return new StreamFrame(make);
  },
};
