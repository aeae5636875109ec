/**
 * Streaming progress for notebooks, like Spark's Structured Streaming UI: a table of recent
 * batches, charts of input rate, processing rate and batch duration, a live-updating monitor,
 * and a timeline of batch start and end for comparing triggers.
 */
import type { StreamingQuery } from "../stream/micro-batch";
import type { StreamingQueryProgress } from "../stream/progress";
import { renderSvg, chart, VEGALITE_MIME, type VegaLiteSpec } from "./chart";
import { DisplayHandle, inNotebook } from "./display";
import { tableHtml, tableText, type TableData } from "./table";

/** One row per batch: the numbers Spark's UI shows. */
export function progressRows(progress: readonly StreamingQueryProgress[]): Record<string, unknown>[] {
  return progress.map((p) => ({
    query: p.name,
    batchId: p.batchId,
    timestamp: p.timestamp,
    numInputRows: p.numInputRows,
    inputRowsPerSecond: p.inputRowsPerSecond,
    processedRowsPerSecond: p.processedRowsPerSecond,
    batchDurationMs: p.durationMs.triggerExecution,
    addBatchMs: p.durationMs.addBatch,
    outputRows: p.sink.numOutputRows,
    ...p.sources[0]?.metrics,
  }));
}

/** Charts of input rate, processing rate and batch duration by batch. */
export function progressSpec(progress: readonly StreamingQueryProgress[], title = "Streaming query progress"): VegaLiteSpec {
  const values = progressRows(progress);
  const line = (field: string, label: string) => ({
    width: 180,
    height: 140,
    title: label,
    mark: { type: "line", point: true },
    encoding: {
      x: { field: "batchId", type: "quantitative", title: "batch", axis: { tickMinStep: 1 } },
      y: { field, type: "quantitative", title: label },
      color: { field: "query", type: "nominal", title: "query" },
    },
  });
  return {
    title,
    data: { values },
    hconcat: [line("inputRowsPerSecond", "input rows/s"), line("processedRowsPerSecond", "processed rows/s"), line("batchDurationMs", "batch duration (ms)")],
  };
}

/** Shows the progress table and charts (once). */
export async function showProgress(progress: readonly StreamingQueryProgress[], title?: string): Promise<void> {
  await chart(progressSpec(progress, title));
}

/** Start and end of every batch of each query, on one time axis: how triggers schedule work. */
export function timelineSpec(progress: readonly StreamingQueryProgress[], title = "Batches over time"): VegaLiteSpec {
  const t0 = Math.min(...progress.map((p) => Date.parse(p.timestamp)));
  const values = progress.map((p) => {
    const start = Date.parse(p.timestamp) - t0;
    return { query: p.name, batchId: p.batchId, start, end: start + Math.max(p.durationMs.triggerExecution, 5), rows: p.numInputRows };
  });
  return {
    title,
    data: { values },
    mark: { type: "bar", height: 14 },
    encoding: {
      x: { field: "start", type: "quantitative", title: "ms since the first batch" },
      x2: { field: "end" },
      y: { field: "query", type: "nominal", title: null },
      color: { field: "query", type: "nominal", legend: null },
      tooltip: [{ field: "batchId" }, { field: "rows" }, { field: "start" }, { field: "end" }],
    },
  };
}

export interface Monitor {
  /** Stops updating (the last state stays on screen). */
  stop(): void;
}

/**
 * A live view of one or more queries in a notebook cell: the recent batches and the three charts,
 * re-drawn in place after each batch (at most every `intervalMs`).
 */
export function monitor(queries: StreamingQuery | StreamingQuery[], options: { intervalMs?: number; rows?: number } = {}): Monitor {
  const qs = Array.isArray(queries) ? queries : [queries];
  const handle = new DisplayHandle();
  const interval = options.intervalMs ?? 500;
  let last = 0;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const draw = async () => {
    timer = undefined;
    last = Date.now();
    const progress = qs.flatMap((q) => q.recentProgress).sort((a, b) => a.timestamp.localeCompare(b.timestamp));
    const rows = progressRows(progress).slice(-(options.rows ?? 10));
    const data: TableData = { columns: Object.keys(rows[0] ?? { batchId: 0 }).map((n) => ({ name: n, type: "" })), rows, totalRows: progress.length };
    const status = qs.map((q) => `<b>${q.name}</b>: ${q.status.message}`).join(" · ");
    const svg = progress.length ? await renderSvg({ ...progressSpec(progress) }) : "";
    const html = `<div>${status}</div>${tableHtml(data)}${svg}`;
    if (!handle.update({ "text/html": html, "text/plain": tableText(data) }) && !inNotebook()) return;
  };
  const schedule = () => {
    if (stopped || timer) return;
    timer = setTimeout(() => void draw(), Math.max(0, interval - (Date.now() - last)));
  };
  for (const q of qs) q.addListener({ onQueryProgress: schedule, onQueryTerminated: schedule });
  schedule();
  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      void draw();
    },
  };
}

export { VEGALITE_MIME };
