/**
 * Triggers, with Spark's semantics:
 *  - default: the next batch starts as soon as the previous one ends and data is available;
 *  - processingTime: batches start on the interval; an overrunning batch is followed at once;
 *  - availableNow: everything available at start, in as many batches as the rate limits need, then stop;
 *  - once: one batch with everything available (rate limits ignored), then stop.
 */
import { StreamlabError } from "../errors";
import { parseDuration } from "../util/duration";

export type Trigger =
  | { kind: "default" }
  | { kind: "processingTime"; intervalMs: number }
  | { kind: "availableNow" }
  | { kind: "once" };

export type TriggerSpec = Trigger | { processingTime: string | number } | { availableNow: true } | { once: true } | "availableNow" | "once" | "default" | string | undefined;

/** Parses `{ processingTime: "2s" }`, `"availableNow"`, `"once"`, `"processingTime=2s"` (CLI) or nothing (default). */
export function parseTrigger(spec: TriggerSpec): Trigger {
  if (spec === undefined || spec === "default") return { kind: "default" };
  if (typeof spec === "string") {
    if (spec === "availableNow" || spec === "once") return { kind: spec };
    const m = /^processingTime\s*=\s*(.+)$/i.exec(spec);
    if (m) return processingTime(m[1]!);
    throw new StreamlabError("INVALID_OPTION", `Unknown trigger "${spec}".`, { hint: 'Use availableNow, once, processingTime=2s, or leave it out for the default trigger.' });
  }
  if ("kind" in spec) return spec;
  if ("processingTime" in spec) return processingTime(spec.processingTime);
  if ("availableNow" in spec) return { kind: "availableNow" };
  if ("once" in spec) return { kind: "once" };
  throw new StreamlabError("INVALID_OPTION", `Unknown trigger ${JSON.stringify(spec)}.`);
}

function processingTime(v: string | number): Trigger {
  const intervalMs = parseDuration(v, "processingTime");
  return intervalMs === 0 ? { kind: "default" } : { kind: "processingTime", intervalMs };
}

export function describeTrigger(t: Trigger): string {
  return t.kind === "processingTime" ? `ProcessingTime(${t.intervalMs} ms)` : t.kind === "default" ? "ProcessingTime(0 ms)" : t.kind === "once" ? "Once" : "AvailableNow";
}
