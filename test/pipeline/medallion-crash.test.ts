/**
 * The medallion pipeline across crashes: a real child process runs the pipeline over a new day and
 * is killed (SIGKILL, no cleanup) at one step — inside bronze's micro-batch, before or after each
 * Delta commit of silver's quarantine, silver and gold, between layers. A second process reruns;
 * every table must then equal the tables of an uninterrupted run over the same files.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { Duck } from "../../lib/duck";
import { DeltaTable } from "../../lib/delta/table";
import { writeDailyFiles } from "../../lib/sim/daily";
import { medallionPaths } from "../../lib/pipeline/medallion/index";
import { tmpDir } from "../helpers/tmp";

const lib = path.resolve(__dirname, "../../lib/index.js");

function runPipeline(raw: string, base: string, crashAt?: string) {
  const script = `
    const sl = require(${JSON.stringify(lib)});
    sl.medallion.run({ raw: ${JSON.stringify(raw)}, base: ${JSON.stringify(base)}, print: (l) => console.log(l) })
      .catch((e) => { console.error(String(e)); process.exit(1); });`;
  return spawnSync(process.execPath, ["-e", script], { env: { ...process.env, STREAMLAB_CRASH_AT: crashAt ?? "" }, encoding: "utf8" });
}

/** Every table's content without what differs between runs by nature (times, run ids). */
async function contents(duck: Duck, base: string) {
  const p = medallionPaths(base);
  const q = async (table: string, cols: string) => duck.json(`SELECT ${cols} FROM (${(await DeltaTable.forPath(table, duck).scan()).sql}) ORDER BY ALL`);
  return {
    bronze: await q(p.bronze, "event_id, user_id, event_type, product_id, price, event_timestamp, parse_filename(_source_file) AS f, _batch_id"),
    silver: await q(p.silver, "event_id, user_id, event_type, product_id, price::VARCHAR AS price, epoch_ms(event_timestamp) AS t, event_date::VARCHAR AS d, parse_filename(_source_file) AS f, _bronze_version"),
    quarantine: await q(p.quarantine, "event_id, user_id, event_type, product_id, price, event_timestamp, failed_rules, parse_filename(_source_file) AS f, _bronze_version"),
    gold: await q(p.gold, "event_date::VARCHAR AS d, event_type, events, users, revenue::VARCHAR AS revenue"),
    versions: await Promise.all([p.bronze, p.silver, p.quarantine, p.gold].map(async (x) => (await DeltaTable.forPath(x, duck).snapshot()).version)),
  };
}

/**
 * The steps of the second run (day 3), in order. Run 1 made bronze, quarantine, silver and gold
 * version 1 each; run 2's bronze batch is 1, and the quarantine's, silver's and gold's commits
 * carry txn version 2 (bronze's version 2, silver's version 2).
 */
const POINTS = [
  "afterOffsets@1", // bronze: offsets/1 written, nothing read
  "delta.beforeCommit:bronze/events@1", // bronze: data files written, the commit not
  "afterSinkCommit@1", // bronze committed, its checkpoint's commits/1 not
  "medallion.after.bronze",
  "delta.beforeCommit:quarantine/events@2",
  "medallion.silver.afterQuarantine", // quarantine committed, silver not
  "delta.beforeCommit:silver/events@2", // silver's MERGE files written, the commit not
  "medallion.after.silver",
  "delta.beforeCommit:gold/daily_events@2", // gold's replaced partitions written, the commit not
  "medallion.after.gold", // everything committed, the run log's gold row not
];

test("a run SIGKILLed at each step and rerun equals an uninterrupted run", async (t) => {
  const dir = tmpDir(t);
  const duck = await Duck.open();
  t.after(() => duck.close());
  const files = path.join(dir, "files");
  const days = writeDailyFiles({ dir: files, start: "2025-01-01", days: 4, rows: 150, duplicateRatio: 0.05, lateRatio: 0.05, malformedRatio: 0.02, badValueRatio: 0.05 });
  // Newer versions of two day-1 events, with other prices, so the second run's silver commit is a MERGE that updates.
  const day1 = fs.readFileSync(days[0]!.path, "utf8").trimEnd().split("\n");
  const updated = day1.slice(1).filter((l) => /^[0-9a-f-]{36},u_\d+,(view|add_to_cart|purchase),p_\d+,\d+(\.\d+)?,2025-01-01T/.test(l)).slice(0, 2);
  assert.equal(updated.length, 2);
  const updates = [day1[0], ...updated.map((l) => l.replace(/,[^,]+,(2025-01-01)T\d\d/, ",1.23,$1T23"))].join("\n") + "\n";
  /** Its own landing folder and base: run 1 over days 1–2, then run 2 over day 3 (killed at `crashAt`, then rerun). */
  const scenario = (name: string, crashAt?: string) => {
    const raw = path.join(dir, name, "raw");
    const base = path.join(dir, name, "base");
    fs.mkdirSync(raw, { recursive: true });
    const land = (f: (typeof days)[number]) => fs.cpSync(f.path, path.join(raw, f.name), { preserveTimestamps: true });
    land(days[0]!);
    land(days[1]!);
    assert.equal(runPipeline(raw, base).status, 0);
    land(days[2]!);
    fs.writeFileSync(path.join(raw, "events_2025-01-03_updates.csv"), updates);
    return { raw, base, second: runPipeline(raw, base, crashAt) };
  };
  const reference = scenario("reference");
  assert.equal(reference.second.status, 0, reference.second.stderr);
  const expected = await contents(duck, reference.base);
  assert.deepEqual(expected.versions, [2, 2, 2, 2], "the second run made one version of each table");
  assert.equal(DeltaTable.forPath(medallionPaths(reference.base).silver, duck).changes(2, 2)[0]!.operationMetrics.numTargetRowsUpdated, "2", "the second run's silver commit is a MERGE that updates 2 rows");

  for (const point of POINTS) {
    const { raw, base, second: crashed } = scenario(point.replace(/[^a-z0-9]+/gi, "_"), point);
    assert.equal(crashed.signal, "SIGKILL", `killed at ${point} (stdout: ${crashed.stdout}, stderr: ${crashed.stderr})`);
    const resumed = runPipeline(raw, base);
    assert.equal(resumed.status, 0, `rerun after ${point}: ${resumed.stderr}`);
    assert.deepEqual(await contents(duck, base), expected, `after a crash at ${point}, the rerun equals an uninterrupted run`);
    // And a third run changes nothing.
    assert.match(runPipeline(raw, base).stdout, /bronze no change[\s\S]*silver no change[\s\S]*gold {3}no change/, point);
  }

  // Killed after the quarantine's commit, and a new file lands before the rerun: silver's rerun reads
  // bronze versions 2 and 3 at once, and the quarantine takes only version 3's rows, not version 2's again.
  const { raw, base, second: crashed } = scenario("moved_on", "medallion.silver.afterQuarantine");
  assert.equal(crashed.signal, "SIGKILL");
  fs.cpSync(days[3]!.path, path.join(raw, days[3]!.name), { preserveTimestamps: true });
  assert.equal(runPipeline(raw, base).status, 0);
  fs.cpSync(days[3]!.path, path.join(reference.raw, days[3]!.name), { preserveTimestamps: true });
  assert.equal(runPipeline(reference.raw, reference.base).status, 0);
  const { versions: _a, ...got } = await contents(duck, base);
  const { versions: _b, ...want } = await contents(duck, reference.base);
  assert.ok(got.quarantine.length > 0);
  assert.deepEqual(got, want, "the same rows in every table, none quarantined twice");
});
