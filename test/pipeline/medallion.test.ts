/**
 * The medallion pipeline on real files and real Delta tables: reruns that change nothing, silver's
 * dedup and sequence guard, the contract (drop / warn / fail, quarantine, metrics, replay), gold
 * against a recompute and its partition-only rewrites, MERGE's multiple-match rule, and the CLI.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { Duck } from "../../lib/duck";
import { DeltaTable } from "../../lib/delta/table";
import { writeDailyFiles } from "../../lib/sim/daily";
import { run, replayQuarantine, rebuildRunLog, medallionPaths, goldSql, type MedallionRunOptions } from "../../lib/pipeline/medallion/index";
import { mergeIntoSilver } from "../../lib/pipeline/medallion/silver";
import { EXPECTATIONS } from "../../lib/pipeline/medallion/expectations";
import { expectCode, tmpDir } from "../helpers/tmp";

const cliPath = path.resolve(__dirname, "../../lib/cli/index.js");
const HEADER = "event_id,user_id,event_type,product_id,price,event_timestamp";

/** A daily file written by hand: one line per row (already CSV). */
function day(dir: string, date: string, lines: string[]): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `events_${date}.csv`), [HEADER, ...lines].join("\n") + "\n");
}

async function setup(t: { after(fn: () => unknown): void }) {
  const dir = tmpDir(t);
  const duck = await Duck.open();
  t.after(() => duck.close());
  const raw = path.join(dir, "raw");
  const base = path.join(dir, "base");
  const go = (o: Partial<MedallionRunOptions> = {}) => run({ raw, base, duck, ...o });
  return { dir, duck, raw, base, p: medallionPaths(base), go };
}

const version = async (table: string, duck: Duck) => (fs.existsSync(table) ? (await DeltaTable.forPath(table, duck).snapshot()).version : -1);
const rows = <T = Record<string, unknown>>(duck: Duck, sql: string) => duck.json(sql) as Promise<T[]>;
const view = async (duck: Duck, table: string) => (await DeltaTable.forPath(table, duck).scan()).sql;

/** Gold recomputed by hand from silver, in plain SQL: what gold must equal. */
async function assertGoldIsRecompute(duck: Duck, p: ReturnType<typeof medallionPaths>) {
  const cols = "strftime(event_date, '%Y-%m-%d') AS d, event_type, events::BIGINT AS events, users::BIGINT AS users, revenue::VARCHAR AS revenue";
  const gold = await rows(duck, `SELECT ${cols} FROM (${await view(duck, p.gold)}) ORDER BY ALL`);
  const expected = await rows(duck, `SELECT ${cols} FROM (SELECT event_date, event_type, count(*) AS events, count(DISTINCT user_id) AS users, sum(CASE WHEN event_type = 'purchase' THEN price ELSE 0 END)::DECIMAL(18,2) AS revenue FROM (${await view(duck, p.silver)}) GROUP BY ALL) ORDER BY ALL`);
  assert.deepEqual(gold, expected, "gold equals a recompute from silver");
}

test("a rerun with no new file creates no version in any layer", async (t) => {
  const { duck, raw, p, go } = await setup(t);
  writeDailyFiles({ dir: raw, start: "2025-01-01", days: 2, rows: 200, duplicateRatio: 0.05, lateRatio: 0.05, malformedRatio: 0.02, badValueRatio: 0.05 });
  const first = await go();
  assert.deepEqual(first.layers.map((l) => [l.layer, l.status]), [["bronze", "COMPLETED"], ["silver", "COMPLETED"], ["gold", "COMPLETED"]]);
  assert.ok(first.layers.every((l) => l.targetVersion !== null));
  const tables = [p.bronze, p.silver, p.gold, p.quarantine];
  const before = await Promise.all(tables.map((x) => version(x, duck)));
  const again = await go();
  assert.deepEqual(again.layers.map((l) => l.targetVersion), [null, null, null], "every layer: no change");
  assert.deepEqual(await Promise.all(tables.map((x) => version(x, duck))), before, "no table got a version");
  await assertGoldIsRecompute(duck, p);
  // Each layer alone, again: still nothing.
  for (const layer of ["bronze", "silver", "gold"] as const) assert.equal((await go({ layers: layer })).layers[0]!.targetVersion, null, layer);
  assert.deepEqual(await Promise.all(tables.map((x) => version(x, duck))), before);
  // The run log: one row per layer per run (3 runs of all layers, then 3 single-layer runs).
  const log = await rows<{ flow_name: string; target_version: number | null }>(duck, `SELECT flow_name, target_version FROM (${await view(duck, p.runs)}) ORDER BY started_at`);
  assert.equal(log.length, 9);
  assert.deepEqual(log.slice(3).map((r) => r.target_version), [null, null, null, null, null, null]);
  // Bronze is append-only (delta.appendOnly): what came in stays as it came.
  await expectCode(() => DeltaTable.forPath(p.bronze, duck).delete("true"), "DELTA_APPEND_ONLY");
});

