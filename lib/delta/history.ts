/** Table history (DESCRIBE HISTORY): one row per commit, newest first, from the commitInfo actions. */
import { parseCommit } from "./actions";
import { listLog } from "./log-segment";
import { commitTimestamp } from "./snapshot";
import { readText } from "./storage";

export interface HistoryEntry {
  version: number;
  timestamp: Date;
  operation: string | null;
  operationParameters: Record<string, unknown>;
  operationMetrics: Record<string, unknown>;
  readVersion: number | null;
  isolationLevel: string | null;
  isBlindAppend: boolean | null;
  engineInfo: string | null;
  userMetadata: string | null;
  txnId: string | null;
}

/** The history of a table (its commits still in the log), newest first; `limit` keeps the newest N. */
export function history(tableRoot: string, limit?: number): HistoryEntry[] {
  const commits = listLog(tableRoot).commits.slice().reverse();
  const chosen = limit === undefined ? commits : commits.slice(0, limit);
  return chosen.map((c) => {
    const ci = parseCommit(readText(c.path), c.path).find((a) => a.commitInfo)?.commitInfo ?? {};
    return {
      version: c.version,
      timestamp: new Date(commitTimestamp(c.path)),
      operation: ci.operation ?? null,
      operationParameters: ci.operationParameters ?? {},
      operationMetrics: ci.operationMetrics ?? {},
      readVersion: ci.readVersion ?? null,
      isolationLevel: ci.isolationLevel ?? null,
      isBlindAppend: ci.isBlindAppend ?? null,
      engineInfo: ci.engineInfo ?? null,
      userMetadata: ci.userMetadata ?? null,
      txnId: ci.txnId ?? null,
    };
  });
}
