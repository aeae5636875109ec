/**
 * `withWatermark(column, delay)` (Spark's EventTimeWatermarkExec): rows pass through unchanged —
 * late rows are judged by the stateful operators downstream, not here — while the batch's event
 * times (min, max, avg, count, in ms) are measured for the watermark and for progress.
 */
import { sqlIdent } from "../../duck";
import { StreamlabError } from "../../errors";
import { parseDuration } from "../../util/duration";
import type { WatermarkContext, WatermarkStep } from "../stateful";

let wmCounter = 0;

export function watermarkStep(column: string, delay: string | number): WatermarkStep {
  if (typeof delay === "string" && delay.trim().startsWith("-")) {
    throw new StreamlabError("INVALID_OPTION", `The watermark delay "${delay}" should not be negative.`);
  }
  const delayMs = parseDuration(delay, "withWatermark delay");
  const id = ++wmCounter;
  return {
    label: `withWatermark(${column}, ${delay})`,
    watermark: { column, delayMs },
    async apply(input, context) {
      const ctx = context as WatermarkContext;
      // Measured and passed on from one table: the input's own when it is one (the batch's rows), else a copy, so it runs once.
      const bare = /^SELECT \* FROM ([A-Za-z_][A-Za-z0-9_]*)$/.exec(input)?.[1];
      const t = bare ?? ctx.temp(`__sl_wm${id}_b${ctx.batchId}`);
      if (!bare) await ctx.duck.run(`CREATE OR REPLACE TEMP TABLE ${t} AS ${input}`);
      const col = (await ctx.duck.describe(`SELECT * FROM ${t}`)).find((c) => c.name === column);
      if (!col) throw new StreamlabError("INVALID_ARGUMENT", `withWatermark: the stream has no column ${column}.`, { hint: "Name the event-time column as it is in the stream." });
      if (!/^TIMESTAMP/.test(col.type)) {
        throw new StreamlabError("INVALID_ARGUMENT", `The event time \`${column}\` has the invalid type \`${col.type}\`, but expected "TIMESTAMP".`, {
          hint: `Convert it first, e.g. .withColumn("${column}", "CAST(${column} AS TIMESTAMPTZ)"), or declare it TIMESTAMP in the source's schema.`,
        });
      }
      const c = `epoch_ms(${sqlIdent(column)})`;
      const [s] = await ctx.duck.all<{ mn: bigint | null; mx: bigint | null; av: number | null; n: bigint }>(`SELECT min(${c}) AS mn, max(${c}) AS mx, avg(${c}) AS av, count(${c}) AS n FROM ${t}`);
      ctx.recordEventTime?.({ min: Number(s!.mn ?? 0), max: Number(s!.mx ?? 0), avg: Math.trunc(Number(s!.av ?? 0)), count: Number(s!.n) });
      return `SELECT * FROM ${t}`;
    },
  };
}