test("silver holds each event_id once with its newest values; an older event never goes back in time", async (t) => {
  const { duck, raw, p, go } = await setup(t);
  day(raw, "2025-01-01", [
    "e1,u1,view,p1,5.00,2025-01-01T10:00:00Z",
    "e2,u2,view,p1,5.00,2025-01-01T11:00:00Z",
    // The same event twice in one file with the same time: the later line wins.
    "e3,u3,view,p1,1.00,2025-01-01T12:00:00Z",
    "e3,u3,purchase,p1,2.00,2025-01-01T12:00:00Z",
  ]);
  day(raw, "2025-01-02", [
    "e1,u1,purchase,p1,7.00,2025-01-01T12:30:00Z", // newer: wins over the file before
    "e2,u2,purchase,p1,9.00,2025-01-01T10:30:00Z", // older than silver's e2 in the same batch: loses
  ]);
  await go();
  const silver = async () => rows<{ event_id: string; event_type: string; price: number }>(duck, `SELECT event_id, event_type, price::DOUBLE AS price FROM (${await view(duck, p.silver)}) ORDER BY event_id`);
  assert.deepEqual(await silver(), [
    { event_id: "e1", event_type: "purchase", price: 7 },
    { event_id: "e2", event_type: "view", price: 5 },
    { event_id: "e3", event_type: "purchase", price: 2 },
  ]);
  // A later run with an older version of e1 and a re-delivered e2: silver's rows stay, gold commits nothing.
  const goldBefore = await version(p.gold, duck);
  day(raw, "2025-01-03", ["e1,u1,view,p1,1.00,2025-01-01T09:00:00Z", "e2,u2,view,p1,5.00,2025-01-01T11:00:00Z"]);
  const r = await go();
  assert.equal(r.layers[1]!.numOutputRows, 0, "silver wrote no row");
  assert.equal(r.layers[2]!.targetVersion, null, "gold: no change");
  assert.equal(await version(p.gold, duck), goldBefore);
  assert.deepEqual((await silver()).map((x) => x.price), [7, 5, 2]);
  // A newer e2 later: updated, and only its date's partition is rewritten in gold.
  day(raw, "2025-01-04", ["e2,u2,add_to_cart,p1,6.00,2025-01-01T13:00:00Z", "e4,u4,view,p2,3.00,2025-01-04T08:00:00Z"]);
  const r2 = await go();
  assert.equal(r2.layers[1]!.numUpsertedRows, 1);
  assert.equal(r2.layers[1]!.numOutputRows, 2);
  assert.deepEqual((await silver()).map((x) => [x.event_id, x.event_type]), [["e1", "purchase"], ["e2", "add_to_cart"], ["e3", "purchase"], ["e4", "view"]]);
  const counts = await rows<{ n: number; ids: number }>(duck, `SELECT count(*)::INT AS n, count(DISTINCT event_id)::INT AS ids FROM (${await view(duck, p.silver)})`);
  assert.equal(counts[0]!.n, counts[0]!.ids, "each event_id once");
  await assertGoldIsRecompute(duck, p);
});

