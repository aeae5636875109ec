/**
 * Silver: bronze's new rows typed, checked against the contract, deduplicated and merged on
 * `event_id` — one row per event, the newest.
 *
 * What silver has processed is its own commits' `txn`: appId `medallion.silver/<bronze table id>`,
 * version = the last bronze version read. A run reads the bronze versions after it (Delta's
 * commit range), so a rerun with nothing new reads nothing, and a replay after a crash finds its
 * txn committed and is skipped. The quarantine commit carries the same txn version under its own
 * appId, so a crash between the two commits neither loses nor repeats quarantined rows.
 *
 * Order of events: per event_id the row with the greatest event_timestamp wins. Exact ties resolve
 * to the later delivery: the later bronze version, then the greater source file name, then the later
 * line (bronze keeps a file's lines in order: its data file and row position). An event delivered
 * again with the same time and values changes nothing: silver keeps the first delivery's lineage
 * (`_bronze_version`, `_source_file`). The MERGE is guarded by the same order, so an older event
 * never overwrites a newer one, and the result does not depend on how bronze versions were batched
 * into runs.
 */
import { planScan, FILE_COLUMN, ROW_COLUMN } from "../../delta/scan";
import { DeltaTable } from "../../delta/table";
import type { MergeResult } from "../../delta/operations/merge";
import { sqlString, type Duck } from "../../duck";
import { StreamlabError, isStreamlabError } from "../../errors";
import { faultPoint } from "../../util/fault";
import { EXPECTATIONS, PRICE_SQL, TIMESTAMP_SQL, DATE_SQL, type ContractActions, type ExpectationMetrics } from "./expectations";
import { EVENT_COLUMNS, QUARANTINE_SCHEMA, SILVER_SCHEMA, quarantineAppId, silverAppId, type MedallionPaths } from "./layout";
import { commitNote, type LayerResult } from "./run-log";

/** Silver's columns, in order: what the MERGE source provides. */
const SILVER_COLUMNS = ["event_id", "user_id", "event_type", "product_id", "price", "event_timestamp", "event_date", "_source_file", "_bronze_version", "_processed_at", "_run_id"];

/** s is newer than t: a later event time, or the same time from a later bronze version (the tie-break across runs). */
export const NEWER = "(s.event_timestamp > t.event_timestamp OR (s.event_timestamp = t.event_timestamp AND s._bronze_version > t._bronze_version))";
/** An event's values besides its key and time: an event delivered again with the same ones is no change. */
const VALUES = "user_id, event_type, product_id, price";
/** The values differ (an event delivered again with the same time and values is no change). */
const DIFFERS = "(s.user_id, s.event_type, s.product_id, s.price, s.event_timestamp) IS DISTINCT FROM (t.user_id, t.event_type, t.product_id, t.price, t.event_timestamp)";

let counter = 0;

export async function createSilverTables(p: MedallionPaths, duck: Duck): Promise<void> {
  // The Change Data Feed tells gold which dates changed.
  await DeltaTable.create(p.silver, SILVER_SCHEMA, { ifNotExists: true, duck, properties: { "delta.enableChangeDataFeed": "true" }, description: "Events typed and checked, one row per event_id (the newest)" });
  await DeltaTable.create(p.quarantine, QUARANTINE_SCHEMA, { ifNotExists: true, duck, description: "Bronze rows silver's contract dropped, with the rules they failed: fix and replay" });
}

async function bronzeSnapshot(p: MedallionPaths, duck: Duck) {
  try {
    return await DeltaTable.forPath(p.bronze, duck).snapshot();
  } catch (e) {
    if (isStreamlabError(e, "DELTA_TABLE_NOT_FOUND")) {
      throw new StreamlabError("DELTA_TABLE_NOT_FOUND", `Silver reads bronze, and there is no bronze table at ${p.bronze}.`, { hint: "Run the bronze layer first: streamlab medallion run --layer bronze (or --layer all).", cause: e });
    }
    throw e;
  }
}

