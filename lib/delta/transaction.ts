/**
 * A Delta transaction: the actions one commit adds to the log, and optimistic concurrency
 * (PROTOCOL.md, "Optimistic Concurrency Control"). Data files are written first; then the next
 * `_delta_log/NNNNNNNNNNNNNNNNNNNN.json` is created put-if-absent (a hard link, which fails when
 * the name exists: an existing commit is never overwritten). When another writer won that
 * version, its commits are checked against what this transaction read and removed; blind
 * appends commute and retry at the next version, real conflicts fail.
 */
import * as crypto from "node:crypto";
import type { Duck } from "../duck";
import { StreamlabError, isStreamlabError, messageOf } from "../errors";
import type { Action, AddFile, CommitInfo } from "./actions";
import { autoCompact, autoCompactRequested } from "./auto-compact";
import { writeCheckpoint } from "./checkpoint-writer";
import { readCommitFile } from "./commit-range";
import { cleanupExpiredLogs } from "./log-cleanup";
import { emitCommit } from "./commit-events";
import { cleanupLeftovers } from "./leftovers";
import { fileActionKey } from "./log-replay";
import { commitPath } from "./log-path";
import { listLog } from "./log-segment";
import { mayMatch, parseConjuncts } from "./skipping";
import { parseSchema } from "./schema";
import { Snapshot } from "./snapshot";
import { defaultStorage, type Storage } from "./storage";
import { ENGINE_INFO } from "./version";

/** SnapshotIsolation is what a rearrangement (all actions dataChange=false, e.g. OPTIMIZE) commits with. */
export type IsolationLevel = "Serializable" | "WriteSerializable" | "SnapshotIsolation";

export interface TransactionOptions {
  /** The commitInfo operation, e.g. "WRITE", "DELETE", "MERGE". */
  operation: string;
  operationParameters?: Record<string, unknown>;
  /** Idempotent writes: the application id and its monotonically increasing version. */
  txnAppId?: string;
  txnVersion?: number;
  isolationLevel?: IsolationLevel;
  /** How many times to retry after losing a race to another writer. Default 100. */
  maxRetries?: number;
  userMetadata?: string;
  /** Where the table lives when the transaction creates it (otherwise the snapshot's storage). */
  storage?: Storage;
  /** Look for crashed writers' leftovers before committing (default true; a writer that commits often does it on its first commit). */
  cleanLeftovers?: boolean;
  /**
   * Write the checkpoint a commit is due for on a connection of its own while the caller goes on
   * (a stream's sink: the next batch does not wait for it); `checkpointsWritten(table)` waits for it.
   * Default false: the commit returns once its checkpoint is written.
   */
  checkpointInBackground?: boolean;
}

/** Checkpoints being written in the background, by table root: at most one at a time per table. */
const backgroundCheckpoints = new Map<string, Promise<void>>();

/** Waits for the checkpoint of `tableRoot` being written in the background, if any. */
export async function checkpointsWritten(tableRoot: string): Promise<void> {
  await backgroundCheckpoints.get(tableRoot);
}

export interface CommitResult {
  /** The version committed; when skipped, the table's version at which the txn was found. */
  version: number;
  /** True when an idempotent write found its (appId, version) already committed. */
  skipped: boolean;
  attempts: number;
  /** True when this commit also wrote a checkpoint (false when one is being written in the background). */
  checkpointed: boolean;
  /**
   * The table at the version committed, when it follows from the snapshot read and this commit
   * alone (no other writer committed between) — or, when auto compaction followed the commit, the
   * table after the compaction's commit (a later version) when that is known. Either way
   * Snapshot.update() brings it to the latest version.
   */
  snapshot?: Snapshot;
  /** The version of the auto compaction this commit set off (delta.autoOptimize.autoCompact), if one was committed. */
  autoCompactVersion?: number;
}

export class Transaction {
  private readonly actions: Action[] = [];
  /** Files this transaction read (for conflict detection), keyed like log replay. */
  private readonly readFiles = new Set<string>();
  /** Predicates over the table this transaction read with ("true" for the whole table). */
  private readonly readPredicates: string[] = [];
  readonly readVersion: number;
  readonly txnId = crypto.randomUUID();
  readonly storage: Storage;

