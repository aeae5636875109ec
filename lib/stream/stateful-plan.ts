/**
 * The stateful part of a query's plan, checked when the query starts as Spark's
 * UnsupportedOperationChecker does: which steps measure event time (withWatermark) and which keep
 * state, the event-time column each stateful operator sees, and the output modes Spark refuses —
 * complete without an aggregation, append on an aggregation without a watermark, update on
 * session windows, a watermark redefined downstream of another.
 */
import { StreamlabError } from "../errors";
import type { OutputMode } from "./sink";
import { isStateful, isWatermarkStep, type EventTimeInfo, type StatefulOperator, type WatermarkStep } from "./stateful";
import type { TransformStep } from "./transform";

export interface StatefulPlan {
  /** Stateful operators with their ids (checkpoint/state/<id>), in plan order. */
  operators: { id: number; op: StatefulOperator }[];
  /** withWatermark steps with their ids, in plan order. */
  watermarks: { id: number; step: WatermarkStep }[];
  /** Each withWatermark's delay, by id. */
  delays: Map<number, number>;
}

const AGGREGATIONS = new Set(["stateStoreSave", "sessionWindowStateStoreSaveExec"]);

export function planStateful(steps: readonly TransformStep[], outputMode: OutputMode): StatefulPlan {
  const plan: StatefulPlan = { operators: [], watermarks: [], delays: new Map() };
  let eventTime: EventTimeInfo | undefined;
  for (const step of steps) {
    if (isWatermarkStep(step)) {
      if (eventTime) {
        throw new StreamlabError("INVALID_OPTION", `Redefining watermark is disallowed: ${step.label} comes after withWatermark(${eventTime.column}, …) on the same stream.`, {
          hint: "Keep one withWatermark per stream, before the stateful operators.",
        });
      }
      const id = plan.watermarks.length;
      plan.watermarks.push({ id, step });
      plan.delays.set(id, step.watermark.delayMs);
      eventTime = { column: step.watermark.column, delayMs: step.watermark.delayMs, operatorId: id };
    } else if (isStateful(step)) {
      step.validate(outputMode, eventTime);
      plan.operators.push({ id: plan.operators.length, op: step });
    }
  }
  if (outputMode === "complete" && !plan.operators.some((o) => AGGREGATIONS.has(o.op.operatorName))) {
    throw new StreamlabError("INVALID_OPTION", "Complete output mode not supported when there are no streaming aggregations on streaming DataFrames/Datasets.", {
      hint: 'Complete mode re-emits a whole aggregated result every batch: add groupBy(...).count() / .agg(...), or use outputMode "append".',
    });
  }
  return plan;
}
