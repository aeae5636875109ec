import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { spawn, spawnSync } from "node:child_process";
import { tmpDir } from "../helpers/tmp";
import { query, realPgAvailable, realPgSchema } from "../helpers/postgres";

const cli = path.resolve(__dirname, "../../lib/cli/index.js");

function env(root: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env, STREAMLAB_ROOT: root };
  delete e.DATABASE_URL;
  return { ...e, ...extra };
}

function sql(root: string, statement: string, extra: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [cli, "sql", statement], { env: env(root, extra), encoding: "utf8" });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test("streamlab sql starts the embedded database when nothing serves it, keeps what it wrote, prints tables", async (t) => {
  const root = tmpDir(t);
  assert.equal(sql(root, "CREATE TABLE user_events (event_id text PRIMARY KEY, event_type text)").out.trim(), "CREATE");
  assert.equal(sql(root, "INSERT INTO user_events VALUES ('e1', 'view'), ('e2', 'view'), ('e3', 'purchase')").out.trim(), "INSERT 3");
  const r = sql(root, "SELECT event_type, count(*) AS n FROM user_events GROUP BY event_type ORDER BY n DESC");
  assert.equal(r.code, 0, r.err);
  assert.equal(
    r.out.trim(),
    ["+------------+---+", "| event_type | n |", "+------------+---+", "| view       | 2 |", "| purchase   | 1 |", "+------------+---+", "(2 rows)"].join("\n"),
  );
  const missing = sql(root, "SELECT * FROM nowhere");
  assert.equal(missing.code, 1);
  assert.match(missing.err, /error \[POSTGRES_ERROR\]: The statement failed: relation "nowhere" does not exist/);
  const empty = sql(root, " ");
  assert.equal(empty.code, 2);
  assert.match(empty.err, /error \[INVALID_ARGUMENT\]/);
});

test("npm run db serves the embedded database until Ctrl-C; streamlab sql meanwhile goes through it", { timeout: 60_000 }, async (t) => {
  const root = tmpDir(t);
  const child = spawn(process.execPath, [cli, "db", "--port", "0"], { env: env(root) });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
  t.after(() => child.kill("SIGKILL"));
  for (let i = 0; i < 200 && !/Ctrl-C stops it/.test(out); i++) await new Promise((r) => setTimeout(r, 100));
  const url = /^psql (postgres:\/\/\S+)$/m.exec(out)?.[1];
  assert.ok(url, out);
  await query(url, "CREATE TABLE t (a int); INSERT INTO t VALUES (1), (2)");
  // The folder is locked by the server: sql connects to it instead of starting a second PGlite.
  const r = sql(root, "SELECT sum(a) AS total FROM t");
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^\| 3 +\|$/m);
  const again = spawnSync(process.execPath, [cli, "db"], { env: env(root), encoding: "utf8" });
  assert.match(again.stdout, new RegExp(`already served by a running process[\\s\\S]*psql ${url.replace(/[/.?]/g, "\\$&")}`));
  child.kill("SIGINT");
  assert.equal(await exited, 0, out);
  assert.match(out, /stopped\./);
  assert.ok(!fs.existsSync(path.join(root, "data", "pglite", ".served.json")), "the served marker is gone with the server");
  assert.match(sql(root, "SELECT count(*) AS n FROM t").out, /^\| 2 \|$/m, "the data outlives the server");
});

test("with DATABASE_URL, streamlab sql runs there and npm run db has nothing to serve", async (t) => {
  if (!(await realPgAvailable())) return t.skip("no PostgreSQL at 127.0.0.1:5432");
  const schema = await realPgSchema();
  t.after(() => schema.drop());
  const root = tmpDir(t);
  const r = sql(root, "SELECT current_schema() AS s", { DATABASE_URL: schema.url });
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /\| t_[0-9a-f]{12} \|/);
  assert.ok(!fs.existsSync(path.join(root, "data", "pglite")), "no embedded database was made");
  const db = spawnSync(process.execPath, [cli, "db"], { env: env(root, { DATABASE_URL: schema.url }), encoding: "utf8" });
  assert.equal(db.status, 0);
  assert.match(db.stdout, /DATABASE_URL is set/);
});
