/**
 * Streaming aggregation (Spark's StateStoreRestoreExec + StateStoreSaveExec): each batch is
 * aggregated into partial rows per group (and per event-time window), late windows are dropped,
 * the partials are merged with the groups' state, and the output mode decides what leaves:
 * update — the groups changed in this batch; complete — every group, every batch, state never
 * evicted; append — a group once, when the watermark passes its window's end, then evicted.
 */
import { sqlIdent } from "../../duck";
import { StreamlabError } from "../../errors";
import type { OutputMode } from "../sink";
import type { EventTimeInfo, StatefulContext, StatefulOperator } from "../stateful";
import { atOrBefore, timeWindowStruct, windowStarts, type TimeWindow } from "../window";
import { finalSelect, parseGrouping, type AggregateExpr, type GroupKey } from "./aggregates";
import { StateOperatorBase } from "./state-operator";

let aggCounter = 0;
/** The one group of an aggregation without keys (`groupBy().count()`). */
const GLOBAL = "__sl_global";

export class AggregateOperator extends StateOperatorBase implements StatefulOperator {
  readonly operatorName = "stateStoreSave";
  readonly label: string;
  private readonly keys: GroupKey[];
  private readonly aggs: AggregateExpr[];
  private readonly id = ++aggCounter;
  /** The key holding event time: `"window"."end"` for a window over the watermarked column, or that column. */
  private eventKey?: string;

  constructor(
    private readonly keyTexts: string[],
    private readonly window: TimeWindow | undefined,
    private readonly aggTexts: string[],
  ) {
    super();
    ({ keys: this.keys, aggs: this.aggs } = parseGrouping(keyTexts, window ? "window" : undefined, aggTexts));
    const w = window ? `window(${window.column}, ${window.durationMs} ms${window.slideMs !== window.durationMs ? `, ${window.slideMs} ms` : ""})` : "";
    this.label = `groupBy(${[w, ...keyTexts].filter(Boolean).join(", ")}).agg(${aggTexts.join(", ")})`;
  }

  protected stateKeys(): string[] {
    return this.keyNames;
  }

  fresh(): AggregateOperator {
    return new AggregateOperator(this.keyTexts, this.window, this.aggTexts);
  }

  /** Output key columns, in output order. */
  private get outputKeys(): string[] {
    return [...(this.window ? ["window"] : []), ...this.keys.map((k) => k.name)];
  }

  /** State key columns: the output keys, or one constant group for a global aggregation. */
  private get keyNames(): string[] {
    return this.outputKeys.length ? this.outputKeys : [GLOBAL];
  }

  validate(outputMode: OutputMode, eventTime: EventTimeInfo | undefined): void {
    if (eventTime && this.window?.column === eventTime.column) this.eventKey = `"window"."end"`;
    else if (eventTime && this.keys.some((k) => k.name === eventTime.column)) this.eventKey = sqlIdent(eventTime.column);
    if (outputMode === "append" && !this.eventKey) {
      throw new StreamlabError("INVALID_OPTION", "Append output mode not supported when there are streaming aggregations on streaming DataFrames/DataSets without watermark.", {
        hint: eventTime
          ? `Group by a window over the watermarked column ${eventTime.column} (or by the column itself), or use outputMode "update" or "complete".`
          : 'Add .withWatermark(column, delay) before groupBy and group by a window over that column, or use outputMode "update" or "complete".',
      });
    }
  }

  private finalSelect(from: string): string {
    return finalSelect(this.outputKeys, this.aggs, from);
  }

