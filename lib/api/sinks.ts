/**
 * The sink side of `writeStream`: one spec shape — `{ format, path?, options? }`, or
 * `{ foreachBatch }` — turned into a Sink, as Spark's `df.writeStream.format(f).options(o).start(path)`.
 * A ready-made `Sink` object (the engine's contract) is accepted as it is.
 */
import { StreamlabError } from "../errors";
import type * as ConsoleSinkModule from "../sinks/console-sink";
import type { ConsoleSinkOptions } from "../sinks/console-sink";
import { DeltaSink, type DeltaSinkOptions } from "../sinks/delta-sink";
import { ForeachBatchSink, type ForeachBatchFunction } from "../sinks/foreach-batch-sink";
import { MemorySink } from "../sinks/memory-sink";
import type * as PostgresSinkModule from "../sinks/postgres-sink";
import type { PostgresSinkOptions } from "../sinks/postgres-sink";
import type { Sink } from "../stream/sink";

/** Each format's options. */
export interface SinkOptionsByFormat {
  delta: DeltaSinkOptions;
  /** The memory sink's table is named by `tableName`, else by the query's name. */
  memory: { tableName?: string };
  console: ConsoleSinkOptions;
  postgres: PostgresSinkOptions;
  foreachBatch: { label?: string };
}

export type SinkFormat = keyof SinkOptionsByFormat;

/** Where a query writes: a format with its options (Delta also needs `path`), or a foreachBatch function. */
export type SinkSpec =
  | { [F in SinkFormat]: { format: F; path?: string; options?: SinkOptionsByFormat[F]; foreachBatch?: F extends "foreachBatch" ? ForeachBatchFunction : never } }[SinkFormat]
  | { format?: "foreachBatch"; foreachBatch: ForeachBatchFunction; options?: SinkOptionsByFormat["foreachBatch"] };

const FORMATS = ["delta", "memory", "console", "postgres", "foreachBatch"] as const;

function bad(message: string): StreamlabError {
  return new StreamlabError("INVALID_OPTION", message, { hint: `Write the sink as { format: "delta", path }, { format: "memory" | "console" | "postgres", options }, or { foreachBatch: fn }.` });
}

/** The Sink a spec describes. */
export function toSink(spec: SinkSpec | Sink): Sink {
  if (spec && typeof spec === "object" && "addBatch" in spec) return spec;
  const s = spec as { format?: string; path?: string; options?: Record<string, unknown>; foreachBatch?: ForeachBatchFunction };
  const format = s.format ?? (s.foreachBatch ? "foreachBatch" : undefined);
  if (!format || !(FORMATS as readonly string[]).includes(format)) throw bad(`Unknown sink format ${JSON.stringify(s.format)}.`);
  if (s.path !== undefined && format !== "delta") throw bad(`The ${format} sink takes no path (got ${JSON.stringify(s.path)}).`);
  switch (format as SinkFormat) {
    case "delta":
      if (!s.path) throw bad("The delta sink needs the table's path.");
      return new DeltaSink(s.path, s.options as DeltaSinkOptions);
    case "memory":
      return new MemorySink((s.options as SinkOptionsByFormat["memory"] | undefined)?.tableName);
    case "console":
      {
        // The table renderer comes with the console sink, for the queries that print.
        const { ConsoleSink } = require("../sinks/console-sink") as typeof ConsoleSinkModule;
        return new ConsoleSink(s.options as ConsoleSinkOptions);
      }
    case "postgres":
      if (!s.options) throw bad("The postgres sink needs options: { table, keyColumns, connectionString? }.");
      {
        // The PostgreSQL client (pg and its protocol) is loaded by the queries that write to PostgreSQL only.
        const { PostgresSink } = require("../sinks/postgres-sink") as typeof PostgresSinkModule;
        return new PostgresSink(s.options as unknown as PostgresSinkOptions);
      }
    case "foreachBatch":
      if (typeof s.foreachBatch !== "function") throw bad("The foreachBatch sink needs foreachBatch: (batch, batchId) => …");
      return new ForeachBatchSink(s.foreachBatch, (s.options as SinkOptionsByFormat["foreachBatch"] | undefined)?.label);
  }
}
