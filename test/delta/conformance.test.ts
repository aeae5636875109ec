import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { Duck, sqlString } from "../../lib/duck";
import { runConformance } from "../../lib/delta/conformance";
import { tmpDir } from "../helpers/tmp";
import { PROTOCOL_V1, TableBuilder, metadata } from "../helpers/delta-builder";

async function makeCase(dir: string, duck: Duck, expectedSql: string | null, note?: string): Promise<void> {
  const b = new TableBuilder(path.join(dir, "delta"), duck);
  b.commit(0, [PROTOCOL_V1, metadata([{ name: "id", type: "long" }, { name: "ts", type: "timestamp" }]), {
    add: await b.add("a.parquet", "SELECT range::BIGINT AS id, TIMESTAMPTZ '2026-01-01 00:00:00+00' + to_seconds(range) AS ts FROM range(3)"),
  }]);
  if (note) fs.writeFileSync(path.join(dir, "EXPECT_ERROR"), note);
  if (expectedSql) {
    fs.mkdirSync(path.join(dir, "expected"));
    await duck.run(`COPY (${expectedSql}) TO ${sqlString(path.join(dir, "expected", "part-0.parquet"))} (FORMAT parquet)`);
  }
}

test("the harness passes equal multisets (timestamps as instants), fails differences and unexpected success", async (t) => {
  const duck = await Duck.open();
  const dir = tmpDir(t);
  // Same rows, other column order, timestamps stored without a zone but the same instants.
  await makeCase(path.join(dir, "a-same"), duck, "SELECT TIMESTAMP '2026-01-01 00:00:00' + to_seconds(range) AS ts, range::INTEGER AS id FROM range(2, -1, -1)");
  await makeCase(path.join(dir, "b-missing-row"), duck, "SELECT range::BIGINT AS id, TIMESTAMPTZ '2026-01-01 00:00:00+00' + to_seconds(range) AS ts FROM range(4)");
  await makeCase(path.join(dir, "c-extra-column"), duck, "SELECT range::BIGINT AS id, TIMESTAMPTZ '2026-01-01 00:00:00+00' AS ts, 1 AS z FROM range(3)");
  await makeCase(path.join(dir, "d-no-error"), duck, null, "table not found");
  fs.mkdirSync(path.join(dir, "e-no-log", "delta"), { recursive: true });
  fs.writeFileSync(path.join(dir, "e-no-log", "EXPECT_ERROR"), "table not found (there is no _delta_log directory)");
  const lines: string[] = [];
  const r = await runConformance(dir, (l) => lines.push(l));
  assert.deepEqual(r.results.map((x) => `${x.name}:${x.status}`), ["a-same:PASS", "b-missing-row:FAIL", "c-extra-column:FAIL", "d-no-error:FAIL", "e-no-log:PASS"]);
  assert.match(lines[1]!, /^FAIL +b-missing-row: 3 rows read, 4 expected; first difference: expected row missing/);
  assert.match(lines[2]!, /missing \["z"\]/);
  assert.equal(lines.at(-1), "2 passed, 3 failed");
  duck.close();
});

test("`streamlab delta conformance DIR` exits 1 when a case fails", (t) => {
  const dir = tmpDir(t);
  fs.mkdirSync(path.join(dir, "only", "delta"), { recursive: true });
  fs.mkdirSync(path.join(dir, "only", "expected"));
  const cli = path.resolve(__dirname, "../../lib/cli/index.js");
  const r = spawnSync(process.execPath, [cli, "delta", "conformance", dir], { encoding: "utf8" });
  assert.equal(r.status, 1);
  assert.match(r.stdout, /FAIL +only: reading failed: \[DELTA_TABLE_NOT_FOUND\]/);
  assert.match(r.stdout, /0 passed, 1 failed\n$/);
});
