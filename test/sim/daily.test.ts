/** Daily event files: names, determinism, faults measured from the files, adding a day later, and `streamlab simulate`. */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { Duck, sqlString } from "../../lib/duck";
import { writeDailyFiles } from "../../lib/sim/daily";
import { expectCode, tmpDir } from "../helpers/tmp";

const cliPath = path.resolve(__dirname, "../../lib/cli/index.js");
const faults = { duplicateRatio: 0.05, lateRatio: 0.05, malformedRatio: 0.02, badValueRatio: 0.04 };

test("events_YYYY-MM-DD.csv per day; faults as the manifest says, measured from the files", async (t) => {
  const dir = tmpDir(t);
  const files = writeDailyFiles({ dir, start: "2025-01-30", days: 3, rows: 2000, ...faults });
  assert.deepEqual(fs.readdirSync(dir).sort(), ["events_2025-01-30.csv", "events_2025-01-31.csv", "events_2025-02-01.csv"]);
  const duck = await Duck.open();
  t.after(() => duck.close());
  for (const [i, f] of files.entries()) {
    const lines = fs.readFileSync(f.path, "utf8").trimEnd().split("\n");
    assert.equal(lines[0], "event_id,user_id,event_type,product_id,price,event_timestamp");
    assert.equal(lines.length - 1, 2000);
    const bad = lines.slice(1).map((l, j) => [l.split(",").length, j + 2] as const).filter(([n]) => n !== 6).map(([, line]) => line);
    assert.deepEqual(bad, f.malformedLines, "the malformed lines are the ones with a wrong field count");
    assert.ok(f.malformedLines.length > 10 && f.malformedLines.length < 80);
    const stats = (
      await duck.all<{ late: bigint; bad: bigint; dup: bigint }>(`SELECT
        count(*) FILTER (WHERE try_cast(event_timestamp AS TIMESTAMPTZ) < TIMESTAMPTZ ${sqlString(f.date)}) AS late,
        count(*) FILTER (WHERE try_cast(event_timestamp AS TIMESTAMPTZ) IS NULL OR try_cast(price AS DOUBLE) IS NULL OR try_cast(price AS DOUBLE) < 0 OR event_type NOT IN ('view', 'add_to_cart', 'purchase') OR coalesce(user_id, '') = '') AS bad,
        count(*) - count(DISTINCT event_id) AS dup
      FROM read_csv(${sqlString(f.path)}, all_varchar = true, ignore_errors = true, header = true)`)
    )[0]!;
    if (i === 0) assert.equal(f.late, 0, "the first day has no earlier day to be late for");
    else assert.ok(Number(stats.late) >= f.late * 0.9 && f.late > 40, `late events belong to earlier days (${stats.late}, ${f.late})`);
    assert.ok(Number(stats.bad) >= f.badValues * 0.9 && f.badValues > 40, `bad values (${stats.bad}, ${f.badValues})`);
    assert.ok(f.duplicates > 50 && f.duplicates < 160, `duplicates ${f.duplicates}`);
  }
  // Duplicates repeat earlier events: across the three files, ids repeat about as often as the manifests say.
  const dups = Number(await duck.value(`SELECT count(*) - count(DISTINCT event_id) FROM read_csv(${sqlString(path.join(dir, "*.csv"))}, all_varchar = true, ignore_errors = true, header = true)`));
  const declared = files.reduce((s, f) => s + f.duplicates, 0);
  assert.ok(Math.abs(dups - declared) <= declared * 0.1, `${dups} repeated ids, ${declared} declared`);
});

