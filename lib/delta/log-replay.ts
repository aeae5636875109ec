/**
 * Log replay (PROTOCOL.md, "Action Reconciliation"): folds a log segment — its checkpoint and
 * the commits after it — into the state in force at its version. Newest action wins: commits
 * are read newest first, so the first add/remove seen for a file, the first protocol, metaData,
 * txn per app and domain per name are the ones that count.
 */
import type { Duck } from "../duck";
import { StreamlabError } from "../errors";
import { dvUniqueId, type Action, type AddFile, type CommitInfo, type DeletionVectorDescriptor, type Metadata, type Protocol, type RemoveFile } from "./actions";
import { readCheckpoint } from "./checkpoint-reader";
import { readCommitFile } from "./commit-range";
import type { LogSegment } from "./log-segment";
import { resolveDataPath } from "./storage";
import { checkReadable } from "./table-features";

/** The reconciled state of one version. */
export interface ReplayedState {
  protocol: Protocol;
  metadata: Metadata;
  /** Active files, keyed by path + deletion-vector id. */
  files: AddFile[];
  /** Remove actions still in force (files no version after them re-adds). */
  tombstones: RemoveFile[];
  /** Latest txn version per application id. */
  txns: Map<string, number>;
  /** Domain metadata (not removed) by domain. */
  domains: Map<string, string>;
  /** The commitInfo of the segment's last commit, when that commit is part of the segment. */
  commitInfo: CommitInfo | undefined;
}

/** The reconciliation key of a file action: its resolved path plus its deletion vector's id (PROTOCOL.md, "Action Reconciliation"). */
export function fileActionKey(root: string, p: string, dv: DeletionVectorDescriptor | null | undefined): string {
  let resolved = p;
  try {
    resolved = resolveDataPath(root, p);
  } catch {
    /* a path this reader cannot resolve still keys by its text */
  }
  return `${resolved}#${dvUniqueId(dv)}`;
}

/**
 * Replays `segment`. Throws DELTA_INVALID_CHECKPOINT when its checkpoint cannot be read (the caller
 * may fall back). `duck` may still be opening: it is awaited for the checkpoint only, which DuckDB
 * reads while the commits after it are parsed here.
 */
export async function replayLog(segment: LogSegment, duck: Duck | Promise<Duck>): Promise<ReplayedState> {
  const storage = segment.listing.storage;
  const checkpoint = segment.checkpoint;
  const checkpointActions = !checkpoint ? undefined : duck instanceof Promise ? duck.then((d) => readCheckpoint(d, checkpoint, storage)) : readCheckpoint(duck, checkpoint, storage);
  // Observed now, thrown below (a commit that fails to parse must not leave it unhandled).
  checkpointActions?.catch(() => {});
  const seen = new Set<string>();
  const files: AddFile[] = [];
  const tombstones: RemoveFile[] = [];
  const txns = new Map<string, number>();
  const domains = new Map<string, string>();
  const seenDomains = new Set<string>();
  let protocol: Protocol | undefined;
  let metadata: Metadata | undefined;
  let commitInfo: CommitInfo | undefined;

  const apply = (a: Action, fromCheckpoint: boolean) => {
    if (a.add) {
      const key = fileActionKey(segment.tableRoot, a.add.path, a.add.deletionVector);
      if (!seen.has(key)) {
        seen.add(key);
        files.push(a.add);
      }
    } else if (a.remove) {
      // A remove hides older adds of the same key; checkpoints carry removes only as tombstones for VACUUM.
      const key = fileActionKey(segment.tableRoot, a.remove.path, a.remove.deletionVector);
      if (!seen.has(key)) {
        if (!fromCheckpoint) seen.add(key);
        tombstones.push(a.remove);
      }
    } else if (a.protocol) {
      protocol ??= a.protocol;
    } else if (a.metaData) {
      metadata ??= a.metaData;
    } else if (a.txn) {
      if (!txns.has(a.txn.appId)) txns.set(a.txn.appId, a.txn.version);
    } else if (a.domainMetadata) {
      const d = a.domainMetadata;
      if (!seenDomains.has(d.domain)) {
        seenDomains.add(d.domain);
        if (!d.removed) domains.set(d.domain, d.configuration);
      }
    }
  };

  try {
    // Newest commit first, so the first action seen for a key is the one in force.
    for (let i = segment.commits.length - 1; i >= 0; i--) {
      const commit = readCommitFile(segment.commits[i]!, storage);
      if (i === segment.commits.length - 1) commitInfo = commit.commitInfo;
      // Newest first inside a commit too: a file removed and re-added by one commit (remove, then add) stays active.
      for (let j = commit.actions.length - 1; j >= 0; j--) apply(commit.actions[j]!, false);
    }
  } catch (e) {
    // Nothing left running on the session after we return: its owner may close it at once.
    await checkpointActions?.catch(() => {});
    throw e;
  }
  if (checkpointActions) {
    for (const a of await checkpointActions) apply(a, true);
  }
  const name = segment.tableRoot;
  if (!protocol) {
    throw new StreamlabError("DELTA_MISSING_PROTOCOL", `Invalid table state at version ${segment.version} of ${name}: no protocol action found when reconstructing the snapshot.`, {
      hint: "The log is damaged: the first commit (or the checkpoint) must hold a protocol action.",
    });
  }
  checkReadable(protocol, name);
  if (!metadata) {
    throw new StreamlabError("DELTA_MISSING_METADATA", `Invalid table state at version ${segment.version} of ${name}: no metaData action found when reconstructing the snapshot.`, {
      hint: "The log is damaged: the first commit (or the checkpoint) must hold a metaData action.",
    });
  }
  return { protocol, metadata, files, tombstones, txns, domains, commitInfo };
}
