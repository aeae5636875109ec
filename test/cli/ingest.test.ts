import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { Duck, sqlString } from "../../lib/duck";
import { DeltaTable } from "../../lib/delta/table";
import { FileSimulator } from "../../lib/sim/index";
import { tmpDir } from "../helpers/tmp";
import { query, realPgAvailable, realPgSchema } from "../helpers/postgres";
import { startEmbeddedPostgres } from "../../lib/sinks/postgres";

const cli = path.resolve(__dirname, "../../lib/cli/index.js");

/** `streamlab <args>` in `root` (its STREAMLAB_ROOT); DATABASE_URL only when given. */
function streamlab(root: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, STREAMLAB_ROOT: root };
  delete childEnv.DATABASE_URL;
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: root, env: { ...childEnv, ...env }, encoding: "utf8" });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test("ingest past 100 batches: the summary counts the whole run and equals the table", { timeout: 180_000 }, async (t) => {
  const root = tmpDir(t);
  const landing = path.join(root, "in");
  fs.mkdirSync(landing);
  let rows = 0;
  for (let i = 0; i < 105; i++) {
    const n = 1 + (i % 4);
    fs.writeFileSync(path.join(landing, `f${String(i).padStart(3, "0")}.csv`), "id,name\n" + Array.from({ length: n }, (_, j) => `${i * 10 + j},n${i}`).join("\n") + "\n");
    rows += n;
  }
  const r = streamlab(root, ["ingest", "in", "tbl", "--format", "csv", "--schema", "id INT, name STRING", "--trigger", "availableNow", "--max-files-per-trigger", "1"]);
  assert.equal(r.code, 0, r.err);
  const table = DeltaTable.forPath(path.join(root, "tbl"));
  assert.equal(await table.count(), rows);
  assert.match(r.out, new RegExp(`stopped: 105 batches, ${rows} rows read, ${rows} rows written this run \\(batch p50 / p95 \\d+ ms / \\d+ ms\\); .*tbl now holds ${rows} rows \\(version 104\\)`));
});

/** Two CSV files, then one with a new column: Auto Loader (addNewColumns) stops on it, as Spark does. */
function evolvingLanding(root: string): string {
  const landing = path.join(root, "in");
  fs.mkdirSync(landing);
  fs.writeFileSync(path.join(landing, "a.csv"), "id,name\n1,x\n2,y\n");
  return landing;
}

test("ingest --merge-schema is on when the evolution mode adds columns: the restart after SCHEMA_CHANGED continues", async (t) => {
  const root = tmpDir(t);
  const landing = evolvingLanding(root);
  const args = ["ingest", "in", "tbl", "--format", "csv", "--trigger", "availableNow"];
  assert.equal(streamlab(root, args).code, 0);
  fs.writeFileSync(path.join(landing, "b.csv"), "id,name,city\n3,z,Lyon\n");
  const stopped = streamlab(root, args);
  assert.equal(stopped.code, 1);
  assert.match(stopped.err, /error \[SCHEMA_CHANGED\]: New column city/);
  const restarted = streamlab(root, args);
  assert.equal(restarted.code, 0, restarted.err);
  assert.match(restarted.out, /schemaEvolutionMode addNewColumns, mergeSchema true/);
  const rowsNow = await DeltaTable.forPath(path.join(root, "tbl")).toRows();
  assert.deepEqual(rowsNow.map((r) => [r.id, r.city]).sort(), [["1", null], ["2", null], ["3", "Lyon"]]);
});

test("ingest --no-merge-schema keeps the table's schema: the restart fails with DELTA_SCHEMA_MISMATCH", async (t) => {
  const root = tmpDir(t);
  const landing = evolvingLanding(root);
  const args = ["ingest", "in", "tbl", "--format", "csv", "--trigger", "availableNow", "--no-merge-schema"];
  assert.equal(streamlab(root, args).code, 0);
  fs.writeFileSync(path.join(landing, "b.csv"), "id,name,city\n3,z,Lyon\n");
  assert.match(streamlab(root, args).err, /SCHEMA_CHANGED/);
  const r = streamlab(root, args);
  assert.equal(r.code, 1);
  assert.match(r.err, /error \[DELTA_SCHEMA_MISMATCH\]/);
  // With a given schema, the mode is none: new columns are not added, so mergeSchema stays off by default.
  const fixed = streamlab(root, ["ingest", "in", "tbl2", "--format", "csv", "--schema", "id INT, name STRING", "--trigger", "availableNow"]);
  assert.equal(fixed.code, 0, fixed.err);
  assert.match(fixed.out, /schemaEvolutionMode none, mergeSchema false/);
});