export async function runSilver(p: MedallionPaths, duck: Duck, runId: string, actions: ContractActions): Promise<LayerResult> {
  const startedAt = new Date();
  const bronze = await bronzeSnapshot(p, duck);
  await createSilverTables(p, duck);
  const silver = await DeltaTable.forPath(p.silver, duck).snapshot();
  const appId = silverAppId(bronze.metadata.id);
  const from = (silver.txns.get(appId) ?? -1) + 1;
  const to = bronze.version;
  const result: LayerResult = { runId, layer: "silver", status: "COMPLETED", startedAt, endedAt: startedAt, sourceRange: null, targetVersion: null, numInputRows: 0, numOutputRows: 0, numUpsertedRows: 0, numDeletedRows: 0, droppedRecords: 0, expectations: [] };
  if (from > to) return { ...result, endedAt: new Date() };
  result.sourceRange = { fromVersion: from, toVersion: to };

  const n = ++counter;
  const batch = `__medallion_bronze_${n}`;
  const typed = `__medallion_typed_${n}`;
  const changes = `__medallion_changes_${n}`;
  const scans: { close(): Promise<void> }[] = [];
  try {
    // Bronze's rows of versions from..to: the adds of those commits (bronze only appends).
    const parts: string[] = [];
    for (const c of DeltaTable.forPath(p.bronze, duck).changes(from, to)) {
      const adds = c.adds.filter((a) => a.dataChange);
      if (adds.length === 0) continue;
      const s = await planScan(bronze, duck, { files: adds, withFileInfo: true });
      scans.push(s);
      parts.push(`SELECT *, ${c.version}::BIGINT AS _bronze_version FROM (${s.sql})`);
    }
    const rules = EXPECTATIONS.map((e) => `CASE WHEN NOT (${e.constraint}) THEN ${sqlString(e.name)} END`).join(", ");
    if (parts.length === 0) {
      // Versions without data (bronze's CREATE TABLE): an empty batch of bronze's shape.
      const s = await planScan(bronze, duck, { withFileInfo: true });
      scans.push(s);
      parts.push(`SELECT *, NULL::BIGINT AS _bronze_version FROM (${s.sql}) WHERE false`);
    }
    const input = parts.join(" UNION ALL ");
    await duck.run(`CREATE TEMP TABLE ${batch} AS SELECT *, list_filter([${rules}], x -> x IS NOT NULL) AS failed_rules FROM (${input})`);
    result.numInputRows = Number(await duck.value(`SELECT count(*) FROM ${batch}`));

    // The contract: counts per rule (a row failing two rules counts once in each), then fail / drop / warn.
    const counts = (await duck.all<Record<string, bigint>>(`SELECT ${EXPECTATIONS.map((e, i) => `count(*) FILTER (WHERE list_contains(failed_rules, ${sqlString(e.name)})) AS r${i}`).join(", ")} FROM ${batch}`))[0]!;
    result.expectations = EXPECTATIONS.map((e, i): ExpectationMetrics => {
      const failed = Number(counts[`r${i}`]);
      return { name: e.name, action: actions[e.name]!, passed_records: result.numInputRows - failed, failed_records: failed };
    });
    for (const m of result.expectations) {
      if (m.action !== "fail" || m.failed_records === 0) continue;
      const example = (await duck.all<{ f: string }>(`SELECT _source_file AS f FROM ${batch} WHERE list_contains(failed_rules, ${sqlString(m.name)}) ORDER BY _bronze_version, ${FILE_COLUMN}, ${ROW_COLUMN} LIMIT 1`))[0]?.f;
      const e = EXPECTATIONS.find((x) => x.name === m.name)!;
      throw new StreamlabError("MEDALLION_CONTRACT_FAILED", `Silver's expectation ${m.name} (${e.doc}) failed for ${m.failed_records} of ${result.numInputRows} rows of bronze versions ${from}–${to}, first in ${example}; its action is "fail", so nothing was written.`, {
        hint: `Fix the data upstream (or the files' producer) and run again, or change the rule's action: expectations: { ${m.name}: "drop" } (CLI: --expect ${m.name}=drop) to quarantine such rows instead.`,
        details: { expectation: m.name, failed: m.failed_records, file: example, fromVersion: from, toVersion: to, metrics: result.expectations },
      });
    }
    const dropRules = EXPECTATIONS.filter((e) => actions[e.name] === "drop").map((e) => sqlString(e.name));
    const dropped = dropRules.length ? `list_has_any(failed_rules, [${dropRules.join(", ")}])` : "false";

    // Quarantine first, under its own txn (the last bronze version it holds rows of). After a crash
    // between it and silver's commit, the rerun quarantines only rows of later bronze versions (none,
    // unless bronze moved on meanwhile), so no row is quarantined twice.
    result.droppedRecords = Number(await duck.value(`SELECT count(*) FROM ${batch} WHERE ${dropped}`));
    const quarantined = (await DeltaTable.forPath(p.quarantine, duck).snapshot()).txns.get(quarantineAppId(bronze.metadata.id)) ?? -1;
    const toQuarantine = `${dropped} AND _bronze_version > ${quarantined}`;
    if (Number(await duck.value(`SELECT count(*) FROM ${batch} WHERE ${toQuarantine}`)) > 0) {
      await DeltaTable.forPath(p.quarantine, duck).write(
        `SELECT ${EVENT_COLUMNS.join(", ")}, failed_rules, _source_file, _bronze_version, ${sqlString(runId)} AS _run_id, now() AS _quarantined_at FROM ${batch} WHERE ${toQuarantine} ORDER BY _bronze_version, ${FILE_COLUMN}, ${ROW_COLUMN}`,
        { mode: "append", txnAppId: quarantineAppId(bronze.metadata.id), txnVersion: to, operation: "QUARANTINE" },
      );
    }
    faultPoint("medallion.silver.afterQuarantine");

    // Typed, then one row per event_id (see the module comment): among its rows of the greatest
    // event_timestamp in delivery order (bronze version, file, line), the values of the last delivery,
    // with the lineage of the first delivery of the last run of identical values — the row a run per
    // bronze version would have left, whatever the batching.
    const delivery = `_bronze_version, _source_file, ${FILE_COLUMN}, ${ROW_COLUMN}`;
    const out = `event_id, user_id, event_type, product_id, price, event_timestamp, event_date, _source_file, _bronze_version, now() AS _processed_at, ${sqlString(runId)} AS _run_id`;
    await duck.run(`CREATE TEMP TABLE ${typed} AS
      WITH cast_rows AS (
        SELECT event_id, user_id, event_type, product_id, ${PRICE_SQL} AS price, ${TIMESTAMP_SQL} AS event_timestamp, ${DATE_SQL} AS event_date,
          _source_file, _bronze_version, ${FILE_COLUMN}, ${ROW_COLUMN}
        FROM ${batch} WHERE NOT (${dropped})),
      repeated AS (SELECT event_id FROM cast_rows GROUP BY event_id HAVING count(*) > 1),
      newest AS (
        SELECT * FROM cast_rows SEMI JOIN repeated USING (event_id)
        QUALIFY event_timestamp = max(event_timestamp) OVER (PARTITION BY event_id)),
      changed AS (
        SELECT *, CASE WHEN row(${VALUES}) IS DISTINCT FROM lag(row(${VALUES})) OVER (PARTITION BY event_id ORDER BY ${delivery}) THEN 1 ELSE 0 END AS __changed FROM newest),
      streaks AS (
        SELECT *, sum(__changed) OVER (PARTITION BY event_id ORDER BY ${delivery} ROWS UNBOUNDED PRECEDING) AS __streak FROM changed)
      -- Most events come once: only the repeated ones need ordering.
      SELECT ${out} FROM cast_rows ANTI JOIN repeated USING (event_id)
      UNION ALL
      SELECT ${out} FROM streaks
      QUALIFY __streak = max(__streak) OVER (PARTITION BY event_id) AND row_number() OVER (PARTITION BY event_id, __streak ORDER BY ${delivery}) = 1`);
    // Only what changes silver: new events, and newer versions of known ones with other values.
    const target = await DeltaTable.forPath(p.silver, duck).scan({ version: silver.version });
    scans.push(target);
    await duck.run(`CREATE TEMP TABLE ${changes} AS SELECT s.*, t.event_id IS NOT NULL AS _matched FROM ${typed} s LEFT JOIN (${target.sql}) t ON t.event_id = s.event_id WHERE t.event_id IS NULL OR (${NEWER} AND ${DIFFERS})`);
    const note = commitNote({ runId, layer: "silver", startedAt, sourceRange: result.sourceRange, numInputRows: result.numInputRows, droppedRecords: result.droppedRecords, expectations: result.expectations });
    const matched = Number(await duck.value(`SELECT count(*) FROM ${changes} WHERE _matched`));
    // No known event_id among the changes: the MERGE would only insert, so the rows are appended (the
    // same commit, without reading the target again). Runs hold the base folder's lock: no other writer adds keys meanwhile.
    const r = matched > 0 ? await mergeIntoSilver(p.silver, duck, changes, { appId, version: to }, note) : await insertIntoSilver(p.silver, duck, changes, { appId, version: to }, note);
    if (r.version === null && !r.skipped) {
      // Nothing to change (duplicates, older versions): commit the txn alone, so these bronze versions count as processed.
      const w = await DeltaTable.forPath(p.silver, duck).write(`SELECT ${SILVER_COLUMNS.join(", ")} FROM ${changes} WHERE false`, { mode: "append", allowEmpty: true, txnAppId: appId, txnVersion: to, operation: "MERGE", operationParameters: { predicate: JSON.stringify(["t.event_id = s.event_id"]), note: "no row changed" }, userMetadata: note });
      result.targetVersion = w.skipped ? null : w.version;
    } else result.targetVersion = r.skipped ? null : r.version;
    result.numOutputRows = r.numTargetRowsInserted + r.numTargetRowsUpdated;
    result.numUpsertedRows = r.numTargetRowsUpdated;
    result.numDeletedRows = r.numTargetRowsDeleted;
    result.endedAt = new Date();
    return result;
  } finally {
    for (const s of scans) await s.close();
    for (const t of [batch, typed, changes]) await duck.run(`DROP TABLE IF EXISTS ${t}`);
  }
}