test("a late event rewrites only its date's partition in gold; gold equals a recompute after every run", async (t) => {
  const { duck, raw, p, go } = await setup(t);
  const opts = { dir: raw, start: "2025-01-01", rows: 300, duplicateRatio: 0.03, lateRatio: 0.02, malformedRatio: 0.01, badValueRatio: 0.02 };
  writeDailyFiles({ ...opts, days: 3 });
  await go();
  await assertGoldIsRecompute(duck, p);
  const files = writeDailyFiles({ ...opts, days: 4, lateDay: "2025-01-02", skipExisting: true });
  assert.deepEqual(files.map((f) => f.written), [false, false, false, true]);
  assert.ok(files[3]!.late > 0 && files[3]!.duplicates > 0, "day 4 has late events and duplicates");
  const r = await go();
  const v = r.layers[2]!.targetVersion!;
  const commit = DeltaTable.forPath(p.gold, duck).changes(v, v)[0]!;
  const dates = (xs: { partitionValues?: Record<string, string | null> | null }[]) => [...new Set(xs.map((x) => x.partitionValues?.event_date))].sort();
  assert.deepEqual(dates(commit.removes), ["2025-01-02"], "only day 2's files are removed");
  assert.deepEqual(dates(commit.adds), ["2025-01-02", "2025-01-04"], "days 2 and 4 are written");
  await assertGoldIsRecompute(duck, p);
  // Gold changed behind the pipeline's back: the invariant check names the date.
  await DeltaTable.forPath(p.gold, duck).update({ events: "events + 1" }, "event_date = DATE '2025-01-03'");
  day(raw, "2025-01-05", ["x1,u1,view,p1,1.00,2025-01-05T08:00:00Z"]);
  const e = await expectCode(() => go(), "MEDALLION_INVARIANT_VIOLATED");
  assert.match(e.message, /2025-01-03/);
});

