/**
 * A Delta table as a streaming source (Delta's DeltaSource): first the table's current snapshot
 * (or the commits from startingVersion / startingTimestamp), then every later commit, file by
 * file. Offsets are a table version plus a file index, so batches can split a big commit.
 * Commits that remove data stop the stream unless skipChangeCommits (or, for pure deletes,
 * ignoreDeletes) is set; readChangeFeed streams the Change Data Feed instead.
 */
import { onCommit } from "../delta/commit-events";
import { sqlIdent } from "../duck";
import * as fs from "node:fs";
import * as path from "node:path";
import { writeFileAtomic } from "../util/atomic-file";
import { StreamlabError } from "../errors";
import type { AddFile } from "../delta/actions";
import { readCommit, type CommitEntry } from "../delta/commit-range";
import { listLog, logSegment } from "../delta/log-segment";
import { planScan } from "../delta/scan";

import { Snapshot, versionAtTimestamp } from "../delta/snapshot";
import { readChanges } from "../delta/table-changes";
import { normaliseOptions, type OptionSpec } from "../util/options";
import type { OffsetRequest, Source, SourceContext } from "../stream/source";

export interface DeltaSourceOptions {
  /** Start from this version's commits ("latest": only commits after the current version). */
  startingVersion?: number | "latest";
  /** Start from the first commit at or after this time. */
  startingTimestamp?: string;
  maxFilesPerTrigger?: number;
  maxBytesPerTrigger?: number | string;
  /** Skip commits that remove or rewrite data (UPDATE, DELETE, MERGE, overwrite). */
  skipChangeCommits?: boolean;
  /** Skip commits that only delete data (e.g. dropping partitions). */
  ignoreDeletes?: boolean;
  /** Stream the Change Data Feed (with _change_type, _commit_version, _commit_timestamp). */
  readChangeFeed?: boolean;
}

const SPECS: Record<string, OptionSpec> = {
  startingVersion: { kind: "any" },
  startingTimestamp: { kind: "string" },
  maxFilesPerTrigger: { kind: "int" },
  maxBytesPerTrigger: { kind: "bytes" },
  skipChangeCommits: { kind: "boolean" },
  ignoreDeletes: { kind: "boolean" },
  readChangeFeed: { kind: "boolean" },
};

/** Delta's source offset: the version, the index of the last file taken in it (-1: none), and whether it is the initial snapshot. */
interface DeltaOffset {
  sourceVersion: 1;
  reservoirId: string;
  reservoirVersion: number;
  index: number;
  isStartingVersion: boolean;
}

interface Unit {
  version: number;
  index: number;
  isStartingVersion: boolean;
  add: AddFile;
}

export class DeltaSource implements Source {
  readonly path: string;
  private unsubscribe?: () => void;
  readonly options: DeltaSourceOptions;
  private ctx!: SourceContext;
  private tableId = "";
  private readonly commits = new Map<number, CommitEntry>();
  private readonly snapshotFiles = new Map<number, AddFile[]>();

  constructor(tablePath: string, options: DeltaSourceOptions | Record<string, unknown> = {}) {
    this.path = path.resolve(tablePath);
    this.options = normaliseOptions(options as Record<string, unknown>, SPECS, "Delta source", "delta.") as DeltaSourceOptions;
    const sv = this.options.startingVersion;
    if (sv !== undefined && sv !== "latest" && !(Number.isInteger(Number(sv)) && Number(sv) >= 0)) {
      throw new StreamlabError("INVALID_OPTION", `startingVersion must be a version number or "latest", got ${JSON.stringify(sv)}.`);
    }
    if (sv !== undefined && this.options.startingTimestamp !== undefined) throw new StreamlabError("INVALID_OPTION", "Give startingVersion or startingTimestamp, not both.");
    listLog(this.path); // a clear DELTA_TABLE_NOT_FOUND now rather than at the first batch
  }

  get description(): string {
    return `DeltaSource[${this.path}]`;
  }

  get identity(): string {
    return `delta:${this.path}${this.options.readChangeFeed ? ":cdf" : ""}`;
  }

  async open(ctx: SourceContext): Promise<void> {
    this.ctx = ctx;
    const snap = await Snapshot.load(this.path, { duck: ctx.duck });
    this.tableId = snap.metadata.id;
    if (this.options.readChangeFeed && snap.configuration["delta.enableChangeDataFeed"] !== "true") {
      throw new StreamlabError("DELTA_UNSUPPORTED_FEATURE", `readChangeFeed needs the Change Data Feed, which ${this.path} does not have enabled.`, {
        hint: "Set the table property delta.enableChangeDataFeed = true (changes are recorded from then on).",
        details: { feature: "changeDataFeed" },
      });
    }
  }

