/** StreamingQueryListener: started, progress, idle and terminated events, for one query or all. */
import type { StreamingQueryProgress } from "./progress";

export interface QueryStartedEvent {
  id: string;
  runId: string;
  name: string;
  timestamp: string;
}

export interface QueryIdleEvent {
  id: string;
  runId: string;
  timestamp: string;
}

export interface QueryTerminatedEvent {
  id: string;
  runId: string;
  exception: string | null;
  errorCode: string | null;
}

export interface StreamingQueryListener {
  onQueryStarted?(e: QueryStartedEvent): void;
  onQueryProgress?(e: { progress: StreamingQueryProgress }): void;
  onQueryIdle?(e: QueryIdleEvent): void;
  onQueryTerminated?(e: QueryTerminatedEvent): void;
}

export class ListenerBus {
  private readonly listeners = new Set<StreamingQueryListener>();

  add(l: StreamingQueryListener): void {
    this.listeners.add(l);
  }

  remove(l: StreamingQueryListener): void {
    this.listeners.delete(l);
  }

  post<K extends keyof StreamingQueryListener>(kind: K, event: Parameters<NonNullable<StreamingQueryListener[K]>>[0]): void {
    for (const l of this.listeners) {
      try {
        (l[kind] as ((e: unknown) => void) | undefined)?.(event);
      } catch (e) {
        // A failing listener must not fail the query.
        process.emitWarning(`Streamlab: a StreamingQueryListener threw in ${kind}: ${(e as Error).message}`);
      }
    }
  }
}
