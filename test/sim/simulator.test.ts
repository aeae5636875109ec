import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { spawn } from "node:child_process";
import { FEED_KINDS, FEED_SCHEMAS, FileSimulator, generate, simulate } from "../../lib/sim/index";
import { rowGenerator } from "../../lib/sim/rows";
import { parseDdl } from "../../lib/delta/ddl";
import { duckType } from "../../lib/delta/schema";
import { Duck, sqlString } from "../../lib/duck";
import { splitCsvLine } from "../../lib/util/csv";
import { expectCode, tmpDir } from "../helpers/tmp";

const START = "2026-03-01T10:00:00Z";

function readDir(dir: string): Map<string, string> {
  return new Map(fs.readdirSync(dir).sort().map((f) => [f, fs.readFileSync(path.join(dir, f), "utf8")]));
}

test("the same seed and clock give byte-identical files; another seed does not", (t) => {
  const opts = { rowsPerFile: 30, totalFiles: 5, startTime: START, duplicateRatio: 0.1, lateRatio: 0.1, malformedRatio: 0.05 };
  const a = tmpDir(t), b = tmpDir(t), c = tmpDir(t);
  new FileSimulator({ dir: a, seed: 11, ...opts }).writeFiles(10);
  new FileSimulator({ dir: b, seed: 11, ...opts }).writeFiles(10);
  new FileSimulator({ dir: c, seed: 12, ...opts }).writeFiles(10);
  const [fa, fb, fc] = [readDir(a), readDir(b), readDir(c)];
  assert.equal(fa.size, 5, "totalFiles stops the simulator");
  assert.deepEqual([...fa.entries()], [...fb.entries()]);
  assert.notDeepEqual([...fa.values()], [...fc.values()]);
});

test("generate(n) is deterministic and has the event columns", () => {
  const a = generate(50, { seed: 5, startTime: START });
  const b = generate(50, { seed: 5, startTime: START });
  assert.equal(a.length, 50);
  assert.deepEqual(a, b);
  assert.deepEqual(Object.keys(a[0]!), ["event_id", "user_id", "event_type", "product_id", "price", "event_timestamp"]);
  for (const r of a) {
    assert.match(String(r.event_id), /^[0-9a-f-]{36}$/);
    assert.ok(["view", "add_to_cart", "purchase"].includes(String(r.event_type)));
    assert.ok(Number(r.price) > 0);
  }
  assert.notDeepEqual(generate(50, { seed: 6, startTime: START }), a);
});

test("fault ratios hold within tolerance, measured from the files themselves", (t) => {
  const dir = tmpDir(t);
  const sim = new FileSimulator({
    dir, seed: 3, rowsPerFile: 200, totalFiles: 20, startTime: START,
    malformedRatio: 0.05, duplicateRatio: 0.08, lateRatio: 0.1, lateLag: "60s",
  });
  sim.writeFiles(20);
  let lines = 0, malformed = 0, late = 0;
  const ids = new Map<string, number>();
  for (const m of sim.manifests) {
    const text = fs.readFileSync(m.path, "utf8").trimEnd().split("\n");
    const header = splitCsvLine(text[0]!);
    for (const line of text.slice(1)) {
      lines++;
      const f = splitCsvLine(line);
      if (f.length !== header.length) {
        malformed++;
        continue;
      }
      const row = Object.fromEntries(header.map((h, i) => [h, f[i]]));
      ids.set(row.event_id!, (ids.get(row.event_id!) ?? 0) + 1);
      const delay = m.arrivalTime.getTime() - Date.parse(row.event_timestamp!);
      if (delay >= 60_000) late++;
    }
  }
  const wellFormed = lines - malformed;
  const dupes = wellFormed - ids.size;
  assert.equal(lines, 4000);
  assert.ok(Math.abs(malformed / lines - 0.05) < 0.015, `malformed share ${malformed / lines}`);
  assert.ok(Math.abs(dupes / wellFormed - 0.08) < 0.02, `duplicate share ${dupes / wellFormed}`);
  // Late rows are drawn among non-duplicates, and duplicates copy earlier rows (late ones too).
  assert.ok(Math.abs(late / wellFormed - 0.1) < 0.03, `late share ${late / wellFormed}`);
  // The manifest agrees with what is in the files.
  assert.equal(sim.stats.malformed, malformed);
  assert.equal(sim.stats.rows, wellFormed);
});

test("JSON lines: every line parses except the ones the manifest says are malformed", (t) => {
  const dir = tmpDir(t);
  const sim = new FileSimulator({ dir, format: "json", kind: "weather", seed: 9, rowsPerFile: 100, totalFiles: 3, malformedRatio: 0.1, startTime: START });
  sim.writeFiles(3);
  for (const m of sim.manifests) {
    const lines = fs.readFileSync(m.path, "utf8").trimEnd().split("\n");
    const bad = lines.flatMap((l, i) => {
      try {
        const o = JSON.parse(l);
        assert.deepEqual(Object.keys(o), ["station_id", "temperature_c", "humidity", "wind_kph", "event_time"]);
        return [];
      } catch {
        return [i + 1];
      }
    });
    assert.deepEqual(bad, m.malformedLines);
  }
});

