/**
 * Aggregation over session windows (Spark's SessionWindowStateStoreRestoreExec / SaveExec): each
 * event opens [t, t + gap); sessions of the same key that overlap or touch are merged — within
 * the batch and with the key's sessions in state — and their aggregates merged with them. Append
 * emits a session once the watermark passes its end; complete emits every session every batch.
 * Update is refused, as in Spark.
 */
import { sqlIdent } from "../../duck";
import { StreamlabError } from "../../errors";
import type { OutputMode } from "../sink";
import type { EventTimeInfo, StatefulContext, StatefulOperator } from "../stateful";
import { atOrBefore, epochUs, windowStruct, type SessionWindow } from "../window";
import { finalSelect, parseGrouping, type AggregateExpr, type GroupKey } from "./aggregates";
import { StateOperatorBase } from "./state-operator";

const SESSION = "session_window";
let sessionCounter = 0;

export class SessionWindowOperator extends StateOperatorBase implements StatefulOperator {
  readonly operatorName = "sessionWindowStateStoreSaveExec";
  readonly label: string;
  private readonly keys: GroupKey[];
  private readonly aggs: AggregateExpr[];
  private readonly id = ++sessionCounter;
  private eventKey?: string;

  constructor(
    private readonly keyTexts: string[],
    private readonly session: SessionWindow,
    private readonly aggTexts: string[],
  ) {
    super();
    ({ keys: this.keys, aggs: this.aggs } = parseGrouping(keyTexts, SESSION, aggTexts));
    this.label = `groupBy(session_window(${session.column}, ${session.gapMs} ms), ${keyTexts.join(", ")}).agg(${aggTexts.join(", ")})`;
  }

  protected stateKeys(): string[] {
    return this.keyNames;
  }

  fresh(): SessionWindowOperator {
    return new SessionWindowOperator(this.keyTexts, this.session, this.aggTexts);
  }

  private get keyNames(): string[] {
    return [SESSION, ...this.keys.map((k) => k.name)];
  }

  validate(outputMode: OutputMode, eventTime: EventTimeInfo | undefined): void {
    if (this.keys.length === 0) {
      throw new StreamlabError("INVALID_OPTION", "Global aggregation with session window in streaming query is not supported.", { hint: "Group by at least one key besides the session window, e.g. groupBy(sl.sessionWindow(...), \"station_id\")." });
    }
    if (outputMode === "update") {
      throw new StreamlabError("INVALID_OPTION", "Update output mode not supported for session window on streaming DataFrames/DataSets.", { hint: 'Use outputMode "append" (sessions once closed) or "complete".' });
    }
    if (eventTime && eventTime.column === this.session.column) this.eventKey = `${sqlIdent(SESSION)}."end"`;
    if (outputMode === "append" && !this.eventKey) {
      throw new StreamlabError("INVALID_OPTION", "Append output mode not supported when there are streaming aggregations on streaming DataFrames/DataSets without watermark.", {
        hint: `Add .withWatermark("${this.session.column}", delay) before groupBy, or use outputMode "complete".`,
      });
    }
  }

  private finalSelect(from: string): string {
    return finalSelect(this.keyNames, this.aggs, from);
  }

