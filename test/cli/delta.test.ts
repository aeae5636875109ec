/** `streamlab delta …` run as a real child process on a temporary table: output and exit codes. */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { writeDelta } from "../../lib/delta/write";
import { tmpDir } from "../helpers/tmp";

const cliPath = path.resolve(__dirname, "../../lib/cli/index.js");

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [cliPath, "delta", ...args], { encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function ok(...args: string[]): string {
  const r = cli(...args);
  assert.equal(r.status, 0, `streamlab delta ${args.join(" ")} failed: ${r.stderr}`);
  return r.stdout;
}

function csv(dir: string, name: string, rows: [number, string, number][]): string {
  const f = path.join(dir, name);
  fs.writeFileSync(f, ["id,name,price", ...rows.map((r) => r.join(","))].join("\n") + "\n");
  return f;
}

test("append, describe, history, scan, optimize, restore and vacuum on one table", (t) => {
  const dir = tmpDir(t);
  const table = path.join(dir, "table");
  const a = csv(dir, "a.csv", [[1, "a", 1.5], [2, "b", 2.5], [3, "c", 3.5]]);
  const b = csv(dir, "b.csv", [[4, "d", 4.5], [5, "e", 5.5]]);

  assert.match(ok("append", table, a), /^version 0: 3 rows in 1 files/);
  assert.match(ok("append", table, b), /^version 1: 2 rows in 1 files/);

  const described = ok("describe", table);
  assert.match(described, new RegExp(`Delta table ${table.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} at version 1`));
  assert.match(described, /schema/);
  assert.match(described, /\bid\b.*\bname\b.*\bprice\b/s);
  assert.match(described, /active files: 2,/);
  assert.match(ok("describe", table, "--version", "0"), /at version 0[\s\S]*active files: 1,/);

  const history = ok("history", table);
  assert.match(history, /history of/);
  assert.equal((history.match(/WRITE/g) ?? []).length, 2, history);

  assert.match(ok("scan", table), /^version 1: 5 rows from 2 of 2 files/);
  const filtered = ok("scan", table, "--filter", "price > 3", "--columns", "id,price");
  assert.match(filtered, /^version 1: 3 rows/);
  assert.doesNotMatch(filtered, /\bname\b/, "only the chosen columns");
  assert.match(ok("scan", table, "--version", "0"), /^version 0: 3 rows/);

  assert.match(ok("optimize", table), /^version 2: 2 files compacted into 1 in 1 partitions/);
  assert.match(ok("optimize", table), /^nothing to compact/);
  assert.match(ok("scan", table), /^version 2: 5 rows from 1 of 1 files/);

  assert.match(ok("restore", table, "--version", "0"), /^version 3: restored version 0/);
  assert.match(ok("scan", table), /^version 3: 3 rows/);

  assert.match(ok("vacuum", table, "--dry-run"), /would delete 0 files \(0 bytes\), retention 168 hours/);
  const tooShort = cli("vacuum", table, "--retain-hours", "0");
  assert.equal(tooShort.status, 1);
  assert.match(tooShort.stderr, /error \[DELTA_RETENTION_TOO_SHORT\]/);
  const vacuumed = ok("vacuum", table, "--retain-hours", "0", "--force");
  assert.match(vacuumed, /deleted [1-9]\d* files/);
  assert.match(ok("scan", table), /^version 3: 3 rows/, "the current version is intact after the vacuum");
});

test("changes prints the Change Data Feed of a table that records it", async (t) => {
  const dir = tmpDir(t);
  const table = path.join(dir, "cdf");
  await writeDelta(table, "SELECT 1::BIGINT AS id, 'a' AS name, 1::BIGINT AS price", { properties: { "delta.enableChangeDataFeed": "true" } });
  ok("append", table, csv(dir, "more.csv", [[2, "b", 1]]));
  const out = ok("changes", table, "--from", "1");
  assert.match(out, /_change_type/);
  assert.match(out, /insert/);
  assert.match(out, /\bb\b/);
  assert.doesNotMatch(out, /\ba\b/, "version 0's row is before --from");
});

test("errors: a missing table, a table without change data, bad options — each with its code and exit status", (t) => {
  const dir = tmpDir(t);
  const missing = cli("describe", path.join(dir, "nope"));
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /^error \[DELTA_TABLE_NOT_FOUND\]/);

  const table = path.join(dir, "t");
  ok("append", table, csv(dir, "a.csv", [[1, "a", 1]]));
  const noCdf = cli("changes", table, "--from", "0");
  assert.equal(noCdf.status, 1);
  assert.match(noCdf.stderr, /^error \[\w+\]: .*delta\.enableChangeDataFeed/s);

  const badVersion = cli("scan", table, "--version", "latest");
  assert.equal(badVersion.status, 2, "an invalid option exits 2");
  assert.match(badVersion.stderr, /^error \[INVALID_OPTION\]: --version must be a non-negative integer/);
  const noTarget = cli("restore", table);
  assert.equal(noTarget.status, 2);
  assert.match(noTarget.stderr, /restore needs --version N or --timestamp T/);
  assert.equal(cli("describe").status, 1, "a missing argument is a usage error");
});
