/**
 * `streamlab checkpoint show DIR`: what a streaming query's checkpoint folder holds, read without
 * writing or locking it — the query id, each batch (offsets, commit, watermarks, files), the
 * sources' logs, Auto Loader's schema versions and each stateful operator's state.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describeCheckpoint } from "../api/inspect";
import { Duck } from "../duck";
import { StreamlabError } from "../errors";
import { FileSourceLog } from "../sources/file-source-log";
import { SchemaLog } from "../sources/schema-log";
import { Checkpoint } from "../stream/checkpoint";
import { readStateMetadata } from "../stream/state-metadata";
import { isoMs } from "../stream/watermark";
import { tableText, type TableData } from "../viz/table";

function print(title: string, columns: string[], rows: Record<string, unknown>[], total?: number): void {
  console.log(`\n${title}`);
  const data: TableData = { columns: columns.map((name) => ({ name, type: "" })), rows, totalRows: total };
  console.log(tableText(data));
}

/** 1, 2, 3, 5, 7, 8 → "1-3, 5, 7-8". */
export function ranges(values: number[]): string {
  const out: string[] = [];
  for (let i = 0; i < values.length; ) {
    let j = i;
    while (j + 1 < values.length && values[j + 1] === values[j]! + 1) j++;
    out.push(j === i ? String(values[i]) : `${values[i]}-${values[j]}`);
    i = j + 1;
  }
  return out.join(", ") || "none";
}

/** A checkpoint has `metadata` or an `offsets/` folder; anything else is another folder given by mistake. */
function checkpointDir(dir: string): string {
  const abs = path.resolve(dir);
  if (!fs.existsSync(abs) || !fs.statSync(abs).isDirectory()) {
    throw new StreamlabError("PATH_NOT_FOUND", `The checkpoint folder ${abs} does not exist.`, { hint: "Give the folder the query was started with as checkpointLocation, e.g. data/checkpoints/<queryName>." });
  }
  if (!fs.existsSync(path.join(abs, "metadata")) && !fs.existsSync(path.join(abs, "offsets"))) {
    throw new StreamlabError("PATH_NOT_FOUND", `${abs} is not a streaming query's checkpoint: it has neither a metadata file nor an offsets/ folder.`, {
      hint: "Give the folder the query was started with as checkpointLocation (it holds metadata, offsets/, commits/, sources/ and state/).",
    });
  }
  return abs;
}

function limitOf(v: string | undefined, fallback: number): number {
  if (v === undefined) return fallback;
  if (!/^\d+$/.test(v)) throw new StreamlabError("INVALID_OPTION", `--limit must be a non-negative integer, got "${v}".`);
  return Number(v);
}

export async function show(dir: string, o: { limit?: string; schemaLocation?: string }): Promise<void> {
  const abs = checkpointDir(dir);
  const limit = limitOf(o.limit, 50);
  const ck = Checkpoint.inspect(abs);
  const meta = ck.readMetadata();
  console.log(`checkpoint ${abs}`);
  console.log(`query id ${meta?.id ?? "(none: no metadata file)"}`);
  if (meta?.shape) console.log(`reads ${meta.shape.sources.join(", ")} into ${meta.shape.sink}`);

  // Batches: offsets/N (what it reads, the watermark it runs with), commits/N (the watermark after it).
  const batches = describeCheckpoint(abs);
  const lastCommit = ck.commits.latestBatchId();
  console.log(`${batches.length} batches in offsets/, last committed: ${lastCommit ?? "none"}`);
  const rows = batches.slice(-limit).map((b) => {
    const seq = ck.offsets.get(b.batchId)!;
    const commit = ck.commits.get(b.batchId);
    const files = b.sources[0]?.files;
    return {
      batchId: b.batchId,
      committed: b.committed,
      noData: b.offsets.every((end, i) => end === b.startOffsets[i]),
      endOffset: b.offsets.map((x) => x ?? "-").join(" "),
      batchWatermark: isoMs(seq.metadata.batchWatermarkMs),
      nextBatchWatermark: commit ? isoMs(commit.nextBatchWatermarkMs) : null,
      numFiles: files?.length ?? null,
      files: files ? files.map((f) => path.basename(f.path)).join(" ") : null,
    };
  });
  print("batches", ["batchId", "committed", "noData", "endOffset", "batchWatermark", "nextBatchWatermark", "numFiles", "files"], rows, batches.length);

  // Each source's own log (sources/<i>): a file source lists its files per log entry.
  (meta?.shape?.sources ?? []).forEach((identity, i) => {
    const sdir = path.join(abs, "sources", String(i));
    if (!fs.existsSync(sdir)) return;
    if (!identity.startsWith("files:")) {
      const entries = fs.readdirSync(sdir).filter((f) => /^\d+$/.test(f)).length;
      console.log(`\nsource ${i} (${identity}): ${entries} log entries in sources/${i}`);
      return;
    }
    const log = new FileSourceLog(sdir);
    const entries = [...log.entries()];
    const baseline = log.baseline();
    const title = `source ${i} (${identity}): file source log, ${entries.length} entries${baseline ? `; ${baseline.length} files there at the first start never read (includeExistingFiles false)` : ""}`;
    const logRows = entries.slice(-limit).map(([id, files]) => ({ entry: id, numFiles: files.length, bytes: files.reduce((s, f) => s + f.size, 0), files: files.map((f) => path.basename(f.path)).join(" ") }));
    print(title, ["entry", "numFiles", "bytes", "files"], logRows, entries.length);
  });

  // Auto Loader's schema versions (by default in the checkpoint folder).
  const schemaLog = new SchemaLog(o.schemaLocation ?? abs);
  if (fs.existsSync(schemaLog.dir)) {
    const versions = schemaLog.versions().map((v) => schemaLog.get(v));
    const schemaRows = versions.map((v) => ({ version: v.version, reason: v.reason, createdAt: v.createdAt, columns: v.schema.fields.map((f) => `${f.name} ${typeof f.type === "string" ? f.type : f.type.type}`).join(", ") }));
    const where = schemaLog.dir.startsWith(abs + path.sep) ? path.relative(abs, schemaLog.dir) : schemaLog.dir;
    print(`schema versions (${where})`, ["version", "reason", "createdAt", "columns"], schemaRows);
  }

  // State: one store per stateful operator, its versions on disk and the rows of the newest.
  const duck = await Duck.open({ threads: 1 });
  try {
    const ops = await readStateMetadata(abs, duck);
    if (ops.length === 0) {
      console.log("\nstate: none (a stateless query)");
      return;
    }
    const stateRows = ops.map((s) => ({
      operatorId: s.operatorId,
      operatorName: s.operatorName ?? null,
      keys: s.keyColumns.join(", "),
      deltas: ranges(s.deltas),
      snapshots: ranges(s.snapshots),
      latestVersion: s.latestVersion,
      // Version v is the state after batch v − 1: it counts once commits/(v − 1) exists.
      committed: s.latestVersion === 0 || ck.commits.has(s.latestVersion - 1),
      numRowsTotal: s.numRowsTotal ?? "unreadable",
    }));
    print("state operators (state/<operatorId>/0)", ["operatorId", "operatorName", "keys", "deltas", "snapshots", "latestVersion", "committed", "numRowsTotal"], stateRows);
    for (const s of ops) if (s.error) console.log(`state ${s.operatorId}: ${s.error}`);
  } finally {
    duck.close();
  }
}