test("schema drift adds a column after N files", (t) => {
  const dir = tmpDir(t);
  const sim = new FileSimulator({ dir, seed: 1, rowsPerFile: 5, totalFiles: 4, startTime: START, schemaDrift: { afterFiles: 2 } });
  const files = sim.writeFiles(4);
  const headers = files.map((m) => fs.readFileSync(m.path, "utf8").split("\n")[0]);
  assert.equal(headers[0], "event_id,user_id,event_type,product_id,price,event_timestamp");
  assert.equal(headers[1], headers[0]);
  assert.equal(headers[2], `${headers[0]},coupon_code`);
  assert.equal(headers[3], headers[2]);
});

test("users carry a time-zone-aware signup_ts", (t) => {
  const dir = tmpDir(t);
  const sim = new FileSimulator({ dir, kind: "users", seed: 2, rowsPerFile: 10, totalFiles: 1, startTime: "2026-07-01T12:00:00Z", timeZone: "Europe/Paris" });
  const [m] = sim.writeFiles(1);
  const lines = fs.readFileSync(m!.path, "utf8").trimEnd().split("\n");
  assert.equal(lines[0], "name,address,email,signup_ts");
  for (const line of lines.slice(1)) {
    const f = splitCsvLine(line);
    assert.equal(f.length, 4, line);
    assert.match(f[3]!, /^2026-07-01T1\d:\d\d:\d\d\.\d{3}\+02:00$/, "summer time in Paris is UTC+2");
    assert.match(f[2]!, /@/);
  }
});

test("bad options raise StreamlabError with a clear code", async (t) => {
  const dir = tmpDir(t);
  await expectCode(() => new FileSimulator({ dir, filesPerSecond: -1 }), "INVALID_OPTION");
  await expectCode(() => new FileSimulator({ dir, rowsPerFile: 0 }), "INVALID_OPTION");
  await expectCode(() => new FileSimulator({ dir, format: "xml" as never }), "INVALID_OPTION");
  await expectCode(() => new FileSimulator({ dir, kind: "stocks" as never }), "INVALID_OPTION");
  await expectCode(() => new FileSimulator({ dir, malformedRatio: 1.5 }), "INVALID_OPTION");
  await expectCode(() => new FileSimulator({ dir, timeZone: "Mars/Olympus" }), "INVALID_OPTION");
  await expectCode(() => new FileSimulator({ dir, duration: "soon" }), "INVALID_OPTION");
  const file = path.join(dir, "a-file");
  fs.writeFileSync(file, "x");
  const err = await expectCode(() => new FileSimulator({ dir: path.join(file, "landing") }), "PATH_NOT_WRITABLE");
  assert.match(err.message, /a-file/);
});

test("a running simulator honours its duration and stops", async (t) => {
  const dir = tmpDir(t);
  const sim = simulate({ dir, filesPerSecond: 20, rowsPerFile: 5, duration: "300ms" });
  const stats = await sim.done;
  assert.ok(stats.files >= 3 && stats.files <= 10, `wrote ${stats.files} files`);
  assert.equal(fs.readdirSync(dir).length, stats.files);
});

test("files appear atomically: a reader polling from another process never sees a partial file", async (t) => {
  const dir = tmpDir(t);
  const rowsPerFile = 3000;
  const totalFiles = 25;
  const lib = path.resolve(__dirname, "../../lib/sim/index.js");
  const child = spawn(process.execPath, [
    "-e",
    `require(${JSON.stringify(lib)}).simulate({ dir: ${JSON.stringify(dir)}, filesPerSecond: 100, rowsPerFile: ${rowsPerFile}, totalFiles: ${totalFiles}, seed: 4 })`,
  ]);
  const seen = new Set<string>();
  let exited = false;
  child.on("exit", () => (exited = true));
  while (!exited || seen.size < totalFiles) {
    for (const name of fs.readdirSync(dir)) {
      if (name.startsWith(".") || seen.has(name)) continue;
      const text = fs.readFileSync(path.join(dir, name), "utf8");
      assert.ok(text.endsWith("\n"), `${name} was read before it was complete`);
      assert.equal(text.split("\n").length - 1, rowsPerFile + 1, `${name} has every row`);
      seen.add(name);
    }
    if (exited && seen.size < totalFiles) {
      const left = fs.readdirSync(dir).filter((n) => !n.startsWith(".") && !seen.has(n));
      if (left.length === 0) break;
    }
    await new Promise((r) => setImmediate(r));
  }
  assert.equal(seen.size, totalFiles);
  assert.deepEqual(fs.readdirSync(dir).filter((n) => n.startsWith(".")), [], "no temporary file is left behind");
});

test("each feed's declared schema matches its generator's columns, and the simulator's files read into it without a bad record", async (t) => {
  const duck = await Duck.open();
  t.after(() => duck.close());
  for (const kind of FEED_KINDS) {
    const fields = parseDdl(FEED_SCHEMAS[kind]).fields;
    assert.deepEqual(fields.map((f) => f.name), [...rowGenerator(kind, 1).columns], `${kind}: schema columns`);
    const dir = tmpDir(t);
    await (await simulate({ kind, dir, totalFiles: 2, rowsPerFile: 20, seed: 7, startTime: "2025-01-01T00:00:00Z", filesPerSecond: 1000 })).done;
    const columns = `{${fields.map((f) => `${sqlString(f.name)}: ${sqlString(duckType(f.type))}`).join(", ")}}`;
    const n = await duck.value(`SELECT count(*) FROM read_csv(${sqlString(path.join(dir, "*.csv"))}, header = true, columns = ${columns}, auto_detect = false)`);
    assert.equal(Number(n), 40, `${kind}: every row parses into the declared types`);
  }
});
