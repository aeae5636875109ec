import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { spawn } from "node:child_process";
import { Duck, sqlString } from "../../lib/duck";
import { DeltaTable } from "../../lib/delta/table";
import { startEmbeddedPostgres } from "../../lib/sinks/postgres";
import { tmpDir } from "../helpers/tmp";
import { query } from "../helpers/postgres";

const cli = path.resolve(__dirname, "../../lib/cli/index.js");

function runJob(root: string, duration: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const env: NodeJS.ProcessEnv = { ...process.env, STREAMLAB_ROOT: root };
    delete env.DATABASE_URL;
    const child = spawn(process.execPath, [cli, "run", "--duration", duration, "--rate", "4"], { env });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("exit", (code) => resolve({ code, out }));
  });
}

/** Checks the main job's promise: bronze = every well-formed line once, PostgreSQL = every distinct event once, quarantine = every malformed line. */
async function verify(root: string): Promise<{ lines: number; distinct: number; bad: number }> {
  const duck = await Duck.open();
  const raw = path.join(root, "data", "raw", "events", "*.csv");
  const cols = "{'event_id': 'VARCHAR', 'user_id': 'VARCHAR', 'event_type': 'VARCHAR', 'product_id': 'VARCHAR', 'price': 'VARCHAR', 'event_timestamp': 'VARCHAR'}";
  await duck.run(`CREATE TABLE lines AS SELECT * FROM read_csv(${sqlString(raw)}, header = true, columns = ${cols}, auto_detect = false, store_rejects = true, rejects_table = 'rej', filename = true)`);
  const good = Number(await duck.value("SELECT count(*) FROM lines"));
  const bad = Number(await duck.value("SELECT count(DISTINCT (file_id, line)) FROM rej"));
  const scan = await DeltaTable.forPath(path.join(root, "data", "delta", "events_bronze"), duck).scan();
  await scan.createView("bronze");
  // Bronze keeps the feed as it came: the same multiset of event ids as the well-formed lines.
  const diff = Number(await duck.value("SELECT count(*) FROM ((SELECT event_id FROM lines EXCEPT ALL SELECT event_id FROM bronze) UNION ALL (SELECT event_id FROM bronze EXCEPT ALL SELECT event_id FROM lines))"));
  assert.equal(diff, 0, "bronze holds every well-formed line exactly once");
  assert.equal(Number(await duck.value("SELECT count(*) FROM bronze")), good);
  const distinct = Number(await duck.value("SELECT count(DISTINCT event_id) FROM bronze"));
  const qdir = path.join(root, "data", "error", "events_bronze");
  const quarantined = fs.existsSync(qdir) ? fs.readdirSync(qdir).filter((f) => f.endsWith(".json")).flatMap((f) => fs.readFileSync(path.join(qdir, f), "utf8").trim().split("\n").filter(Boolean)) : [];
  assert.equal(quarantined.length, bad, "every malformed line is in quarantine, once");
  duck.close();
  // PostgreSQL (the embedded PGlite the job used): every distinct event once.
  const pg = await startEmbeddedPostgres({ dataDir: path.join(root, "data", "pglite"), port: 0 });
  try {
    const [r] = await query<{ n: string; d: string }>(pg.connectionString, "SELECT count(*) AS n, count(DISTINCT event_id) AS d FROM user_events");
    assert.equal(Number(r!.n), distinct, "user_events has every distinct event_id");
    assert.equal(Number(r!.d), distinct, "and each exactly once");
  } finally {
    await pg.stop();
  }
  return { lines: good, distinct, bad };
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
