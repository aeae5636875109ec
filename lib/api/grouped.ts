/**
 * `frame.groupBy(...keys)`: a grouped stream, as Spark's RelationalGroupedDataset — `.count()`
 * or `.agg("avg(x) AS y", …)` make a streaming aggregation; at most one key may be an event-time
 * window (`sl.window(...)`) or a session window (`sl.sessionWindow(...)`).
 */
import { StreamlabError } from "../errors";
import { AggregateOperator } from "../stream/operators/aggregate";
import { SessionWindowOperator } from "../stream/operators/session-window";
import type { StatefulOperator } from "../stream/stateful";
import { isWindowSpec, type WindowSpec } from "../stream/window";

export type GroupingKey = string | WindowSpec;

export class GroupedStream<F> {
  constructor(
    private readonly keys: GroupingKey[],
    private readonly then: (op: StatefulOperator) => F,
  ) {
    const windows = keys.filter(isWindowSpec);
    if (windows.length > 1) throw new StreamlabError("INVALID_ARGUMENT", "groupBy() takes at most one window or session window.");
    for (const k of keys) if (!isWindowSpec(k) && typeof k !== "string") throw new StreamlabError("INVALID_ARGUMENT", `groupBy() keys are column names (or "expr AS name") and sl.window(...) / sl.sessionWindow(...); got ${JSON.stringify(k)}.`);
  }

  /** Rows per group, in a column `count`. */
  count(): F {
    return this.agg("count(*) AS count");
  }

  /** Aggregates per group: count, sum, min, max, avg, count(DISTINCT x), approx_count_distinct(x), each optionally "AS name". */
  agg(...exprs: string[]): F {
    const window = this.keys.find(isWindowSpec);
    const names = this.keys.filter((k): k is string => typeof k === "string");
    if (window?.kind === "session") return this.then(new SessionWindowOperator(names, window, exprs));
    return this.then(new AggregateOperator(names, window, exprs));
  }
}
