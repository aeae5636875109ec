/**
 * Commit notifications within one process: a writer that commits a version of a table tells the
 * readers of that table in the same process at once (a Delta source wakes its query instead of
 * waiting for its next poll). Commits by other processes are found by the readers' polling.
 */
import * as path from "node:path";

type CommitListener = (version: number) => void;

const listeners = new Map<string, Set<CommitListener>>();

/** Calls `listener` with each version committed to the table at `tableRoot` by this process; returns the unsubscribe. */
export function onCommit(tableRoot: string, listener: CommitListener): () => void {
  const root = path.resolve(tableRoot);
  const set = listeners.get(root) ?? new Set<CommitListener>();
  set.add(listener);
  listeners.set(root, set);
  return () => {
    set.delete(listener);
    if (set.size === 0) listeners.delete(root);
  };
}

/** Tells the table's listeners that `version` is committed; a listener that throws is not the writer's problem. */
export function emitCommit(tableRoot: string, version: number): void {
  for (const listener of listeners.get(path.resolve(tableRoot)) ?? []) {
    try {
      listener(version);
    } catch {
      /* a reader's failure never fails the commit */
    }
  }
}
