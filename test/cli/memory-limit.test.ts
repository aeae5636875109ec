import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { Duck, sqlString } from "../../lib/duck";
import { DeltaTable } from "../../lib/delta/table";
import { expectCode, tmpDir } from "../helpers/tmp";

const cliPath = path.resolve(__dirname, "../../lib/cli/index.js");

test("memoryLimit: DuckDB keeps to it and spills past it (a GROUP BY over 3M distinct keys in 64 MB); a bad size is refused by name", async (t) => {
  const duck = await Duck.open({ memoryLimit: "64MB" });
  t.after(() => duck.close());
  assert.equal(await duck.value("SELECT current_setting('memory_limit')"), "61.0 MiB");
  const n = await duck.value("SELECT count(*) FROM (SELECT md5(range::VARCHAR) AS k, count(*) AS c FROM range(3000000) GROUP BY k ORDER BY k)");
  assert.equal(Number(n), 3_000_000);
  await expectCode(() => Duck.open({ memoryLimit: "lots" }), "INVALID_OPTION");
});

test("streamlab ingest --memory-limit: a backlog larger than the limit is ingested exactly, in one batch; a bad size exits 2 naming the flag", async (t) => {
  const dir = tmpDir(t);
  const landing = path.join(dir, "in");
  fs.mkdirSync(landing);
  const duck = await Duck.open();
  t.after(() => duck.close());
  // About 200 MB of CSV in 6 files, read with a 128 MB limit.
  for (let i = 0; i < 6; i++) {
    await duck.run(`COPY (SELECT ${i * 400_000} + range AS id, repeat(md5(range::VARCHAR), 2) AS s, range % 1000 AS n FROM range(400000)) TO ${sqlString(path.join(landing, `f${i}.csv`))} (FORMAT csv, HEADER true)`);
  }
  const args = [cliPath, "ingest", landing, path.join(dir, "t"), "--format", "csv", "--schema", "id BIGINT, s STRING, n INT", "--checkpoint", path.join(dir, "ck"), "--trigger", "availableNow"];
  const bad = spawnSync(process.execPath, [...args, "--memory-limit", "lots"], { encoding: "utf8" });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /INVALID_OPTION.*--memory-limit/);
  const ok = spawnSync(process.execPath, [...args, "--memory-limit", "128MB"], { encoding: "utf8" });
  assert.equal(ok.status, 0, ok.stderr);
  const t1 = DeltaTable.forPath(path.join(dir, "t"), duck);
  assert.equal(await (await t1.scan()).count(), 2_400_000);
  assert.equal(Number(await duck.value(`SELECT count(DISTINCT id) FROM (${(await t1.scan()).sql})`)), 2_400_000);
});