  constructor(
    readonly tableRoot: string,
    /** The snapshot the transaction read; undefined when it creates the table. */
    readonly snapshot: Snapshot | undefined,
    readonly duck: Duck,
    readonly options: TransactionOptions,
  ) {
    this.readVersion = snapshot?.version ?? -1;
    this.storage = snapshot?.storage ?? options.storage ?? defaultStorage;
  }

  /** Marks `files` as read with `predicate` (undefined: the whole table). */
  read(files: AddFile[], predicate?: string): void {
    for (const f of files) this.readFiles.add(fileActionKey(this.tableRoot, f.path, f.deletionVector));
    this.readPredicates.push(predicate ?? "true");
  }

  addActions(...actions: Action[]): void {
    this.actions.push(...actions);
  }

  get pendingActions(): readonly Action[] {
    return this.actions;
  }

  /** True when the transaction only adds data and read nothing. */
  get isBlindAppend(): boolean {
    return this.readPredicates.length === 0 && this.actions.every((a) => !a.remove && !(a.add && !a.add.dataChange));
  }

  /**
   * True when the transaction only rearranges data (every add and remove has dataChange=false,
   * no metadata or protocol change): OPTIMIZE. The rows it reads are the rows it writes back, so
   * files others append meanwhile are no conflict — only losing a file it read is.
   */
  get isRearrangement(): boolean {
    const files = this.actions.filter((a) => a.add || a.remove);
    return files.length > 0 && this.actions.every((a) => (a.add && !a.add.dataChange) || (a.remove && !a.remove.dataChange));
  }

  private get isolationLevel(): IsolationLevel {
    return this.options.isolationLevel ?? (this.isRearrangement ? "SnapshotIsolation" : "Serializable");
  }

  /** Already committed by an earlier run with the same (appId, version)? */
  alreadyCommitted(snapshot: Snapshot | undefined = this.snapshot): boolean {
    const { txnAppId, txnVersion } = this.options;
    if (txnAppId === undefined || txnVersion === undefined || !snapshot) return false;
    const committed = snapshot.txns.get(txnAppId);
    return committed !== undefined && committed >= txnVersion;
  }

  async commit(operationMetrics: Record<string, unknown> = {}): Promise<CommitResult> {
    if (this.alreadyCommitted()) return { version: this.readVersion, skipped: true, attempts: 0, checkpointed: false };
    const { txnAppId, txnVersion } = this.options;
    const body: Action[] = [...this.actions];
    if (txnAppId !== undefined && txnVersion !== undefined) body.push({ txn: { appId: txnAppId, version: txnVersion, lastUpdated: Date.now() } });
    const maxRetries = this.options.maxRetries ?? 100;
    if (this.options.cleanLeftovers !== false) this.removeLeftovers();
    let version = this.readVersion + 1;
    for (let attempt = 1; ; attempt++) {
      const commitInfo: CommitInfo = {
        timestamp: Date.now(),
        operation: this.options.operation,
        operationParameters: this.options.operationParameters ?? {},
        ...(this.readVersion >= 0 ? { readVersion: this.readVersion } : {}),
        isolationLevel: this.isolationLevel,
        isBlindAppend: this.isBlindAppend,
        operationMetrics: Object.fromEntries(Object.entries(operationMetrics).map(([k, v]) => [k, String(v)])),
        engineInfo: ENGINE_INFO,
        txnId: this.txnId,
        ...(this.options.userMetadata ? { userMetadata: this.options.userMetadata } : {}),
      };
      const text = [{ commitInfo }, ...body].map((a) => JSON.stringify(a)).join("\n") + "\n";
      const file = commitPath(this.tableRoot, version);
      if (this.storage.putIfAbsent(file, text)) {
        emitCommit(this.tableRoot, version);
        // Nobody committed between our read and our commit: the new version is the read one plus our actions.
        const snapshot = this.snapshot && version === this.readVersion + 1 ? this.snapshot.advance([{ version, path: file, actions: [{ commitInfo }, ...body] }]) : undefined;
        const { checkpointed, compacted } = await this.afterCommit(version, snapshot);
        return { version, skipped: false, attempts: attempt, checkpointed, snapshot: compacted?.snapshot ?? snapshot, ...(compacted ? { autoCompactVersion: compacted.version } : {}) };
      }
      // Another writer took `version`: check every commit since our read against what we did.
      const listing = listLog(this.tableRoot, this.storage);
      const latest = listing.commits.at(-1)?.version ?? version;
      for (const c of listing.commits.filter((x) => x.version >= version)) {
        const winner = readCommitFile(c, this.storage).actions;
        const skipped = this.checkConflicts(c.version, winner);
        if (skipped) return { version: c.version, skipped: true, attempts: attempt, checkpointed: false };
      }
      version = latest + 1;
      if (attempt >= maxRetries) {
        throw new StreamlabError("DELTA_CONCURRENT_MODIFICATION", `Gave up committing to ${this.tableRoot} after ${attempt} attempts: other writers kept winning (latest version ${latest}).`, {
          hint: "Retry the write; raise maxRetries if many writers append at once.",
          details: { version: latest },
        });
      }
      await new Promise((r) => setTimeout(r, Math.min(200, 2 ** Math.min(attempt, 7)) * Math.random()));
    }
  }

