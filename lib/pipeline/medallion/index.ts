/**
 * The medallion pipeline (`sl.medallion`, `streamlab medallion run`): daily event files → bronze
 * (as they came) → silver (typed, checked, one row per event) → gold (daily metrics), each a Delta
 * table under one base folder, each incremental and idempotent; a run log beside them.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import { DeltaTable } from "../../delta/table";
import { duck as sharedDuck, sqlIdent, type Duck } from "../../duck";
import { StreamlabError, messageOf } from "../../errors";
import { faultPoint } from "../../util/fault";
import { dataPath } from "../../util/paths";
import { acquireLock } from "../../util/process-lock";
import { runBronze } from "./bronze";
import { runGold } from "./gold";
import { medallionPaths, type Layer, type MedallionPaths } from "./layout";
import { MEDALLION_OPTIONS, type MedallionRunOptions } from "./options";
import { appendRunLog, describeLayer, type LayerResult } from "./run-log";
import { runSilver } from "./silver";
import { rebuildRunLog as rebuildFromCommits } from "./rebuild";

export { EXPECTATIONS, DEFAULT_ACTIONS, parseActions, type ContractActions, type ExpectationAction, type ExpectationMetrics } from "./expectations";
export { LAYERS, medallionPaths, BRONZE_SCHEMA, SILVER_SCHEMA, GOLD_SCHEMA, QUARANTINE_SCHEMA, RUNS_SCHEMA, type Layer, type MedallionPaths } from "./layout";
export { describeLayer, type LayerResult } from "./run-log";
export { MEDALLION_OPTIONS, type MedallionRunOptions } from "./options";
export { goldSql } from "./gold";

/** The run log's rows for the layers that committed, rebuilt from the tables' own commits (see rebuild.ts). */
export function rebuildRunLog(base?: string): LayerResult[] {
  return rebuildFromCommits(medallionPaths(base ?? dataPath("medallion")));
}

export interface MedallionRunResult {
  runId: string;
  paths: MedallionPaths;
  layers: LayerResult[];
}

/** A run id: when it started, and a random part so two runs in one millisecond differ. */
function newRunId(): string {
  return `${new Date().toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z")}-${crypto.randomBytes(3).toString("hex")}`;
}

/** Runs the chosen layers in order; throws the first layer's error (a failed contract: MEDALLION_CONTRACT_FAILED) after logging it. */
export async function run(options: MedallionRunOptions = {}): Promise<MedallionRunResult> {
  const o = MEDALLION_OPTIONS.normalise(options as Record<string, unknown>);
  const layers = o.layers;
  const actions = o.expectations;
  const raw = o.raw ?? dataPath("raw", "daily");
  const p = medallionPaths(o.base ?? dataPath("medallion"));
  if (layers.includes("bronze") && !fs.existsSync(raw)) {
    throw new StreamlabError("PATH_NOT_FOUND", `The landing folder ${raw} (raw) does not exist.`, { hint: "Write daily files first: npx streamlab simulate --daily --days 3 --start 2025-01-01 --rows 1000 --out data/raw/daily", details: { option: "raw" } });
  }
  const duck = o.duck ?? (await sharedDuck());
  const print = o.print ?? (() => {});
  // One run per base folder: two would race for the same txn versions and checkpoint.
  const lock = acquireLock(p.base, {
    purpose: "streamlab medallion run",
    what: "The medallion base folder",
    name: ".medallion.lock",
    code: "PATH_IN_USE",
    hint: "Another medallion run is working on this base folder: wait for it to end. A killed run's lock is taken over.",
  });
  const runId = newRunId();
  const out: LayerResult[] = [];
  try {
    if (o.fullRefresh) fullRefresh(p, layers);
    for (const layer of layers) {
      const startedAt = new Date();
      let r: LayerResult;
      try {
        r = layer === "bronze" ? await runBronze(raw, p, duck, runId) : layer === "silver" ? await runSilver(p, duck, runId, actions) : await runGold(p, duck, runId, o.checkInvariant);
      } catch (e) {
        const details = e instanceof StreamlabError ? e.details : {};
        const failed: LayerResult = {
          runId, layer, status: "FAILED", startedAt, endedAt: new Date(), sourceRange: null, targetVersion: null,
          numInputRows: 0, numOutputRows: 0, numUpsertedRows: 0, numDeletedRows: 0, droppedRecords: 0,
          expectations: Array.isArray(details.metrics) ? (details.metrics as LayerResult["expectations"]) : [],
          error: e instanceof StreamlabError ? `[${e.code}] ${e.message}` : messageOf(e),
        };
        out.push(failed);
        print(describeLayer(failed));
        // The layer's error is the one to report: a run log that cannot take the FAILED row (its own
        // error) must not hide it; the row is then missing, and the targets are unchanged.
        await appendRunLog(p.runs, failed, duck).catch(() => {});
        throw e;
      }
      faultPoint(`medallion.after.${layer}`);
      out.push(r);
      print(describeLayer(r));
      await appendRunLog(p.runs, r, duck);
    }
    return { runId, paths: p, layers: out };
  } finally {
    lock.release();
  }
}