test("the contract: drop quarantines with the failed rules, warn keeps, fail stops naming the rule; metrics in the run log; replay", async (t) => {
  const { duck, raw, p, go } = await setup(t);
  day(raw, "2025-01-01", [
    "ok1,u1,view,p1,5.00,2025-01-01T10:00:00Z",
    "bad1,,view,p1,-3,2025-01-01T10:00:00Z", // fails valid_user_id and valid_price: counts once in each
    "bad2,u2,refund,p1,4.00,2025-01-01T10:00:00Z", // valid_event_type: warned, kept
    "bad3,u3,view,p1,N/A,2025-01-01T10:00:00Z", // valid_price
    ",u4,view,p1,1.00,not-a-time", // valid_event_id and valid_timestamp
    "ok2,u5,purchase,p1,2.50,2025-01-01T11:00:00Z",
    "broken,line", // malformed: bronze's quarantine
  ]);
  const r = await go({ expectations: { valid_event_type: "warn" } });
  const [bronze, silver] = r.layers;
  assert.equal(bronze!.droppedRecords, 1, "the malformed line is in bronze's quarantine");
  assert.equal(fs.readdirSync(p.bronzeQuarantine).filter((f) => f.endsWith(".json")).length, 1);
  assert.equal(silver!.numInputRows, 6);
  assert.equal(silver!.droppedRecords, 3);
  const m = Object.fromEntries(silver!.expectations.map((e) => [e.name, [e.action, e.passed_records, e.failed_records]]));
  assert.deepEqual(m, {
    valid_event_id: ["drop", 5, 1],
    valid_user_id: ["drop", 5, 1],
    valid_event_type: ["warn", 5, 1],
    valid_price: ["drop", 4, 2],
    valid_timestamp: ["drop", 5, 1],
  });
  const q = await rows<{ event_id: string | null; failed_rules: string[]; _run_id: string; _source_file: string }>(duck, `SELECT event_id, failed_rules, _run_id, _source_file FROM (${await view(duck, p.quarantine)}) ORDER BY event_id NULLS FIRST`);
  assert.deepEqual(q.map((x) => [x.event_id, x.failed_rules]), [[null, ["valid_event_id", "valid_timestamp"]], ["bad1", ["valid_user_id", "valid_price"]], ["bad3", ["valid_price"]]]);
  assert.ok(q.every((x) => x._run_id === r.runId && x._source_file.endsWith("events_2025-01-01.csv")));
  const kept = await rows<{ event_id: string }>(duck, `SELECT event_id FROM (${await view(duck, p.silver)}) ORDER BY event_id`);
  assert.deepEqual(kept.map((x) => x.event_id), ["bad2", "ok1", "ok2"], "the warned row is kept");
  const logged = await rows<{ expectations: string; dropped_records: number }>(duck, `SELECT expectations, dropped_records::INT AS dropped_records FROM (${await view(duck, p.runs)}) WHERE flow_name = 'silver'`);
  assert.deepEqual(JSON.parse(logged[0]!.expectations), silver!.expectations);
  assert.equal(logged[0]!.dropped_records, 3);

  // fail: nothing written anywhere, the error names the rule, the run log says FAILED.
  day(raw, "2025-01-02", ["ok3,u1,view,p1,5.00,2025-01-02T10:00:00Z", "bad4,u1,view,p1,-1,2025-01-02T10:00:00Z"]);
  const before = await Promise.all([p.silver, p.quarantine, p.gold].map((x) => version(x, duck)));
  const e = await expectCode(() => go({ expectations: { valid_price: "fail" } }), "MEDALLION_CONTRACT_FAILED");
  assert.match(e.message, /valid_price/);
  assert.match(e.message, /events_2025-01-02\.csv/);
  assert.deepEqual(await Promise.all([p.silver, p.quarantine, p.gold].map((x) => version(x, duck))), before);
  const failed = await rows<{ status: string; error: string }>(duck, `SELECT status, error FROM (${await view(duck, p.runs)}) WHERE flow_name = 'silver' ORDER BY started_at DESC LIMIT 1`);
  assert.equal(failed[0]!.status, "FAILED");
  assert.match(failed[0]!.error, /MEDALLION_CONTRACT_FAILED.*valid_price/);
  // The same rows with the default (drop) go through.
  await go();
  await expectCode(() => go({ expectations: { valid_price: "warn" } }), "INVALID_OPTION");
  await expectCode(() => go({ expectations: { no_such_rule: "drop" } as never }), "INVALID_OPTION");
  const typo = await expectCode(() => go({ layer: "gold" } as never), "INVALID_OPTION");
  assert.match(typo.message, /Unknown medallion\.run option "layer".*layers/);

  // Fix and replay: the price of bad3 and bad4 set, replayed through bronze into silver.
  const rp = await replayQuarantine({ base: p.base, duck, where: "event_id IN ('bad3', 'bad4')", fix: { price: "'3.50'" } });
  assert.equal(rp.replayed, 2);
  await go();
  const after = await rows<{ event_id: string; price: number }>(duck, `SELECT event_id, price::DOUBLE AS price FROM (${await view(duck, p.silver)}) WHERE event_id IN ('bad3', 'bad4') ORDER BY 1`);
  assert.deepEqual(after, [{ event_id: "bad3", price: 3.5 }, { event_id: "bad4", price: 3.5 }]);
  const left = await rows<{ event_id: string | null }>(duck, `SELECT event_id FROM (${await view(duck, p.quarantine)}) ORDER BY 1 NULLS FIRST`);
  assert.deepEqual(left.map((x) => x.event_id), [null, "bad1"]);
  await assertGoldIsRecompute(duck, p);
});

test("MERGE's multiple-match rule: a source with an event_id twice fails naming the key and leaves silver unchanged", async (t) => {
  const { duck, raw, p, go } = await setup(t);
  day(raw, "2025-01-01", ["e1,u1,view,p1,5.00,2025-01-01T10:00:00Z"]);
  await go();
  const before = await version(p.silver, duck);
  await duck.run(`CREATE TEMP TABLE twice AS SELECT * REPLACE (event_timestamp + INTERVAL 1 HOUR AS event_timestamp) FROM (${await view(duck, p.silver)}) UNION ALL SELECT * REPLACE (event_timestamp + INTERVAL 2 HOUR AS event_timestamp) FROM (${await view(duck, p.silver)})`);
  const e = await expectCode(() => mergeIntoSilver(p.silver, duck, "twice", { appId: "test", version: 1 }), "DELTA_MERGE_MULTIPLE_MATCHES");
  assert.match(e.message, /event_id = "e1"/);
  assert.equal(await version(p.silver, duck), before, "no commit");
  assert.equal(fs.readdirSync(p.silver).filter((f) => f.endsWith(".parquet")).length, 1, "no data file left behind");
});