  /** Throws on a real conflict with the winning commit `v`; returns true when our txn was already committed by it. */
  private checkConflicts(v: number, winner: Action[]): boolean {
    const conflict = (what: string, code: "DELTA_CONCURRENT_MODIFICATION" | "DELTA_CONCURRENT_APPEND" | "DELTA_CONCURRENT_DELETE_READ" = "DELTA_CONCURRENT_MODIFICATION") =>
      new StreamlabError(code, `A concurrent transaction committed version ${v} of ${this.tableRoot} first and ${what}.`, {
        hint: "Re-run the operation on the new version of the table.",
        details: { winningVersion: v },
      });
    // Creating the table: whoever committed first created it, so there is nothing to merge with.
    if (this.readVersion < 0) {
      throw new StreamlabError("DELTA_TABLE_ALREADY_EXISTS", `Another writer created ${this.tableRoot} first (version ${v} is committed).`, {
        hint: "Read the new table and write to it: writes through writeDelta do this by themselves.",
        details: { winningVersion: v },
      });
    }
    const info = winner.find((a) => a.commitInfo)?.commitInfo;
    for (const a of winner) {
      if (a.txn && a.txn.appId === this.options.txnAppId && this.options.txnVersion !== undefined) {
        if (a.txn.version >= this.options.txnVersion) return true;
      }
      if (a.metaData) throw conflict("changed the table's metadata (schema, partitioning or properties)");
      if (a.protocol) throw conflict("changed the table's protocol");
    }
    const ourRemoves = new Set(this.actions.filter((a) => a.remove).map((a) => fileActionKey(this.tableRoot, a.remove!.path, a.remove!.deletionVector)));
    for (const a of winner) {
      if (!a.remove) continue;
      const key = fileActionKey(this.tableRoot, a.remove.path, a.remove.deletionVector);
      // A rearrangement's inputs are gone: it would bring back rows the winner removed or changed.
      if (this.isRearrangement && this.readFiles.has(key)) {
        throw conflict(`removed ${a.remove.path}, which this ${this.options.operation} read and rewrites`, "DELTA_CONCURRENT_DELETE_READ");
      }
      if (ourRemoves.has(key)) throw conflict(`also removed ${a.remove.path}, which this transaction removes`);
      if (this.readFiles.has(key)) throw conflict(`removed ${a.remove.path}, which this transaction read`);
    }
    // Snapshot isolation: new files of the winner cannot change what a rearrangement rewrites.
    if (this.isolationLevel === "SnapshotIsolation") return false;
    // New data in what we read: a conflict, unless it is a blind append and our isolation allows it.
    if (this.readPredicates.length > 0 && this.snapshot) {
      const blind = info?.isBlindAppend === true;
      if (blind && this.isolationLevel === "WriteSerializable") return false;
      const schema = parseSchema(this.snapshot.metadata.schemaString);
      for (const a of winner) {
        if (!a.add || !a.add.dataChange) continue;
        const hit = this.readPredicates.some((p) => p === "true" || mayMatch(a.add!, parseConjuncts(p), schema, this.snapshot!.partitionColumns, this.snapshot!.columnMapping));
        if (hit) throw conflict(`added data (${a.add.path}) that this transaction's read may have included`, "DELTA_CONCURRENT_APPEND");
      }
    }
    return false;
  }

