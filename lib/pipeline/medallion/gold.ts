/**
 * Gold: events, distinct users and revenue per day and event type, partitioned by event_date.
 *
 * Gold records the last silver version it reflects in its commits' txn (appId `medallion.gold/<silver
 * table id>`). A run reads silver's Change Data Feed since then, recomputes only the dates that
 * changed (an updated event counts for its old date and its new one) and replaces them with
 * `replaceWhere` — the commit removes and adds files of those partitions only. No changed date: no
 * commit. The first run against a silver table (or a rebuilt one) recomputes everything. After
 * every run, gold must equal a full recompute from silver: checked, MEDALLION_INVARIANT_VIOLATED if not.
 */
import { DeltaTable } from "../../delta/table";
import { sqlString, type Duck } from "../../duck";
import { StreamlabError, isStreamlabError } from "../../errors";
import { GOLD_SCHEMA, goldAppId, type MedallionPaths } from "./layout";
import { commitNote, type LayerResult } from "./run-log";

/** The aggregate over silver rows `from` (a relation): gold's rows. */
export function goldSql(from: string): string {
  return `SELECT event_date, event_type, count(*)::BIGINT AS events, count(DISTINCT user_id)::BIGINT AS users,
      coalesce(sum(CASE WHEN event_type = 'purchase' THEN price ELSE 0 END), 0)::DECIMAL(18,2) AS revenue
    FROM (${from}) GROUP BY event_date, event_type`;
}

export async function runGold(p: MedallionPaths, duck: Duck, runId: string, checkInvariant = true): Promise<LayerResult> {
  const startedAt = new Date();
  const silverTable = DeltaTable.forPath(p.silver, duck);
  const silver = await silverTable.snapshot().catch((e: unknown) => {
    if (!isStreamlabError(e, "DELTA_TABLE_NOT_FOUND")) throw e;
    throw new StreamlabError("DELTA_TABLE_NOT_FOUND", `Gold reads silver, and there is no silver table at ${p.silver}.`, { hint: "Run the silver layer first: streamlab medallion run --layer silver (or --layer all).", cause: e });
  });
  await DeltaTable.create(p.gold, GOLD_SCHEMA, { ifNotExists: true, duck, partitionColumns: ["event_date"], description: "Events, distinct users and revenue per day and event type" });
  const gold = DeltaTable.forPath(p.gold, duck);
  const goldSnap = await gold.snapshot();
  const appId = goldAppId(silver.metadata.id);
  const last = goldSnap.txns.get(appId);
  const result: LayerResult = { runId, layer: "gold", status: "COMPLETED", startedAt, endedAt: startedAt, sourceRange: null, targetVersion: null, numInputRows: 0, numOutputRows: 0, numUpsertedRows: 0, numDeletedRows: 0, droppedRecords: 0, expectations: [] };
  const scans: { close(): Promise<void> }[] = [];
  try {
    const silverScan = await silverTable.scan({ version: silver.version });
    scans.push(silverScan);
    if (last === undefined || last < silver.version) {
      const from = last === undefined ? 0 : last + 1;
      result.sourceRange = { fromVersion: from, toVersion: silver.version };
      // Which dates: all of them the first time; else those silver's changes touched.
      let dates: string[] | undefined;
      if (last !== undefined) {
        const cdf = await silverTable.readChanges(from, silver.version);
        scans.push(cdf);
        dates = (await duck.all<{ d: string }>(`SELECT DISTINCT strftime(event_date, '%Y-%m-%d') AS d FROM (${cdf.sql}) WHERE event_date IS NOT NULL ORDER BY d`)).map((r) => r.d);
      }
      const empty = dates !== undefined && dates.length === 0;
      const firstOfNothing = dates === undefined && goldSnap.files.length === 0 && Number(await duck.value(`SELECT count(*) FROM (${silverScan.sql})`)) === 0;
      if (!empty && !firstOfNothing) {
        const inDates = dates ? `event_date IN (${dates.map((d) => `DATE ${sqlString(d)}`).join(", ")})` : undefined;
        const rows = goldSql(`SELECT * FROM (${silverScan.sql})${inDates ? ` WHERE ${inDates}` : ""}`);
        result.numInputRows = Number(await duck.value(`SELECT count(*) FROM (${silverScan.sql})${inDates ? ` WHERE ${inDates}` : ""}`));
        // The rows the replaced partitions hold before.
        result.numDeletedRows = await gold.count({ version: goldSnap.version, ...(inDates ? { filter: inDates } : {}) });
        const userMetadata = commitNote({ runId, layer: "gold", startedAt, sourceRange: result.sourceRange, numInputRows: result.numInputRows, numDeletedRows: result.numDeletedRows });
        const w = await gold.write(`${rows} ORDER BY event_date, event_type`, { mode: "overwrite", ...(inDates ? { replaceWhere: inDates } : {}), txnAppId: appId, txnVersion: silver.version, userMetadata });
        result.targetVersion = w.skipped ? null : w.version;
        result.numOutputRows = w.numOutputRows;
        if (w.skipped) result.numDeletedRows = 0;
      }
    }
    if (checkInvariant) await checkGold(gold, silverScan.sql, duck);
    result.endedAt = new Date();
    return result;
  } finally {
    for (const s of scans) await s.close();
  }
}

/** Gold equals a full recompute from silver (`silverSql`), row for row; MEDALLION_INVARIANT_VIOLATED naming the dates if not. */
export async function checkGold(gold: DeltaTable, silverSql: string, duck: Duck): Promise<void> {
  const g = await gold.scan();
  try {
    const cols = "event_date, event_type, events, users, revenue";
    const recompute = goldSql(silverSql);
    const diff = await duck.all<{ d: string }>(
      `SELECT DISTINCT strftime(event_date, '%Y-%m-%d') AS d FROM ((SELECT ${cols} FROM (${g.sql}) EXCEPT ALL SELECT ${cols} FROM (${recompute})) UNION ALL (SELECT ${cols} FROM (${recompute}) EXCEPT ALL SELECT ${cols} FROM (${g.sql}))) ORDER BY d`,
    );
    if (diff.length > 0) {
      const dates = diff.map((r) => r.d ?? "NULL");
      throw new StreamlabError("MEDALLION_INVARIANT_VIOLATED", `Gold (${gold.path}) differs from a full recompute from silver on ${dates.length} date${dates.length === 1 ? "" : "s"}: ${dates.slice(0, 10).join(", ")}${dates.length > 10 ? ", …" : ""}.`, {
        hint: "Gold was changed outside the pipeline, or a silver change was missed. Rebuild it: streamlab medallion run --layer gold --full-refresh.",
        details: { dates },
      });
    }
  } finally {
    await g.close();
  }
}