  private latestVersion(): number {
    return listLog(this.path).commits.at(-1)?.version ?? 0;
  }

  /** Commit `v`, read once through the commit-range API (a stream asks for the same version in latestOffset and getBatch). */
  private commitAt(v: number): CommitEntry {
    let c = this.commits.get(v);
    if (!c) {
      c = readCommit(this.path, v);
      this.commits.set(v, c);
    }
    return c;
  }

  private async snapshotAt(v: number): Promise<AddFile[]> {
    let files = this.snapshotFiles.get(v);
    if (!files) {
      const snap = await Snapshot.fromSegment(logSegment(listLog(this.path), v), this.ctx.duck);
      // As Delta does: the initial snapshot in order of modification time, then path.
      files = [...snap.files].sort((a, b) => a.modificationTime - b.modificationTime || a.path.localeCompare(b.path));
      this.snapshotFiles.set(v, files);
    }
    return files;
  }

  /**
   * What a commit adds to the stream: its data files (or, for the Change Data Feed, one unit per
   * commit that changed data). Throws for commits that remove data, unless told to skip them.
   */
  private commitUnits(v: number): AddFile[] {
    const commit = this.commitAt(v);
    const adds = commit.adds.filter((a) => a.dataChange);
    const removes = commit.removes.filter((r) => r.dataChange);
    if (this.options.readChangeFeed) {
      const changed = adds.length > 0 || removes.length > 0 || commit.cdc.length > 0;
      return changed ? [{ path: `version ${v}`, partitionValues: {}, size: 0, modificationTime: 0, dataChange: true }] : [];
    }
    if (removes.length > 0) {
      if (this.options.skipChangeCommits) return [];
      if (this.options.ignoreDeletes && adds.length === 0) return [];
      const op = commit.operation ?? "a commit";
      throw new StreamlabError("STREAM_SOURCE_CHANGED", `Version ${v} of ${this.path} (${op}) removed or rewrote data, which a streaming source cannot pass on as new rows.`, {
        hint: "Set skipChangeCommits: true to skip such commits (or ignoreDeletes: true for pure deletes), or stream the Change Data Feed with readChangeFeed: true.",
        details: { version: v },
      });
    }
    return adds;
  }

