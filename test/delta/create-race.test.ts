import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { spawn } from "node:child_process";
import { Duck } from "../../lib/duck";
import { DeltaTable } from "../../lib/delta/table";
import { tmpDir } from "../helpers/tmp";

const writeModule = path.resolve(__dirname, "../../lib/delta/write.js");
const duckModule = path.resolve(__dirname, "../../lib/duck.js");

/**
 * A child process that loads Streamlab and DuckDB, says it is ready, waits for `go` (so both
 * children create the table within a millisecond or two), writes `select`, and prints OK or the
 * error code.
 */
function creator(dir: string, name: string, table: string, select: string): Promise<string> {
  const script = `
    const fs = require("node:fs");
    const path = require("node:path");
    const { writeDelta } = require(${JSON.stringify(writeModule)});
    const { duck } = require(${JSON.stringify(duckModule)});
    (async () => {
      await duck();
      fs.writeFileSync(path.join(${JSON.stringify(dir)}, "ready-${name}"), "");
      while (!fs.existsSync(path.join(${JSON.stringify(dir)}, "go"))) await new Promise((r) => setTimeout(r, 1));
      try {
        await writeDelta(${JSON.stringify(table)}, ${JSON.stringify(select)});
        console.log("OK");
      } catch (e) {
        console.log(e.code ?? "NO_CODE: " + e.message);
      }
    })();`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.on("error", reject);
    child.on("exit", () => resolve(out.trim()));
  });
}

async function race(dir: string, table: string, a: string, b: string): Promise<string[]> {
  const runs = [creator(dir, "a", table, a), creator(dir, "b", table, b)];
  while (!(fs.existsSync(path.join(dir, "ready-a")) && fs.existsSync(path.join(dir, "ready-b")))) await new Promise((r) => setTimeout(r, 10));
  fs.writeFileSync(path.join(dir, "go"), "");
  const out = await Promise.all(runs);
  for (const f of ["ready-a", "ready-b", "go"]) fs.rmSync(path.join(dir, f));
  return out;
}

test("two processes creating the same new table at once: one creates version 0, the other appends as version 1", { timeout: 120_000 }, async (t) => {
  const dir = tmpDir(t);
  const table = path.join(dir, "events");
  const rows = (from: number) => `SELECT (range + ${from})::BIGINT AS id, 'x' || range AS label FROM range(300000)`;
  const out = await race(dir, table, rows(0), rows(1_000_000));
  assert.deepEqual(out, ["OK", "OK"]);
  const duck = await Duck.open();
  const t1 = DeltaTable.forPath(table, duck);
  assert.deepEqual(t1.history().map((h) => h.version), [1, 0]);
  assert.equal(await (await t1.scan()).count(), 600_000);
  assert.deepEqual(fs.readdirSync(table).filter((n) => n.startsWith("_streamlab_staging_")), [], "no staging folder left behind");
  duck.close();
});

test("creating the same table at once with incompatible schemas: the loser gets the normal schema error, never 'not a Delta table'", { timeout: 120_000 }, async (t) => {
  const dir = tmpDir(t);
  const table = path.join(dir, "events");
  const out = await race(dir, table, "SELECT range::BIGINT AS id FROM range(300000)", "SELECT 'x' || range AS id FROM range(300000)");
  assert.deepEqual([...out].sort(), ["DELTA_SCHEMA_MISMATCH", "OK"]);
  const duck = await Duck.open();
  assert.equal((await DeltaTable.forPath(table, duck).snapshot()).version, 0);
  assert.equal(await (await DeltaTable.forPath(table, duck).scan()).count(), 300_000);
  duck.close();
});