/**
 * MERGE INTO silver t USING source s ON t.event_id = s.event_id: update when s is newer (the
 * sequence guard), insert when new; one commit carrying txn {appId, version}. A source with an
 * event_id twice is MERGE's multiple-match error, naming the key, and nothing is committed.
 */
export async function mergeIntoSilver(silverPath: string, duck: Duck, source: string, txn: { appId: string; version: number }, userMetadata?: string) {
  return DeltaTable.forPath(silverPath, duck).merge({
    source: `SELECT ${SILVER_COLUMNS.join(", ")} FROM ${source}`,
    on: "t.event_id = s.event_id",
    clauses: [
      { when: "matched", then: "update", condition: NEWER, set: "*" },
      { when: "notMatched", then: "insert", values: "*" },
    ],
    txnAppId: txn.appId,
    txnVersion: txn.version,
    userMetadata,
  });
}

/** The MERGE of a source whose keys are all new: an append in one commit carrying the same txn. */
async function insertIntoSilver(silverPath: string, duck: Duck, source: string, txn: { appId: string; version: number }, userMetadata: string): Promise<MergeResult> {
  const n = Number(await duck.value(`SELECT count(*) FROM ${source}`));
  const none = { version: null, numSourceRows: n, numTargetRowsInserted: 0, numTargetRowsUpdated: 0, numTargetRowsDeleted: 0, numTargetRowsCopied: 0, numTargetFilesRemoved: 0, numTargetFilesAdded: 0 };
  if (n === 0) return none;
  const w = await DeltaTable.forPath(silverPath, duck).write(`SELECT ${SILVER_COLUMNS.join(", ")} FROM ${source}`, {
    mode: "append",
    txnAppId: txn.appId,
    txnVersion: txn.version,
    operation: "MERGE",
    userMetadata,
    operationParameters: { predicate: JSON.stringify(["t.event_id = s.event_id"]), notMatchedPredicates: JSON.stringify([{ actionType: "insert" }]), note: "no source key in the target: inserts only" },
  });
  if (w.skipped) return { ...none, version: w.version, skipped: true };
  return { ...none, version: w.version, numTargetRowsInserted: w.numOutputRows, numTargetFilesAdded: w.numFiles };
}
