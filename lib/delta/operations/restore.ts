/** RESTORE: makes the table's current version hold the files of an earlier version (a new commit; history is kept). */
import type { Duck } from "../../duck";
import { StreamlabError } from "../../errors";
import type { Action, AddFile } from "../actions";
import { fileActionKey } from "../log-replay";
import { Snapshot } from "../snapshot";
import { checkWritable } from "../table-features";
import { Transaction } from "../transaction";
import { removeAction } from "./rewrite";

export interface RestoreResult {
  version: number;
  restoredVersion: number;
  numRestoredFiles: number;
  numRemovedFiles: number;
}

export async function restore(current: Snapshot, duck: Duck, to: { version?: number; timestamp?: Date | string | number }): Promise<RestoreResult> {
  checkWritable(current.protocol, current.metadata, current.tableRoot);
  const target = await Snapshot.load(current.tableRoot, { ...to, duck, storage: current.storage });
  const key = (a: AddFile) => fileActionKey(current.tableRoot, a.path, a.deletionVector);
  const now = new Set(current.files.map(key));
  const then = new Set(target.files.map(key));
  const toAdd = target.files.filter((a) => !now.has(key(a)));
  const toRemove = current.files.filter((a) => !then.has(key(a)));
  const missing = toAdd.filter((a) => !current.storage.exists(target.filePath(a)));
  if (missing.length > 0) {
    throw new StreamlabError("DELTA_VERSION_NOT_FOUND", `Cannot restore version ${target.version}: ${missing.length} of its data files were deleted (by VACUUM), e.g. ${missing[0]!.path}.`, {
      hint: "Restore a more recent version, within the VACUUM retention window.",
    });
  }
  const txn = new Transaction(current.tableRoot, current, duck, { operation: "RESTORE", operationParameters: { version: target.version, timestamp: to.timestamp ?? null } });
  txn.read(current.files);
  const actions: Action[] = [];
  if (JSON.stringify(target.metadata) !== JSON.stringify(current.metadata)) actions.push({ metaData: target.metadata });
  actions.push(...toRemove.map((a) => removeAction(a)), ...toAdd.map((a) => ({ add: { ...a, dataChange: true } })));
  txn.addActions(...actions);
  const r = await txn.commit({
    numRestoredFiles: toAdd.length,
    numRemovedFiles: toRemove.length,
    restoredFilesSize: toAdd.reduce((s, a) => s + a.size, 0),
    removedFilesSize: toRemove.reduce((s, a) => s + a.size, 0),
    tableSizeAfterRestore: target.files.reduce((s, a) => s + a.size, 0),
    numOfFilesAfterRestore: target.files.length,
  });
  return { version: r.version, restoredVersion: target.version, numRestoredFiles: toAdd.length, numRemovedFiles: toRemove.length };
}
