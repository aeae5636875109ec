/**
 * The HTML summary of a Delta table's recent versions: what each added (timestamp, operation,
 * rows), the table's total, and a sample of the new rows — for the outbox and the email.
 */
import type { Duck } from "../duck";
import { StreamlabError } from "../errors";
import type { AddFile } from "../delta/actions";
import { planScan } from "../delta/scan";
import { DeltaTable } from "../delta/table";
import { listLog } from "../delta/log-segment";
import { escapeHtml, formatValue } from "../viz/table";
import { checkTimeZone, isoInZone } from "../sim/time";

export interface TableSummary {
  table: string;
  fromVersion: number;
  toVersion: number;
  versions: { version: number; timestamp: string; operation: string; rowsAdded: number }[];
  totalRows: number;
  sample: Record<string, unknown>[];
  subject: string;
  html: string;
  text: string;
}

/** Summarises the versions after `sinceVersion` (default: the last 5); commit times shown in `timeZone` (default UTC). */
export async function summarizeTable(tablePath: string, duck: Duck, options: { sinceVersion?: number; sampleRows?: number; timeZone?: string } = {}): Promise<TableSummary> {
  const tz = checkTimeZone(options.timeZone ?? "UTC");
  const table = DeltaTable.forPath(tablePath, duck);
  const snap = await table.snapshot();
  const from = options.sinceVersion === undefined ? Math.max(0, snap.version - 4) : options.sinceVersion + 1;
  if (from > snap.version + 1 || from < 0) {
    throw new StreamlabError("INVALID_OPTION", `--since-version ${options.sinceVersion} is beyond the table's latest version ${snap.version}.`);
  }
  // Versions older than the log's earliest commit were cleaned up by log retention: summarise what is left.
  const listing = snap.segment.listing.partial ? listLog(snap.tableRoot) : snap.segment.listing;
  const earliest = listing.commits[0]?.version;
  const commits = earliest === undefined || from > snap.version ? [] : table.changes(Math.max(from, earliest), snap.version);
  const added: AddFile[] = [];
  const versions = commits.map((c) => {
    const adds = c.adds.filter((a) => a.dataChange);
    added.push(...adds);
    const rows = Number(c.operationMetrics.numOutputRows ?? adds.reduce((s, a) => s + (a.stats ? Number(JSON.parse(a.stats).numRecords ?? 0) : 0), 0));
    return { version: c.version, timestamp: isoInZone(new Date(c.timestamp), tz), operation: c.operation ?? "", rowsAdded: rows };
  });
  const all = await planScan(snap, duck);
  const totalRows = await all.count();
  await all.close();
  const live = new Set(snap.files.map((f) => f.path));
  const fresh = await planScan(snap, duck, { files: added.filter((a) => live.has(a.path)) });
  const sample = await fresh.rows(options.sampleRows ?? 5);
  await fresh.close();
  const name = table.path.split("/").slice(-1)[0]!;
  const newRows = versions.reduce((s, v) => s + v.rowsAdded, 0);
  const subject = `[Streamlab] ${name}: ${versions.length} new version${versions.length === 1 ? "" : "s"}, ${newRows} rows added, ${totalRows} in total`;
  const cols = sample.length ? Object.keys(sample[0]!) : [];
  const html = `<!doctype html><html><body style="font-family: sans-serif">
<h2>${escapeHtml(name)}: versions ${from}–${snap.version}</h2>
<p>Table <code>${escapeHtml(table.path)}</code> now holds <b>${totalRows}</b> rows.</p>
<table border="1" cellpadding="4" cellspacing="0" style="border-collapse: collapse">
<thead><tr><th>version</th><th>timestamp (${escapeHtml(tz)})</th><th>operation</th><th>rows added</th></tr></thead>
<tbody>
${versions.map((v) => `<tr><td>${v.version}</td><td>${escapeHtml(v.timestamp)}</td><td>${escapeHtml(v.operation)}</td><td>${v.rowsAdded}</td></tr>`).join("\n")}
</tbody></table>
<h3>A sample of the new rows</h3>
${sample.length ? `<table border="1" cellpadding="4" cellspacing="0" style="border-collapse: collapse"><thead><tr>${cols.map((c) => `<th>${escapeHtml(c)}</th>`).join("")}</tr></thead><tbody>
${sample.map((r) => `<tr>${cols.map((c) => `<td>${escapeHtml(formatValue(r[c]))}</td>`).join("")}</tr>`).join("\n")}
</tbody></table>` : "<p>No new rows.</p>"}
<p style="color:#888">Sent by Streamlab.</p>
</body></html>`;
  const text = [`${name}: versions ${from}-${snap.version}, ${totalRows} rows in total (times in ${tz})`, ...versions.map((v) => `  v${v.version} ${v.timestamp} ${v.operation} +${v.rowsAdded}`)].join("\n");
  return { table: table.path, fromVersion: from, toVersion: snap.version, versions, totalRows, sample, subject, html, text };
}