  /**
   * The position before the first unit, decided once and kept in the source's checkpoint folder:
   * later calls (getBatch, a restart) must see the same snapshot version even if the table moved on.
   */
  private async initialOffset(): Promise<DeltaOffset> {
    const file = path.join(this.ctx.dir, "initial-offset.json");
    if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, "utf8")) as DeltaOffset;
    const o = await this.computeInitialOffset();
    writeFileAtomic(file, JSON.stringify(o));
    return o;
  }

  /** The snapshot at the current version, or startingVersion's / startingTimestamp's commit. */
  private async computeInitialOffset(): Promise<DeltaOffset> {
    const base = { sourceVersion: 1 as const, reservoirId: this.tableId, index: -1 };
    if (this.options.startingTimestamp !== undefined) {
      const at = versionAtTimestamp(listLog(this.path), this.options.startingTimestamp);
      // The first commit at or after the timestamp: `at` if it was committed exactly then, else the next one.
      const exact = this.commitAt(at).timestamp >= Date.parse(this.options.startingTimestamp);
      return { ...base, reservoirVersion: exact ? at : at + 1, isStartingVersion: false };
    }
    const sv = this.options.startingVersion;
    if (sv === "latest") return { ...base, reservoirVersion: this.latestVersion() + 1, isStartingVersion: false };
    if (sv !== undefined) return { ...base, reservoirVersion: Number(sv), isStartingVersion: false };
    return { ...base, reservoirVersion: this.latestVersion(), isStartingVersion: true };
  }

  /**
   * Units in stream order after `from`, up to version `upTo`: the snapshot's files (which already
   * include its version's commit), then each later commit's files.
   */
  private async *unitsAfter(from: DeltaOffset, upTo: number): AsyncGenerator<Unit> {
    let v = from.reservoirVersion;
    if (from.isStartingVersion) {
      const files = await this.snapshotAt(v);
      for (let i = from.index + 1; i < files.length; i++) yield { version: v, index: i, isStartingVersion: true, add: files[i]! };
      v++;
    }
    for (let first = !from.isStartingVersion; v <= upTo; v++, first = false) {
      const units = this.commitUnits(v);
      for (let i = first ? from.index + 1 : 0; i < units.length; i++) yield { version: v, index: i, isStartingVersion: false, add: units[i]! };
    }
  }

  async latestOffset(start: string | null, request: OffsetRequest): Promise<string | null> {
    const from: DeltaOffset = start === null ? await this.initialOffset() : (JSON.parse(start) as DeltaOffset);
    const cap = request.cap ? (JSON.parse(request.cap) as DeltaOffset) : undefined;
    const unlimited = request.unlimited || request.planAll;
    const maxFiles = unlimited ? Infinity : this.options.maxFilesPerTrigger ?? 1000;
    const maxBytes = unlimited ? Infinity : ((this.options.maxBytesPerTrigger as number | undefined) ?? Infinity);
    let last: Unit | undefined;
    let n = 0;
    let bytes = 0;
    for await (const u of this.unitsAfter(from, cap ? cap.reservoirVersion : this.latestVersion())) {
      if (cap && compareStreamPosition(u, cap) > 0) break;
      if (n >= maxFiles || (n > 0 && bytes + u.add.size > maxBytes)) break;
      last = u;
      n++;
      bytes += u.add.size;
    }
    if (!last) return start;
    return JSON.stringify({ sourceVersion: 1, reservoirId: this.tableId, reservoirVersion: last.version, index: last.index, isStartingVersion: last.isStartingVersion } satisfies DeltaOffset);
  }

  async getBatch(start: string | null, end: string, into: string): Promise<void> {
    const from: DeltaOffset = start === null ? await this.initialOffset() : (JSON.parse(start) as DeltaOffset);
    const to = JSON.parse(end) as DeltaOffset;
    const units: Unit[] = [];
    for await (const u of this.unitsAfter(from, to.reservoirVersion)) {
      if (compareStreamPosition(u, to) > 0) break;
      units.push(u);
    }
    const snap = await Snapshot.fromSegment(logSegment(listLog(this.path), to.reservoirVersion), this.ctx.duck);
    const cols = snap.schema.fields.map((f) => sqlIdent(f.name)).join(", ");
    const snapshotUnits = units.filter((u) => u.isStartingVersion);
    if (!this.options.readChangeFeed) {
      const scan = await planScan(snap, this.ctx.duck, { files: units.map((u) => u.add) });
      try {
        await this.ctx.duck.run(`CREATE OR REPLACE TEMP TABLE ${into} AS ${scan.sql}`);
      } finally {
        await scan.close();
      }
      return;
    }
    // Change Data Feed: the initial snapshot as inserts, then each commit's changes.
    const parts: string[] = [];
    const closers: (() => Promise<void>)[] = [];
    try {
      if (snapshotUnits.length) {
        const scan = await planScan(snap, this.ctx.duck, { files: snapshotUnits.map((u) => u.add) });
        closers.push(() => scan.close());
        parts.push(`SELECT ${cols}, 'insert' AS _change_type, ${snapshotUnits[0]!.version}::BIGINT AS _commit_version, NULL::TIMESTAMPTZ AS _commit_timestamp FROM (${scan.sql})`);
      }
      for (const v of new Set(units.filter((u) => !u.isStartingVersion).map((u) => u.version))) {
        const changes = await readChanges(this.path, this.ctx.duck, v, v);
        closers.push(() => changes.close());
        parts.push(`SELECT ${cols}, _change_type, _commit_version, _commit_timestamp FROM (${changes.sql})`);
      }
      const empty = `SELECT ${snap.schema.fields.map((f) => `NULL AS ${sqlIdent(f.name)}`).join(", ")}, NULL::VARCHAR AS _change_type, NULL::BIGINT AS _commit_version, NULL::TIMESTAMPTZ AS _commit_timestamp WHERE false`;
      await this.ctx.duck.run(`CREATE OR REPLACE TEMP TABLE ${into} AS ${parts.length ? parts.join(" UNION ALL ") : empty}`);
    } finally {
      for (const c of closers) await c();
    }
  }

  async commit(): Promise<void> {}

  metrics(): Record<string, string> {
    return {};
  }

  /** A commit to the table by this process wakes the query at once (others' commits are found by polling). */
  onData(wake: () => void): void {
    this.unsubscribe = onCommit(this.path, () => wake());
  }

  async close(): Promise<void> {
    this.unsubscribe?.();
  }
}

type StreamPosition = { version: number; isStartingVersion: boolean; index: number } | DeltaOffset;

/**
 * Stream order: by version, then the snapshot's files before that version's later commits (a
 * starting snapshot at version v comes before commit v + 1's files, which are never at v), then
 * by file index (-1: before the first file).
 */
export function compareStreamPosition(a: StreamPosition, b: StreamPosition): number {
  const va = "version" in a ? a.version : a.reservoirVersion;
  const vb = "version" in b ? b.version : b.reservoirVersion;
  if (va !== vb) return va - vb;
  if (a.isStartingVersion !== b.isStartingVersion) return a.isStartingVersion ? -1 : 1;
  return a.index - b.index;
}
