/**
 * Fault injection for crash tests: when STREAMLAB_CRASH_AT names a point ("afterOffsets@1"),
 * the process kills itself there with SIGKILL — no cleanup, no flushing — as a power cut would.
 *
 * The points of a micro-batch, in order: beforeOffsets, afterOffsets (offsets/N durable),
 * beforeSink, delta.beforeCommit (Delta sink: files written, log entry not), afterSinkCommit,
 * stateStore.afterDelta (each state store: version N+1's delta file written, its snapshot and
 * cleanup not; the first store to commit fires it, so with several operators the later ones have
 * not committed), afterStateCommit (every store committed; nothing durable happens between it and
 * commits/N). The number after "@" is the batch id. When a batch goes from the files to the sink in
 * one pass, offsets/N is written while the sink writes its files to its staging folder: there
 * afterOffsets and beforeSink come once those files are written, just before delta.beforeCommit —
 * still before anything of the batch is in the sink.
 *
 * A Delta commit also passes "delta.beforeCommit:<folder>/<table folder>" (data files written, log
 * entry not), numbered by the write's txnVersion when it has one: "delta.beforeCommit:silver/events@2"
 * stops one table's commit where several tables are written in one process.
 */
export function faultPoint(name: string, batchId?: number): void {
  const want = process.env.STREAMLAB_CRASH_AT;
  if (!want) return;
  const [point, batch] = want.split("@");
  if (point === name && (batch === undefined || batch === String(batchId))) process.kill(process.pid, "SIGKILL");
}

/** The last two folders of a table's path ("silver/events"): how fault points name a table. */
export function tableLabel(tableRoot: string): string {
  return tableRoot.split(/[\\/]/).filter(Boolean).slice(-2).join("/");
}
