/** StreamingQueryManager: the queries active in this process, and listeners for all of them. */
import { StreamlabError } from "../errors";
import { ListenerBus, type StreamingQueryListener } from "./listener";
import type { StreamingQuery } from "./query";

export class StreamingQueryManager {
  readonly bus = new ListenerBus();
  private readonly queries = new Set<StreamingQuery>();

  get active(): StreamingQuery[] {
    return [...this.queries].filter((q) => q.isActive);
  }

  get(idOrName: string): StreamingQuery | undefined {
    return this.active.find((q) => q.id === idOrName || q.name === idOrName);
  }

  addListener(l: StreamingQueryListener): void {
    this.bus.add(l);
  }

  removeListener(l: StreamingQueryListener): void {
    this.bus.remove(l);
  }

  /** Registers a query about to start; refuses a second active query with the same name. */
  register(q: StreamingQuery): void {
    if (this.active.some((a) => a.name === q.name)) {
      throw new StreamlabError("INVALID_OPTION", `A query named "${q.name}" is already active.`, { hint: "Stop it first, or give this query another queryName." });
    }
    for (const old of [...this.queries]) if (!old.isActive) this.queries.delete(old);
    this.queries.add(q);
  }

  /** Stops every active query (each after its current batch). */
  async stopAll(): Promise<void> {
    await Promise.all(this.active.map((q) => q.stop()));
  }

  /** Resolves when any active query terminates. */
  async awaitAnyTermination(timeoutMs?: number): Promise<boolean> {
    const qs = this.active;
    if (qs.length === 0) return true;
    return Promise.race(qs.map((q) => q.awaitTermination(timeoutMs)));
  }
}

/** The process-wide manager (Spark's `spark.streams`). */
export const streams = new StreamingQueryManager();
