/**
 * Streaming deduplication (Spark's StreamingDeduplicateExec and
 * StreamingDeduplicateWithinWatermarkExec): the first row of each key is passed on, later rows
 * with a key in state are dropped. Rows at or before the previous batch's watermark are late and
 * filtered before the duplicate check. `dropDuplicates` evicts a key once the watermark passes its
 * event time (only when the event-time column is among the keys — otherwise state grows for
 * ever); `dropDuplicatesWithinWatermark` keeps a key until the watermark reaches its first event
 * time + the watermark delay, whatever the keys.
 */
import { sqlIdent } from "../../duck";
import { StreamlabError } from "../../errors";
import type { OutputMode } from "../sink";
import type { EventTimeInfo, StatefulContext, StatefulOperator } from "../stateful";
import { atOrBefore } from "../window";
import { StateOperatorBase } from "./state-operator";
import type { StateColumns } from "./state-schema";

const EXPIRES = "__sl_expires_us";
let dedupCounter = 0;

export class DeduplicateOperator extends StateOperatorBase implements StatefulOperator {
  readonly operatorName: string;
  readonly label: string;
  private readonly id = ++dedupCounter;
  private eventTime?: EventTimeInfo;
  private keys?: string[];

  constructor(
    private readonly columns: string[],
    private readonly withinWatermark: boolean,
  ) {
    super();
    this.operatorName = withinWatermark ? "dedupeWithinWatermark" : "dedupe";
    this.label = `${withinWatermark ? "dropDuplicatesWithinWatermark" : "dropDuplicates"}(${columns.join(", ")})`;
    if (columns.length > 0) this.keys = [...columns];
  }

  protected stateKeys(recorded: StateColumns): string[] {
    this.keys ??= recorded.map(([n]) => n).filter((n) => n !== EXPIRES);
    return this.keys;
  }

  fresh(): DeduplicateOperator {
    return new DeduplicateOperator(this.columns, this.withinWatermark);
  }

  /** Evicts by event time: the event-time column is a key (dropDuplicates), or always (within watermark). */
  private get evicts(): boolean {
    if (!this.eventTime) return false;
    return this.withinWatermark || (this.keys ?? []).includes(this.eventTime.column);
  }

  validate(_outputMode: OutputMode, eventTime: EventTimeInfo | undefined): void {
    this.eventTime = eventTime;
    if (this.withinWatermark && !eventTime) {
      throw new StreamlabError("INVALID_OPTION", "dropDuplicatesWithinWatermark is not supported on streaming DataFrames/DataSets without watermark.", {
        hint: "Call .withWatermark(column, delay) before dropDuplicatesWithinWatermark(...).",
      });
    }
  }

  async apply(input: string, ctx: StatefulContext): Promise<string> {
    const duck = ctx.duck;
    const started = performance.now();
    const tag = `__sl_dedup${this.id}_b${ctx.batchId}`;
    const rows = ctx.temp(`${tag}_rows`);
    await duck.run(`CREATE OR REPLACE TEMP TABLE ${rows} AS SELECT *, row_number() OVER () AS __sl_n FROM (${input})`);
    const inputColumns = (await duck.describe(`SELECT * FROM ${rows}`)).filter((c) => c.name !== "__sl_n");
    this.keys ??= inputColumns.map((c) => c.name);
    const missing = this.keys.filter((k) => !inputColumns.some((c) => c.name === k));
    if (missing.length) throw new StreamlabError("INVALID_ARGUMENT", `${this.label}: no column ${missing.join(", ")} in the stream (columns: ${inputColumns.map((c) => c.name).join(", ")}).`);
    const columns: [string, string][] = this.keys.map((k) => [k, inputColumns.find((c) => c.name === k)!.type]);
    if (this.withinWatermark) columns.push([EXPIRES, "BIGINT"]);
    const store = this.store ?? (await this.openStore(columns, this.keys));

    let dropped = 0;
    if (this.eventTime) {
      dropped = Number(await duck.value(`DELETE FROM ${rows} WHERE ${atOrBefore(sqlIdent(this.eventTime.column), ctx.watermarks.lateMs)}`));
    }
    const kept = Number(await duck.value(`SELECT count(*) FROM ${rows}`));
    const firsts = ctx.temp(`${tag}_first`);
    const keyList = this.keys.map(sqlIdent).join(", ");
    await duck.run(
      `CREATE OR REPLACE TEMP TABLE ${firsts} AS SELECT * EXCLUDE (__sl_r) FROM (SELECT *, row_number() OVER (PARTITION BY ${keyList} ORDER BY __sl_n) AS __sl_r FROM ${rows}) r ` +
        `WHERE __sl_r = 1 AND NOT EXISTS (SELECT 1 FROM ${store.table} s WHERE ${store.keyMatch("s", "r")}) ORDER BY __sl_n`,
    );
    const expires = this.withinWatermark ? `, epoch_us(${sqlIdent(this.eventTime!.column)}) + ${this.eventTime!.delayMs * 1000} AS ${EXPIRES}` : "";
    const updated = await store.put(`SELECT ${keyList}${expires} FROM ${firsts}`);
    const updatesMs = performance.now() - started;
    const removalStart = performance.now();
    let removed = 0;
    if (this.evicts) {
      const evict = ctx.watermarks.evictionMs;
      removed = await store.removeWhere(this.withinWatermark ? `${EXPIRES} <= ${Math.trunc(evict) * 1000}` : atOrBefore(sqlIdent(this.eventTime!.column), evict));
    }
    this.report({
      numRowsUpdated: updated,
      numRowsRemoved: removed,
      numRowsDroppedByWatermark: dropped,
      allUpdatesTimeMs: Math.round(updatesMs),
      allRemovalsTimeMs: Math.round(performance.now() - removalStart),
      customMetrics: { numDroppedDuplicateRows: kept - updated },
    });
    return `SELECT * EXCLUDE (__sl_n) FROM ${firsts} ORDER BY __sl_n`;
  }

  needsNoDataBatch(): boolean {
    return this.evicts;
  }

}
