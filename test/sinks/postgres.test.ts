/** PostgreSQL connections (lib/sinks/postgres): passwords kept out of messages, timeouts, the embedded database's lock. */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import { spawn } from "node:child_process";
import { connect, describeConnection, redact, startEmbeddedPostgres } from "../../lib/sinks/postgres";
import { expectCode, tmpDir } from "../helpers/tmp";
import { SilentServer } from "../helpers/postgres";

test("redact hides the whole password, whatever characters it holds", () => {
  const cases: [string, string, string][] = [
    // [input, expected, the password that must not appear]
    ["postgres://u:p@ss@db.example.com:5432/app", "postgres://u:***@db.example.com:5432/app", "p@ss"],
    ["postgres://u:p:ss@host/db", "postgres://u:***@host/db", "p:ss"],
    ["postgres://u:p/ss@host/db", "postgres://u:***@host/db", "p/ss"],
    ["postgres://u:p%40ss@host/db", "postgres://u:***@host/db", "p%40ss"],
    ["postgresql://admin:s3cr@t/x?y#z@host:6543/db?sslmode=require", "postgresql://admin:***@host:6543/db?sslmode=require", "s3cr@t/x?y#z"],
    ["POSTGRES://u:a b@host/db", "POSTGRES://u:***@host/db", "a b"],
    ["postgres://u@host/db", "postgres://u@host/db", ""],
    ["postgres://host:5432/db", "postgres://host:5432/db", ""],
  ];
  for (const [input, expected, password] of cases) {
    const out = redact(input);
    assert.equal(out, expected, input);
    if (password) assert.ok(!out.includes(password), `${input} → ${out}`);
    assert.equal(describeConnection(input), expected);
  }
  // Quoted inside a message: the URL runs to the next space.
  const msg = redact("could not reach postgres://u:p@ss:w/rd@host/db: ECONNREFUSED");
  assert.equal(msg, "could not reach postgres://u:***@host/db: ECONNREFUSED");
});

test("redact hides password= in key/value connection strings and URL parameters", () => {
  const cases: [string, string, string][] = [
    // [input, the password, a part that stays readable]
    ["host=h user=u password=p@ss:w/rd dbname=d", "p@ss:w/rd", " dbname=d"],
    ["host=h password='it\\'s a secret' dbname=d", "it\\'s a secret", " dbname=d"],
    ["host=h PASSWORD = hunter2 dbname=d", "hunter2", " dbname=d"],
    ["postgres://h/db?user=u&password=p%40ss&sslmode=require", "p%40ss", "&sslmode=require"],
  ];
  for (const [input, password, kept] of cases) {
    const out = redact(input);
    assert.ok(!out.includes(password) && !out.includes("secret") && !out.includes("hunter"), `${input} → ${out}`);
    assert.match(out, /password\s*=\s*\*\*\*/i, out);
    assert.ok(out.includes(kept), `the rest stays readable: ${out}`);
  }
  assert.equal(redact("host=h password=x&sslmode=require"), "host=h password=***&sslmode=require");
});

test("connecting to a server that accepts and never answers times out with POSTGRES_TIMEOUT naming the server, not its password", { timeout: 30_000 }, async (t) => {
  const server = new SilentServer("silent");
  await server.start();
  t.after(() => server.stop());
  const started = Date.now();
  const e = await expectCode(() => connect(`postgres://app:pa@ss@127.0.0.1:${server.port}/shop`, { connectTimeoutMs: 500 }), "POSTGRES_TIMEOUT");
  assert.ok(Date.now() - started < 10_000, `gave up after ${Date.now() - started} ms`);
  assert.ok(e.message.includes(`postgres://app:***@127.0.0.1:${server.port}/shop`), e.message);
  assert.doesNotMatch(e.message, /pa@ss/);
  assert.match(e.message, /connectTimeoutMs/, "says which setting to change");
});

test("a statement the server never answers times out with POSTGRES_TIMEOUT", { timeout: 30_000 }, async (t) => {
  const server = new SilentServer("startup");
  await server.start();
  t.after(() => server.stop());
  const c = await connect(`postgres://app@127.0.0.1:${server.port}/shop`, { queryTimeoutMs: 500 });
  t.after(() => c.end());
  await assert.rejects(() => c.query("SELECT 1"), /timeout/i);
});

test("the embedded database's folder is locked until stop(): another process is refused with PATH_IN_USE naming it; a killed holder does not block", { timeout: 60_000 }, async (t) => {
  const dir = path.join(tmpDir(t), "pglite");
  const lib = path.resolve(__dirname, "../../lib/index.js");
  const child = spawn(process.execPath, ["-e", `require(${JSON.stringify(lib)}).postgres.startEmbeddedPostgres({ dataDir: ${JSON.stringify(dir)}, port: 0 }).then(() => console.log("ready"))`]);
  t.after(() => child.kill("SIGKILL"));
  let out = "";
  await new Promise<void>((resolve, reject) => {
    child.stdout.on("data", (d) => (out += d) && /ready/.test(out) && resolve());
    child.stderr.on("data", (d) => (out += d));
    child.on("exit", () => reject(new Error(`the holder exited: ${out}`)));
  });
  const e = await expectCode(() => startEmbeddedPostgres({ dataDir: dir, port: 0 }), "PATH_IN_USE");
  assert.ok(e.message.includes(dir), e.message);
  assert.match(e.message, new RegExp(`process ${child.pid}\\b`));
  // In this process too, until stop().
  child.kill("SIGKILL");
  await new Promise((r) => child.once("exit", r));
  const a = await startEmbeddedPostgres({ dataDir: dir, port: 0 });
  try {
    await expectCode(() => startEmbeddedPostgres({ dataDir: dir, port: 0 }), "PATH_IN_USE");
  } finally {
    await a.stop();
  }
  const b = await startEmbeddedPostgres({ dataDir: dir, port: 0 });
  await b.stop();
});