/** DLT's full refresh: the chosen layers' tables go, and the next run rebuilds them from the layer below (bronze: from the files). */
function fullRefresh(p: MedallionPaths, layers: Layer[]): void {
  const dirs: Record<Layer, string[]> = { bronze: [p.bronze, p.bronzeCheckpoint, p.bronzeQuarantine], silver: [p.silver, p.quarantine], gold: [p.gold] };
  for (const l of layers) for (const d of dirs[l]) fs.rmSync(d, { recursive: true, force: true });
}

export interface ReplayOptions {
  base?: string;
  /** Which quarantined rows to replay (SQL over the quarantine's columns). Default: all. */
  where?: string;
  /** Corrections, column → SQL expression over the quarantine's columns, e.g. { price: "'19.99'" }. */
  fix?: Record<string, string>;
  duck?: Duck;
}

export interface ReplayResult {
  replayed: number;
  /** The bronze version the rows were appended in (null: nothing to replay). */
  bronzeVersion: number | null;
  /** The quarantine version that removed them. */
  quarantineVersion: number | null;
}

/**
 * Sends quarantined rows (fixed with `fix`) back through the pipeline: appends them to bronze with
 * their original `_source_file` and `_batch_id` NULL (a replay, not a file), then deletes them from
 * the quarantine. The bronze append carries txn {medallion.replay/<quarantine id>, quarantine
 * version}: after a crash between the two commits, the rerun skips the append and finishes the
 * delete. The next run's silver checks them again.
 */
export async function replayQuarantine(options: ReplayOptions = {}): Promise<ReplayResult> {
  const p = medallionPaths(options.base ?? dataPath("medallion"));
  const duck = options.duck ?? (await sharedDuck());
  const quarantine = DeltaTable.forPath(p.quarantine, duck);
  const snap = await quarantine.snapshot();
  const where = options.where ?? "true";
  const fixes = Object.entries(options.fix ?? {});
  const editable = ["event_id", "user_id", "event_type", "product_id", "price", "event_timestamp"];
  for (const [c] of fixes) {
    if (!editable.includes(c)) throw new StreamlabError("INVALID_OPTION", `fix names "${c}", which is not a data column of the quarantine.`, { hint: `Fix one of: ${editable.join(", ")}.`, details: { option: "fix" } });
  }
  const scan = await quarantine.scan({ version: snap.version });
  try {
    const selected = `SELECT * FROM (${scan.sql}) WHERE ${where}`;
    const n = Number(await duck.value(`SELECT count(*) FROM (${selected})`));
    if (n === 0) return { replayed: 0, bronzeVersion: null, quarantineVersion: null };
    const cols = editable.map((c) => {
      const f = fixes.find(([k]) => k === c);
      return f ? `CAST((${f[1]}) AS VARCHAR) AS ${sqlIdent(c)}` : sqlIdent(c);
    });
    const w = await DeltaTable.forPath(p.bronze, duck).write(`SELECT ${cols.join(", ")}, _source_file, now() AS _ingested_at, NULL::BIGINT AS _batch_id FROM (${selected})`, {
      mode: "append",
      txnAppId: `medallion.replay/${snap.metadata.id}`,
      txnVersion: snap.version,
      operation: "REPLAY QUARANTINE",
    });
    faultPoint("medallion.replay.afterBronze");
    const d = await quarantine.delete(where);
    return { replayed: n, bronzeVersion: w.skipped ? null : w.version, quarantineVersion: d.version };
  } finally {
    await scan.close();
  }
}