test("full refresh of gold rebuilds it from silver; the CLI prints one line per layer and exits non-zero naming a failed rule", async (t) => {
  const { duck, raw, base, p, go } = await setup(t);
  writeDailyFiles({ dir: raw, start: "2025-01-01", days: 2, rows: 100, badValueRatio: 0.05 });
  await go();
  const r = await go({ layers: "gold", fullRefresh: true });
  assert.equal(r.layers.length, 1);
  assert.equal(r.layers[0]!.targetVersion, 1, "gold rebuilt: created, then written once");
  await assertGoldIsRecompute(duck, p);
  assert.equal(goldSql("x").includes("count(DISTINCT user_id)"), true);

  writeDailyFiles({ dir: raw, start: "2025-01-03", days: 1, rows: 100, badValueRatio: 0.1, seed: 7 });
  const cli = (...args: string[]) => spawnSync(process.execPath, [cliPath, "medallion", "run", "--raw", raw, "--base", base, ...args], { encoding: "utf8" });
  const failed = cli("--expect", "valid_price=fail,valid_user_id=fail,valid_event_type=fail,valid_timestamp=fail");
  assert.equal(failed.status, 1, failed.stderr);
  assert.match(failed.stderr, /error \[MEDALLION_CONTRACT_FAILED\]: Silver's expectation valid_\w+/);
  assert.match(failed.stdout, /^bronze version \d+: read 100, written 100/m);
  assert.match(failed.stdout, /^silver FAILED/m);
  const ok = cli();
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /^bronze no change: read 0/m);
  assert.match(ok.stdout, /^silver version \d+: read 100, written \d+, merged 0, quarantined \d+/m);
  assert.match(ok.stdout, /^gold {3}version \d+/m);
  const bad = cli("--layer", "platinum");
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /INVALID_OPTION.*unknown layer "platinum".*Use bronze, silver, gold or "all"/);
  const missing = spawnSync(process.execPath, [cliPath, "medallion", "run", "--raw", path.join(base, "nope"), "--base", base], { encoding: "utf8" });
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /PATH_NOT_FOUND.*simulate --daily/);
  // A layer without the one below: a clear error, and no table of its own left behind.
  const empty = path.join(base, "..", "empty");
  for (const [layer, below] of [["silver", "bronze"], ["gold", "silver"]] as const) {
    const r = spawnSync(process.execPath, [cliPath, "medallion", "run", "--layer", layer, "--base", empty], { encoding: "utf8" });
    assert.equal(r.status, 1);
    assert.match(r.stderr, new RegExp(`DELTA_TABLE_NOT_FOUND.*no ${below} table.*--layer ${below}`));
    assert.equal(fs.existsSync(path.join(empty, layer)), false, `no ${layer} table created`);
  }
});

test("the run log can be rebuilt from the targets' commits", async (t) => {
  const { duck, raw, p, go } = await setup(t);
  const opts = { dir: raw, start: "2025-01-01", rows: 200, duplicateRatio: 0.05, lateRatio: 0.05, malformedRatio: 0.02, badValueRatio: 0.05 };
  writeDailyFiles({ ...opts, days: 2 });
  await go();
  await go(); // no change: no commit, so no rebuilt row
  writeDailyFiles({ ...opts, days: 3, skipExisting: true });
  fs.writeFileSync(path.join(raw, "events_2025-01-03_fix.csv"), `${HEADER}\n` + fs.readFileSync(path.join(raw, "events_2025-01-01.csv"), "utf8").split("\n").slice(1, 4).map((l) => l.replace(/T\d\d:/, "T23:")).join("\n") + "\n");
  await go();
  const cols = "run_id, flow_name, status, epoch_ms(started_at)::DOUBLE AS started_at, source_range, target_version::INT AS target_version, num_input_rows::INT AS num_input_rows, num_output_rows::INT AS num_output_rows, num_upserted_rows::INT AS num_upserted_rows, num_deleted_rows::INT AS num_deleted_rows, dropped_records::INT AS dropped_records, expectations";
  const logged = await rows(duck, `SELECT ${cols} FROM (${await view(duck, p.runs)}) WHERE target_version IS NOT NULL ORDER BY started_at, run_id`);
  const rebuilt = rebuildRunLog(p.base).map((r) => ({
    run_id: r.runId, flow_name: r.layer, status: r.status, started_at: r.startedAt.getTime(), source_range: r.sourceRange ? JSON.stringify(r.sourceRange) : null, target_version: r.targetVersion,
    num_input_rows: r.numInputRows, num_output_rows: r.numOutputRows, num_upserted_rows: r.numUpsertedRows, num_deleted_rows: r.numDeletedRows, dropped_records: r.droppedRecords, expectations: JSON.stringify(r.expectations),
  }));
  assert.equal(logged.length, 6, "two runs committed in all three layers");
  assert.ok(rebuilt.some((r) => r.flow_name === "silver" && r.num_upserted_rows === 3), "the second committing run updated three events");
  assert.deepEqual(rebuilt, logged);
});

