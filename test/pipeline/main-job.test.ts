import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { describeCheckpoint } from "../../lib/api/inspect";
import { tmpDir } from "../helpers/tmp";
import { runJob, startJob, verify } from "./job";

const cli = path.resolve(__dirname, "../../lib/cli/index.js");

function withoutDatabaseUrl(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.DATABASE_URL;
  return env;
}

test("npm start on a fresh folder: bronze, quarantine and PostgreSQL agree with the files; a second run continues without duplicates", { timeout: 180_000 }, async (t) => {
  const root = tmpDir(t);
  const first = await runJob(root, "6s");
  assert.equal(first.code, 0, first.out);
  assert.match(first.out, /psql postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres/);
  assert.match(first.out, /\[events_bronze\] batch 0: \d+ rows/);
  assert.match(first.out, /Summary[\s\S]*latency p50 \/ p95/);
  const a = await verify(root);
  assert.ok(a.lines > 100, `the simulator wrote ${a.lines} lines`);
  const second = await runJob(root, "3s");
  assert.equal(second.code, 0, second.out);
  const b = await verify(root);
  assert.ok(b.lines > a.lines, "the second run added events");
});

/** The number after `label` in the summary, and the one in its "(… now holds N …)" part. */
function figure(out: string, label: string): { run: number; table: number | undefined } {
  const m = new RegExp(`^  ${label} +(\\d+)(?:.*?now holds (\\d+))?`, "m").exec(out);
  assert.ok(m, `the summary has a "${label}" line:\n${out.slice(-1500)}`);
  return { run: Number(m[1]), table: m[2] === undefined ? undefined : Number(m[2]) };
}

test("past 100 batches the summary still counts the whole run, and agrees with the tables and with streamlab sql", { timeout: 240_000 }, async (t) => {
  const root = tmpDir(t);
  // One file per bronze batch: ~150 batches, well past recentProgress's 100.
  const job = await startJob(root, ["--duration", "6s", "--rate", "25", "--rows-per-file", "4", "--max-files-per-trigger", "1"]).exited;
  assert.equal(job.code, 0, job.out);
  const committed = describeCheckpoint(path.join(root, "data", "checkpoints", "events_bronze")).filter((b) => b.committed).length;
  const files = fs.readdirSync(path.join(root, "data", "raw", "events")).filter((f) => f.endsWith(".csv")).length;
  assert.ok(committed > 100, `${committed} bronze batches`);
  const batches = /^ {2}batches +(\d+) events_bronze/m.exec(job.out);
  assert.equal(Number(batches?.[1]), committed, "every batch of the run is counted");
  const tables = await verify(root);
  const ingested = figure(job.out, "ingested into bronze");
  assert.deepEqual(ingested, { run: tables.lines, table: tables.lines });
  const quarantined = figure(job.out, "quarantined");
  assert.ok(tables.bad > 0, "the simulator wrote malformed lines");
  assert.deepEqual(quarantined, { run: tables.bad, table: tables.bad });
  const inserted = figure(job.out, "inserted in PostgreSQL");
  assert.deepEqual(inserted, { run: tables.distinct, table: tables.distinct });
  assert.match(job.out, new RegExp(`latency p50 / p95 +\\d+ ms / \\d+ ms over ${files} files`), "the percentiles cover every file of the run");
  // The seed's check, after the job: the same number from the database the job leaves behind.
  const sql = spawnSync(process.execPath, [cli, "sql", "SELECT count(*) AS n FROM user_events"], { env: { ...withoutDatabaseUrl(), STREAMLAB_ROOT: root }, encoding: "utf8" });
  assert.equal(sql.status, 0, sql.stderr);
  assert.match(sql.stdout, new RegExp(`^\\| ${tables.distinct} +\\|$`, "m"));
});