test("the same seed gives the same files; a fourth day added later equals the fourth of four written at once", (t) => {
  const a = tmpDir(t);
  const b = tmpDir(t);
  writeDailyFiles({ dir: a, start: "2025-01-01", days: 4, rows: 300, ...faults });
  writeDailyFiles({ dir: b, start: "2025-01-01", days: 3, rows: 300, ...faults });
  const added = writeDailyFiles({ dir: b, start: "2025-01-01", days: 4, rows: 300, ...faults, skipExisting: true });
  assert.deepEqual(added.map((f) => f.written), [false, false, false, true]);
  for (const name of fs.readdirSync(a)) assert.equal(fs.readFileSync(path.join(b, name), "utf8"), fs.readFileSync(path.join(a, name), "utf8"), name);
  const other = tmpDir(t);
  writeDailyFiles({ dir: other, start: "2025-01-01", days: 1, rows: 300, ...faults, seed: 43 });
  assert.notEqual(fs.readFileSync(path.join(other, "events_2025-01-01.csv"), "utf8"), fs.readFileSync(path.join(a, "events_2025-01-01.csv"), "utf8"));
  // lateDay: every late event of day 4 belongs to day 2.
  const c = tmpDir(t);
  const [, , , d4] = writeDailyFiles({ dir: c, start: "2025-01-01", days: 4, rows: 300, lateRatio: 0.1, lateDay: "2025-01-02" });
  const times = fs.readFileSync(d4!.path, "utf8").trimEnd().split("\n").slice(1).map((l) => l.split(",")[5]!.slice(0, 10));
  assert.deepEqual([...new Set(times)].sort(), ["2025-01-02", "2025-01-04"]);
  assert.equal(times.filter((x) => x === "2025-01-02").length, d4!.late);
});

test("bad options and an existing file are clear errors", async (t) => {
  const dir = tmpDir(t);
  await expectCode(() => writeDailyFiles({ dir, start: "2025-02-30" }), "INVALID_OPTION");
  await expectCode(() => writeDailyFiles({ dir, start: "2025-01-01", days: 0 }), "INVALID_OPTION");
  await expectCode(() => writeDailyFiles({ dir, start: "2025-01-01", badValueRatio: 2 }), "INVALID_OPTION");
  await expectCode(() => writeDailyFiles({ dir, start: "2025-01-02", lateDay: "2025-01-01" }), "INVALID_OPTION");
  writeDailyFiles({ dir, start: "2025-01-01", rows: 5 });
  await expectCode(() => writeDailyFiles({ dir, start: "2025-01-01", rows: 5 }), "IO_ERROR");
});

test("streamlab simulate: --daily files and a timed stream of files", (t) => {
  const dir = tmpDir(t);
  const cli = (...args: string[]) => spawnSync(process.execPath, [cliPath, "simulate", ...args], { encoding: "utf8" });
  const daily = cli("--daily", "--days", "3", "--start", "2025-01-01", "--rows", "50", "--out", path.join(dir, "daily"), "--duplicates", "0.1", "--late", "0.1", "--malformed", "0.05", "--bad-values", "0.1");
  assert.equal(daily.status, 0, daily.stderr);
  assert.equal(daily.stdout.trim().split("\n").length, 3);
  assert.match(daily.stdout, /events_2025-01-03\.csv: 50 lines \(\d+ malformed, \d+ duplicates, \d+ late, \d+ bad values\)/);
  assert.deepEqual(fs.readdirSync(path.join(dir, "daily")).sort(), ["events_2025-01-01.csv", "events_2025-01-02.csv", "events_2025-01-03.csv"]);
  const stream = cli("--rate", "10", "--duration", "500ms", "--out", path.join(dir, "weather"), "--kind", "weather", "--rows-per-file", "5");
  assert.equal(stream.status, 0, stream.stderr);
  const written = fs.readdirSync(path.join(dir, "weather"));
  assert.ok(written.length >= 3 && written.every((f) => /^weather-.*\.csv$/.test(f)), written.join(","));
  assert.match(fs.readFileSync(path.join(dir, "weather", written[0]!), "utf8"), /^station_id,temperature_c,humidity,wind_kph,event_time\n/);
  const noStart = cli("--daily", "--out", path.join(dir, "x"));
  assert.equal(noStart.status, 2);
  assert.match(noStart.stderr, /INVALID_OPTION.*--start/);
  const badKind = cli("--kind", "stocks", "--out", path.join(dir, "y"));
  assert.equal(badKind.status, 2);
  assert.match(badKind.stderr, /Unknown feed kind "stocks"/);
  const badRate = cli("--rate", "fast", "--out", path.join(dir, "z"));
  assert.equal(badRate.status, 2);
  assert.match(badRate.stderr, /--rate must be a number/);
});
