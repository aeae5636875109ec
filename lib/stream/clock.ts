/**
 * The engine's clock (Spark's triggerClock): batch start times, phase durations and the sleeps
 * between triggers all read it. The system clock runs queries; a ManualClock makes trigger tests
 * exact on a loaded machine — time moves only when the test says so.
 */

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves once `ms` have passed on this clock, or at once when `wake` aborts (new data, stop()). */
  sleep(ms: number, wake: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep(ms, wake) {
    return new Promise((resolve) => {
      if (wake.aborted) return resolve();
      const t = setTimeout(done, Math.max(0, ms));
      function done() {
        clearTimeout(t);
        wake.removeEventListener("abort", done);
        resolve();
      }
      wake.addEventListener("abort", done, { once: true });
    });
  },
};

interface Sleeper {
  until: number;
  resolve(): void;
}

/** A clock that stands still until advance(): for tests of trigger timing. */
export class ManualClock implements Clock {
  private sleepers: Sleeper[] = [];
  private watchers: (() => void)[] = [];

  constructor(private time = 0) {}

  now(): number {
    return this.time;
  }

  sleep(ms: number, wake: AbortSignal): Promise<void> {
    if (ms <= 0 || wake.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const s: Sleeper = {
        until: this.time + ms,
        resolve: () => {
          this.sleepers = this.sleepers.filter((x) => x !== s);
          wake.removeEventListener("abort", s.resolve);
          resolve();
        },
      };
      wake.addEventListener("abort", s.resolve, { once: true });
      this.sleepers.push(s);
      for (const w of this.watchers.splice(0)) w();
    });
  }

  /** Moves time forward by `ms`, waking every sleep that is then due. */
  advance(ms: number): void {
    this.time += ms;
    for (const s of this.sleepers.filter((x) => x.until <= this.time)) s.resolve();
  }

  /** Resolves, with the time it sleeps until, once something sleeps on this clock (a query waiting for its next trigger). */
  async nextWakeUp(): Promise<number> {
    while (this.sleepers.length === 0) await new Promise<void>((r) => this.watchers.push(r));
    return Math.min(...this.sleepers.map((s) => s.until));
  }
}