  async apply(input: string, ctx: StatefulContext): Promise<string> {
    const duck = ctx.duck;
    const started = performance.now();
    const tag = `__sl_sess${this.id}_b${ctx.batchId}`;
    const events = ctx.temp(`${tag}_events`);
    const t = epochUs(this.session.column);
    const keySelect = this.keys.map((k) => `${k.expr} AS ${sqlIdent(k.name)}`);
    const partials = this.aggs.flatMap((a) => a.partials.map((p) => `${p.partial} AS ${sqlIdent(p.name)}`));
    // One session per event, [t, t + gap): events at the same instant share it.
    await duck.run(
      `CREATE OR REPLACE TEMP TABLE ${events} AS SELECT ${windowStruct(t, String(this.session.gapMs * 1000))} AS ${SESSION}, ${[...keySelect, ...partials].join(", ")} ` +
        `FROM (${input}) WHERE ${sqlIdent(this.session.column)} IS NOT NULL GROUP BY ${keySelect.map((_, i) => i + 2).join(", ")}, ${t}`,
    );
    const store = this.store ?? (await this.openStore((await duck.describe(`SELECT * FROM ${events}`)).map((c) => [c.name, c.type] as [string, string]), this.keyNames));
    let dropped = 0;
    if (this.eventKey && ctx.outputMode !== "complete") {
      const late = atOrBefore(this.eventKey, ctx.watermarks.lateMs);
      dropped = Number(await duck.value(`DELETE FROM ${events} WHERE ${late}`));
    }

    // The keys this batch touches: their stored sessions and the new ones, merged where they overlap or touch.
    const groupKeys = this.keys.map((k) => sqlIdent(k.name));
    const keyMatch = groupKeys.map((k) => `s.${k} IS NOT DISTINCT FROM e.${k}`).join(" AND ");
    const touched = `EXISTS (SELECT 1 FROM ${events} e WHERE ${keyMatch})`;
    const merged = ctx.temp(`${tag}_merged`);
    const start = `${sqlIdent(SESSION)}."start"`;
    const end = `${sqlIdent(SESSION)}."end"`;
    const part = `PARTITION BY ${groupKeys.join(", ")} ORDER BY ${start}, ${end}`;
    const merges = this.aggs.flatMap((a) => a.partials.map((p) => `${p.merge} AS ${sqlIdent(p.name)}`));
    await duck.run(
      `CREATE OR REPLACE TEMP TABLE ${merged} AS WITH all_sessions AS (SELECT * FROM ${events} UNION ALL BY NAME SELECT * FROM ${store.table} s WHERE ${touched}), ` +
        `ordered AS (SELECT *, max(${end}) OVER (${part} ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS __sl_prev_end FROM all_sessions), ` +
        `grouped AS (SELECT *, sum(CASE WHEN __sl_prev_end IS NULL OR ${start} > __sl_prev_end THEN 1 ELSE 0 END) OVER (${part} ROWS UNBOUNDED PRECEDING) AS __sl_session FROM ordered) ` +
        `SELECT {'start': min(${start}), 'end': max(${end})} AS ${SESSION}, ${[...groupKeys, ...merges].join(", ")} FROM grouped GROUP BY ${[...groupKeys, "__sl_session"].join(", ")}`,
    );
    const replaced = await store.removeWhere(touched);
    const updated = await store.put(`SELECT * FROM ${merged}`);
    const updatesMs = performance.now() - started;

    const out = ctx.temp(`${tag}_out`);
    const removalStart = performance.now();
    let removed = 0;
    if (ctx.outputMode === "complete") await duck.run(`CREATE OR REPLACE TEMP TABLE ${out} AS ${this.finalSelect(store.table)}`);
    else {
      const gone = ctx.temp(`${tag}_gone`);
      removed = await store.removeWhere(atOrBefore(this.eventKey!, ctx.watermarks.evictionMs), gone);
      await duck.run(`CREATE OR REPLACE TEMP TABLE ${out} AS ${this.finalSelect(gone)}`);
    }
    this.report({
      numRowsUpdated: updated,
      // Sessions merged into others are removals too, as Spark counts them.
      numRowsRemoved: removed + Math.max(0, replaced - updated),
      numRowsDroppedByWatermark: dropped,
      allUpdatesTimeMs: Math.round(updatesMs),
      allRemovalsTimeMs: Math.round(performance.now() - removalStart),
    });
    return `SELECT * FROM ${out}`;
  }

  needsNoDataBatch(outputMode: OutputMode): boolean {
    return outputMode === "append" && this.eventKey !== undefined;
  }

}