test("the expectations on edge values", async (t) => {
  const duck = await Duck.open();
  t.after(() => duck.close());
  const check = async (rule: string, column: string, values: [string | null, boolean][]) => {
    const c = EXPECTATIONS.find((e) => e.name === rule)!.constraint;
    const got = await rows<{ v: string | null; ok: boolean }>(duck, `SELECT ${column} AS v, ${c} AS ok FROM (SELECT unnest([${values.map(([v]) => (v === null ? "NULL" : `'${v}'`)).join(", ")}]::VARCHAR[]) AS ${column})`);
    assert.deepEqual(got.map((r) => [r.v, r.ok]), values, rule);
  };
  await check("valid_event_id", "event_id", [["e1", true], ["", false], ["  ", false], [null, false]]);
  await check("valid_user_id", "user_id", [["u_00001", true], ["", false], [null, false]]);
  await check("valid_event_type", "event_type", [["view", true], ["add_to_cart", true], ["purchase", true], ["View", false], ["refund", false], [null, false]]);
  await check("valid_price", "price", [["5.00", true], ["0", true], [" 12.5 ", true], ["12.345", true], ["1e3", true], ["-0.01", false], ["N/A", false], ["12.50€", false], ["123456789.00", false], [null, false]]);
  await check("valid_timestamp", "event_timestamp", [["2025-01-01T10:00:00.123Z", true], ["2025-01-01 10:00:00+02:00", true], ["2025-01-01", true], ["epoch", false], ["infinity", false], ["yesterday", false], ["2025-13-01T00:00:00Z", false], [null, false]]);
});

test("exact ties: the last delivery's values, the first identical delivery's lineage — the same in one run as in a run per file", async (t) => {
  const { duck, dir } = await setup(t);
  const files: [string, string[]][] = [
    ["2025-01-01", ["e8,u1,view,p1,1.00,2025-01-01T10:00:00Z", "e9,u1,view,p1,1.00,2025-01-01T10:00:00Z"]],
    ["2025-01-02", ["e8,u1,view,p1,1.00,2025-01-01T10:00:00Z", "e9,u1,view,p1,2.00,2025-01-01T10:00:00Z"]],
    ["2025-01-03", ["e9,u1,view,p1,1.00,2025-01-01T10:00:00Z", "e9,u1,view,p1,1.00,2025-01-01T10:00:00Z"]],
  ];
  const silverOf = async (base: string) =>
    rows<{ event_id: string; price: number; f: string }>(duck, `SELECT event_id, price::DOUBLE AS price, parse_filename(_source_file) AS f FROM (${await view(duck, medallionPaths(base).silver)}) ORDER BY event_id`);
  const once = { raw: path.join(dir, "once-raw"), base: path.join(dir, "once") };
  for (const [d, lines] of files) day(once.raw, d, lines);
  await run({ ...once, duck });
  const each = { raw: path.join(dir, "each-raw"), base: path.join(dir, "each") };
  for (const [d, lines] of files) {
    day(each.raw, d, lines);
    await run({ ...each, duck });
  }
  const expected = [
    { event_id: "e8", price: 1, f: "events_2025-01-01.csv" },
    { event_id: "e9", price: 1, f: "events_2025-01-03.csv" },
  ];
  assert.deepEqual(await silverOf(once.base), expected, "one run over the three files");
  assert.deepEqual(await silverOf(each.base), expected, "a run per file");
});
