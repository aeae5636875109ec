/**
 * Fault injection for crash tests: when STREAMLAB_CRASH_AT names a point ("afterOffsets@1"),
 * the process kills itself there with SIGKILL — no cleanup, no flushing — as a power cut would.
 */
export function faultPoint(name: string, batchId?: number): void {
  const want = process.env.STREAMLAB_CRASH_AT;
  if (!want) return;
  const [point, batch] = want.split("@");
  if (point === name && (batch === undefined || batch === String(batchId))) process.kill(process.pid, "SIGKILL");
}
