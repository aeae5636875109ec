/** Small helpers for benchmarks: timing and medians. */
export async function time<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t = performance.now();
  const value = await fn();
  return { ms: performance.now() - t, value };
}

export { median, quantile } from "../lib/util/stats";
