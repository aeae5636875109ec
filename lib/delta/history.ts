/** Table history (DESCRIBE HISTORY): one row per commit, newest first, from the commitInfo actions. */
import { readCommitFile, type CommitEntry } from "./commit-range";
import { listLog } from "./log-segment";
import { defaultStorage, type Storage } from "./storage";

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

/** A commit as a history row. */
export function historyEntry(c: CommitEntry): HistoryEntry {
  const ci = c.commitInfo ?? {};
  return {
    version: c.version,
    timestamp: new Date(c.timestamp),
    operation: c.operation,
    operationParameters: c.operationParameters,
    operationMetrics: c.operationMetrics,
    readVersion: ci.readVersion ?? null,
    isolationLevel: ci.isolationLevel ?? null,
    isBlindAppend: ci.isBlindAppend ?? null,
    engineInfo: ci.engineInfo ?? null,
    userMetadata: ci.userMetadata ?? null,
    txnId: ci.txnId ?? null,
  };
}

/** The history of a table (its commits still in the log), newest first; `limit` keeps the newest N. */
export function history(tableRoot: string, limit?: number, storage: Storage = defaultStorage): HistoryEntry[] {
  const commits = listLog(tableRoot, storage).commits.slice().reverse();
  const chosen = limit === undefined ? commits : commits.slice(0, limit);
  return chosen.map((c) => historyEntry(readCommitFile(c, storage)));
}