  async apply(input: string, ctx: StatefulContext): Promise<string> {
    const duck = ctx.duck;
    const started = performance.now();
    const mode = ctx.outputMode;
    const tag = `__sl_agg${this.id}_b${ctx.batchId}`;
    const partial = ctx.temp(`${tag}_partial`);
    const keySelect = this.keys.map((k) => `${k.expr} AS ${sqlIdent(k.name)}`);
    const partialCols = this.aggs.flatMap((a) => a.partials.map((p) => `${p.partial} AS ${sqlIdent(p.name)}`));
    const groupBy = (n: number) => `GROUP BY ${Array.from({ length: n }, (_, i) => i + 1).join(", ")}`;
    if (this.window) {
      // Grouped by the window's start (a BIGINT), the struct made once per group: hashing a struct
      // of two timestamps for every input row costs more than the aggregation itself.
      const names = [...this.keys.map((k) => sqlIdent(k.name)), ...this.aggs.flatMap((a) => a.partials.map((p) => sqlIdent(p.name)))];
      const grouped = `SELECT ${["__sl_ws", ...keySelect, ...partialCols].join(", ")} FROM (${windowStarts(input, this.window)}) ${groupBy(1 + keySelect.length)}`;
      await duck.run(`CREATE OR REPLACE TEMP TABLE ${partial} AS SELECT ${[`${timeWindowStruct("__sl_ws", this.window)} AS "window"`, ...names].join(", ")} FROM (${grouped})`);
    } else {
      if (keySelect.length === 0) keySelect.push(`0 AS ${GLOBAL}`);
      await duck.run(`CREATE OR REPLACE TEMP TABLE ${partial} AS SELECT ${[...keySelect, ...partialCols].join(", ")} FROM (${input}) ${groupBy(keySelect.length)}`);
    }
    const store = this.store ?? (await this.openStore((await duck.describe(`SELECT * FROM ${partial}`)).map((c) => [c.name, c.type] as [string, string]), this.keyNames));

    // Late windows: judged by the previous batch's watermark, per (group, window) partial row.
    let dropped = 0;
    if (this.eventKey && mode !== "complete") {
      const late = atOrBefore(this.eventKey, ctx.watermarks.lateMs);
      dropped = Number(await duck.value(`DELETE FROM ${partial} WHERE ${late}`));
    }

    // Merge the batch's partials with the state of the groups they touch.
    const merged = ctx.temp(`${tag}_merged`);
    const keyList = this.keyNames.map(sqlIdent);
    const merges = this.aggs.flatMap((a) => a.partials.map((p) => `${p.merge} AS ${sqlIdent(p.name)}`));
    const touched = `SELECT s.* FROM ${store.table} s WHERE EXISTS (SELECT 1 FROM ${partial} p WHERE ${store.keyMatch("s", "p")})`;
    await duck.run(`CREATE OR REPLACE TEMP TABLE ${merged} AS SELECT ${[...keyList, ...merges].join(", ")} FROM (SELECT * FROM ${partial} UNION ALL BY NAME ${touched}) GROUP BY ${keyList.join(", ")}`);
    const updated = await store.putTable(merged);
    const updatesMs = performance.now() - started;

    // The output is a query over this batch's tables (the engine materialises the batch's output once);
    // complete mode's reads the state, which changes with the next put: materialised here.
    let output = `${this.finalSelect(merged)} WHERE false`;
    let removed = 0;
    const removalStart = performance.now();
    if (mode === "complete") {
      const out = ctx.temp(`${tag}_out`);
      await duck.run(`CREATE OR REPLACE TEMP TABLE ${out} AS ${this.finalSelect(store.table)}`);
      output = `SELECT * FROM ${out}`;
    } else {
      if (mode === "update") output = this.finalSelect(merged);
      if (this.eventKey) {
        // Eviction by this batch's watermark; in append mode the evicted groups are the output.
        const gone = ctx.temp(`${tag}_gone`);
        removed = await store.removeWhere(atOrBefore(this.eventKey, ctx.watermarks.evictionMs), gone);
        if (mode === "append") output = this.finalSelect(gone);
      }
    }
    this.report({
      numRowsUpdated: updated,
      numRowsRemoved: removed,
      numRowsDroppedByWatermark: dropped,
      allUpdatesTimeMs: Math.round(updatesMs),
      allRemovalsTimeMs: Math.round(performance.now() - removalStart),
    });
    return output;
  }

  needsNoDataBatch(outputMode: OutputMode): boolean {
    return outputMode !== "complete" && this.eventKey !== undefined;
  }

}
