import { test } from "node:test";
import assert from "node:assert/strict";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { MANIFEST, goldenTablesDir, manifestCases, runConformance } from "../../lib/delta/conformance";
import { tmpDir } from "../helpers/tmp";

const golden = goldenTablesDir();
const manifest = fs.readFileSync(path.join(golden, MANIFEST), "utf8");

test("the project's golden tables are all there, unchanged: 50 cases, every file of the manifest", () => {
  assert.equal(golden, path.resolve(__dirname, "../../../test/fixtures/delta-golden"), "inside the clone, not ../shared");
  const cases = manifestCases(manifest);
  assert.equal(cases.length, 50);
  const folders = fs.readdirSync(golden, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  assert.deepEqual(folders, cases, "the folder holds exactly the cases of the manifest");
  const lines = manifest.split("\n").filter(Boolean);
  assert.ok(lines.length >= 800);
  const kinds = { crc: 0, log: 0, parquet: 0 };
  for (const line of lines) {
    const hash = line.slice(0, 64);
    const rel = line.slice(66);
    const file = path.join(golden, rel);
    assert.ok(fs.existsSync(file), `${rel} is missing (is it ignored by git?)`);
    assert.equal(crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex"), hash, `${rel} was changed`);
    if (rel.endsWith(".crc")) kinds.crc++;
    if (rel.includes("/_delta_log/")) kinds.log++;
    if (rel.endsWith(".parquet")) kinds.parquet++;
  }
  assert.ok(kinds.crc > 0 && kinds.log > 0 && kinds.parquet > 0, JSON.stringify(kinds));
  for (const c of cases) {
    const has = (p: string) => fs.existsSync(path.join(golden, c, p));
    assert.ok(has("delta") && (has("expected") || has("EXPECT_ERROR")), `case ${c} has delta/ and expected/ or EXPECT_ERROR`);
  }
});

test("every golden case passes", { timeout: 120_000 }, async () => {
  const r = await runConformance(golden, () => {});
  const notPassed = r.results.filter((x) => x.status !== "PASS").map((x) => `${x.name}: ${x.status} ${x.detail}`);
  assert.deepEqual(notPassed, []);
  assert.equal(r.passed, 50);
});

test("a case the manifest lists but the folder lacks fails the run; the CLI defaults to the project's copy", async (t) => {
  const dir = tmpDir(t);
  fs.cpSync(path.join(golden, "versions-not-contiguous"), path.join(dir, "versions-not-contiguous"), { recursive: true });
  fs.writeFileSync(path.join(dir, MANIFEST), manifest.split("\n").filter((l) => /\.\/(versions-not-contiguous|basic-decimal-table)\//.test(l)).join("\n") + "\n");
  const r = await runConformance(dir, () => {});
  assert.deepEqual(r.results.map((x) => `${x.name}:${x.status}`), ["basic-decimal-table:FAIL", "versions-not-contiguous:PASS"]);
  assert.match(r.results[0]!.detail, /missing/);

  const cli = path.resolve(__dirname, "../../lib/cli/index.js");
  const out = spawnSync(process.execPath, [cli, "delta", "conformance"], { cwd: dir, encoding: "utf8" });
  assert.equal(out.status, 0, out.stderr);
  assert.match(out.stdout, /50 passed, 0 failed\n$/);
});