/** The well-formed lines' distinct event ids in a folder of simulator CSV files. */
async function distinctEvents(dir: string): Promise<number> {
  const duck = await Duck.open();
  const cols = "{'event_id': 'VARCHAR', 'user_id': 'VARCHAR', 'event_type': 'VARCHAR', 'product_id': 'VARCHAR', 'price': 'DECIMAL(10,2)', 'event_timestamp': 'TIMESTAMP'}";
  const n = Number(await duck.value(`SELECT count(DISTINCT event_id) FROM read_csv(${sqlString(path.join(dir, "*.csv"))}, header = true, columns = ${cols}, auto_detect = false, ignore_errors = true)`));
  duck.close();
  return n;
}

async function ingestIntoUserEvents(root: string, env: NodeJS.ProcessEnv, count: (sql: string) => Promise<number>): Promise<number> {
  const landing = path.join(root, "events");
  const sim = new FileSimulator({ dir: landing, rowsPerFile: 40, seed: 11, malformedRatio: 0.05, duplicateRatio: 0.2 });
  sim.writeFiles(6);
  const args = ["ingest", "events", "--sink", "postgres", "--format", "csv", "--trigger", "availableNow", "--max-files-per-trigger", "2"];
  const first = streamlab(root, args, env);
  assert.equal(first.code, 0, first.err);
  const expected = await distinctEvents(landing);
  assert.equal(await count("SELECT count(*) AS n FROM user_events"), expected, "every distinct well-formed event once");
  assert.match(first.out, new RegExp(`stopped: 3 batches, \\d+ rows read, ${expected} inserted, \\d+ duplicates skipped this run .*user_events now holds ${expected} rows`));
  // More files (the simulator repeats earlier event ids as duplicates): only new events arrive.
  sim.writeFiles(3);
  const second = streamlab(root, args, env);
  assert.equal(second.code, 0, second.err);
  const all = await distinctEvents(landing);
  assert.ok(all > expected);
  assert.equal(await count("SELECT count(*) AS n FROM user_events"), all);
  assert.equal(await count("SELECT count(DISTINCT event_id) AS n FROM user_events"), all);
  // One ledger row per batch, as the main job's sink keeps it.
  assert.equal(await count("SELECT count(*) AS n FROM streamlab_batches"), 5);
  // A third run finds nothing new and changes nothing.
  assert.match(streamlab(root, args, env).out, /stopped: 0 batches/);
  assert.equal(await count("SELECT count(*) AS n FROM user_events"), all);
  return all;
}

test("ingest --sink postgres: a folder of CSV files into a PostgreSQL server's user_events, exactly once", async (t) => {
  if (!(await realPgAvailable())) return t.skip("no PostgreSQL at 127.0.0.1:5432");
  const schema = await realPgSchema();
  t.after(() => schema.drop());
  await ingestIntoUserEvents(tmpDir(t), { DATABASE_URL: schema.url }, async (sql) => Number((await query<{ n: string }>(schema.url, sql))[0]!.n));
});

test("ingest --sink postgres without DATABASE_URL: the embedded PGlite, which streamlab sql answers from afterwards", async (t) => {
  const root = tmpDir(t);
  const count = async (sql: string) => {
    const pg = await startEmbeddedPostgres({ dataDir: path.join(root, "data", "pglite"), port: 0 });
    try {
      return Number((await query<{ n: string }>(pg.connectionString, sql))[0]!.n);
    } finally {
      await pg.stop();
    }
  };
  const all = await ingestIntoUserEvents(root, {}, count);
  const r = streamlab(root, ["sql", "SELECT count(*) AS n, count(DISTINCT event_type) AS types FROM user_events"]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, new RegExp(`^\\| n +\\| types \\|$[\\s\\S]*^\\| ${all} +\\| 3 +\\|$`, "m"));
  assert.match(r.out, /\(1 row\)/);
});
