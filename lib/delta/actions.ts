/** The actions of the Delta transaction log (PROTOCOL.md, "Actions"), as they appear in commits and checkpoints. */
import * as path from "node:path";
import { StreamlabError } from "../errors";
import { parseLogPath } from "./log-path";

export interface Protocol {
  minReaderVersion: number;
  minWriterVersion: number;
  readerFeatures?: string[];
  writerFeatures?: string[];
}

export interface Metadata {
  id: string;
  name?: string | null;
  description?: string | null;
  format: { provider: string; options?: Record<string, string> };
  schemaString: string;
  partitionColumns: string[];
  configuration?: Record<string, string | null>;
  createdTime?: number | null;
}

export interface DeletionVectorDescriptor {
  storageType: "u" | "i" | "p";
  pathOrInlineDv: string;
  offset?: number | null;
  sizeInBytes: number;
  cardinality: number;
  maxRowIndex?: number | null;
}

export interface AddFile {
  path: string;
  partitionValues: Record<string, string | null>;
  size: number;
  modificationTime: number;
  dataChange: boolean;
  stats?: string | null;
  tags?: Record<string, string> | null;
  deletionVector?: DeletionVectorDescriptor | null;
  baseRowId?: number | null;
  defaultRowCommitVersion?: number | null;
  clusteringProvider?: string | null;
}

export interface RemoveFile {
  path: string;
  deletionTimestamp?: number | null;
  dataChange: boolean;
  extendedFileMetadata?: boolean | null;
  partitionValues?: Record<string, string | null> | null;
  size?: number | null;
  stats?: string | null;
  deletionVector?: DeletionVectorDescriptor | null;
  baseRowId?: number | null;
  defaultRowCommitVersion?: number | null;
}

export interface AddCDCFile {
  path: string;
  partitionValues: Record<string, string | null>;
  size: number;
  dataChange: boolean;
  tags?: Record<string, string> | null;
}

export interface Txn {
  appId: string;
  version: number;
  lastUpdated?: number | null;
}

export interface CommitInfo {
  timestamp?: number;
  inCommitTimestamp?: number;
  operation?: string;
  operationParameters?: Record<string, unknown>;
  operationMetrics?: Record<string, unknown>;
  readVersion?: number;
  isolationLevel?: string;
  isBlindAppend?: boolean;
  engineInfo?: string;
  txnId?: string;
  userMetadata?: string;
  [key: string]: unknown;
}

export interface DomainMetadata {
  domain: string;
  configuration: string;
  removed: boolean;
}

export interface Sidecar {
  path: string;
  sizeInBytes: number;
  modificationTime: number;
  tags?: Record<string, string> | null;
}

/** One line of a commit file, or one row of a checkpoint: exactly one of these is set. */
export interface Action {
  add?: AddFile;
  remove?: RemoveFile;
  metaData?: Metadata;
  protocol?: Protocol;
  txn?: Txn;
  commitInfo?: CommitInfo;
  cdc?: AddCDCFile;
  domainMetadata?: DomainMetadata;
  checkpointMetadata?: { version: number; tags?: Record<string, string> | null };
  sidecar?: Sidecar;
}

/**
 * Parses the newline-delimited JSON of a commit file; a bad line names the file and line. A
 * commit is never legitimately empty (it holds at least a commitInfo or an action), so an empty
 * file is damage — a truncated copy, a full disk — and is refused rather than read as "no change".
 */
export function parseCommit(text: string, file: string): Action[] {
  if (text.trim() === "") {
    const version = parseLogPath(path.basename(file))?.version;
    const before = version ? ` or read the table as of version ${version - 1} (time travel)` : "";
    throw new StreamlabError("DELTA_CORRUPT_COMMIT", `Corrupt commit ${file}: the file is empty (a commit holds at least one action).`, {
      hint: `The file was truncated (a crash during a copy, a full disk); restore it from a backup or from the table's source${before}. Do not write to the table until it is repaired.`,
      details: { file, line: 0 },
    });
  }
  const out: Action[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === "") continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (e) {
      throw new StreamlabError("DELTA_CORRUPT_COMMIT", `Corrupt commit ${file}, line ${i + 1}: not valid JSON (${(e as Error).message}).`, {
        hint: "The log file was damaged or written by a broken writer; restore it from a backup or time-travel to an earlier version.",
        details: { file, line: i + 1 },
      });
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      throw new StreamlabError("DELTA_CORRUPT_COMMIT", `Corrupt commit ${file}, line ${i + 1}: an action must be a JSON object.`, {
        details: { file, line: i + 1 },
      });
    }
    out.push(parsed as Action);
  }
  return out;
}

/** The replay key of a file: its path plus the id of its deletion vector (PROTOCOL.md, "Action Reconciliation"). */
export function dvUniqueId(dv: DeletionVectorDescriptor | null | undefined): string {
  if (!dv) return "";
  return `${dv.storageType}${dv.pathOrInlineDv}${dv.offset === undefined || dv.offset === null ? "" : `@${dv.offset}`}`;
}