  /** A write is when crashed writers' staging folders and temporaries go; housekeeping never fails the commit. */
  private removeLeftovers(): void {
    try {
      cleanupLeftovers(this.tableRoot, this.storage);
    } catch (e) {
      process.emitWarning(`Streamlab: could not remove the leftovers of crashed writers in ${this.tableRoot}: ${messageOf(e)} (the table is fine; the next write tries again).`);
    }
  }

  /** The post-commit hooks, in Delta's order: the checkpoint, then auto compaction. Neither ever fails the commit. */
  private async afterCommit(version: number, committed: Snapshot | undefined): Promise<{ checkpointed: boolean; compacted?: { version: number; snapshot?: Snapshot } }> {
    const checkpointed = await this.checkpointAfter(version, committed);
    return { checkpointed, compacted: await this.autoCompactAfter(version, committed) };
  }

  /**
   * Checkpoint every delta.checkpointInterval commits; a failure here never fails the commit. In
   * the background (checkpointInBackground, with the committed snapshot in hand), a checkpoint
   * still being written when the next one is due makes that one skipped: the one after covers it.
   */
  private async checkpointAfter(version: number, committed: Snapshot | undefined): Promise<boolean> {
    const interval = Number(this.snapshotConfig()["delta.checkpointInterval"] ?? 10) || 10;
    if (version === 0 || version % interval !== 0) return false;
    const root = this.tableRoot;
    const write = async (duck: Duck): Promise<void> => {
      const snap = committed ?? (await Snapshot.load(root, { version, duck, storage: this.storage }));
      await writeCheckpoint(snap, duck);
      cleanupExpiredLogs(root, version, snap.configuration, Date.now(), this.storage);
    };
    const warn = (e: unknown) => process.emitWarning(`Streamlab: could not write the checkpoint for version ${version} of ${root}: ${messageOf(e)} (the table is fine; the next checkpoint will cover it).`);
    if (!this.options.checkpointInBackground || !committed) {
      try {
        await write(this.duck);
        return true;
      } catch (e) {
        warn(e);
        return false;
      }
    }
    if (backgroundCheckpoints.has(root)) return false;
    const job = (async () => {
      const own = await this.duck.fork();
      try {
        await write(own);
      } finally {
        own.close();
      }
    })()
      .catch(warn)
      .finally(() => backgroundCheckpoints.delete(root));
    backgroundCheckpoints.set(root, job);
    return false;
  }

  /**
   * Auto compaction (delta.autoOptimize.autoCompact) after a commit that added files — never after
   * a rearrangement, which is what it commits itself. It compacts the partitions this commit
   * touched, on the latest table, in a commit of its own; a failure here never fails the commit.
   * Returns that commit's version and the table after it (undefined when not derived from ours).
   */
  private async autoCompactAfter(version: number, committed: Snapshot | undefined): Promise<{ version: number; snapshot?: Snapshot } | undefined> {
    if (this.isRearrangement || !autoCompactRequested(this.snapshotConfig())) return undefined;
    const added = this.actions.filter((a) => a.add).map((a) => a.add!);
    if (added.length === 0) return undefined;
    try {
      const latest = committed ? committed.update() : await Snapshot.load(this.tableRoot, { duck: this.duck, storage: this.storage });
      const r = await autoCompact(latest, added, this.duck);
      return r?.version == null ? undefined : { version: r.version, snapshot: r.snapshot };
    } catch (e) {
      // Another writer compacted (or deleted from) these files first: nothing is lost, the table is already in hand.
      if (isStreamlabError(e, "DELTA_CONCURRENT_DELETE_READ")) return undefined;
      process.emitWarning(`Streamlab: auto compaction after version ${version} of ${this.tableRoot} failed: ${messageOf(e)} (the write is committed; the next write tries again).`);
      return undefined;
    }
  }

  private snapshotConfig(): Record<string, string | null> {
    const meta = this.actions.find((a) => a.metaData)?.metaData ?? this.snapshot?.metadata;
    return meta?.configuration ?? {};
  }
}
