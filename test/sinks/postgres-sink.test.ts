import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import { spawn } from "node:child_process";
import pg from "pg";
import { readStream } from "../../lib/api/read-stream";
import { MemoryStream } from "../../lib/sources/memory-source";
import { PostgresSink } from "../../lib/sinks/postgres-sink";
import { expectCode, tmpDir } from "../helpers/tmp";
import { EVENT_SCHEMA, landFiles, sleep } from "../helpers/stream";
import { FlakyProxy, SilentServer, closedPort, embedded, query, realPgAvailable, realPgSchema, REAL_PG_URL } from "../helpers/postgres";

interface Target {
  name: string;
  setup(t: TestContext): Promise<{ url: string; port: number } | undefined>;
}

const targets: Target[] = [
  {
    name: "PGlite",
    async setup(t) {
      const e = await embedded();
      t.after(() => e.stop());
      return { url: e.connectionString, port: e.port };
    },
  },
  {
    name: "PostgreSQL",
    async setup(t) {
      if (!(await realPgAvailable())) {
        if (process.env.CI) throw new Error(`no PostgreSQL server at ${REAL_PG_URL} (.ci/run should start one)`);
        t.skip(`no PostgreSQL server at ${REAL_PG_URL}`);
        return undefined;
      }
      const s = await realPgSchema();
      t.after(() => s.drop());
      return { url: s.url, port: Number(new URL(REAL_PG_URL).port || 5432) };
    },
  },
];

const lib = path.resolve(__dirname, "../../lib/index.js");

function event(id: string, i: number) {
  return { event_id: id, user_id: `u_${i % 7}`, event_type: ["view", "add_to_cart", "purchase"][i % 3], product_id: `p_${i % 5}`, price: (i % 50) + 0.99, event_timestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, i)) };
}

/** A query from a memory stream of events into `user_events` at `url`, keyed on event_id. */
async function eventsToPostgres(url: string, dir: string, queryName: string) {
  const mem = new MemoryStream(["event_id", "user_id", "event_type", "product_id", "price", "event_timestamp"]);
  const q = await readStream.memory(mem).select("event_id", "user_id", "event_type", "product_id", "CAST(price AS DECIMAL(10,2)) AS price", "event_timestamp").writeStream(
    { format: "postgres", options: { table: "user_events", keyColumns: ["event_id"], connectionString: url } },
    { queryName, checkpointLocation: path.join(dir, "ck") },
  );
  return { mem, q };
}

for (const target of targets) {
  test(`${target.name}: duplicates are skipped (within and across batches), counted, and the ledger records each batch`, async (t) => {
    const db = await target.setup(t);
    if (!db) return;
    const dir = tmpDir(t);
    const { mem, q } = await eventsToPostgres(db.url, dir, `pg-dup-${target.name}`);
    mem.addData([event("a", 1), event("b", 2), event("a", 1), event("c", 3)]);
    await q.processAllAvailable();
    mem.addData([event("c", 3), event("d", 4)]);
    await q.processAllAvailable();
    await q.stop();
    assert.equal(q.exception, undefined, String(q.exception));
    const rows = await query<{ event_id: string }>(db.url, "SELECT event_id FROM user_events ORDER BY event_id");
    assert.deepEqual(rows.map((r) => r.event_id), ["a", "b", "c", "d"]);
    assert.deepEqual(q.recentProgress.map((p) => [p.sink.metrics.rowsInserted, p.sink.metrics.rowsSkipped]), [["3", "1"], ["1", "1"]]);
    const ledger = await query<{ batch_id: string; rows_inserted: string; rows_skipped: string }>(db.url, "SELECT batch_id, rows_inserted, rows_skipped FROM streamlab_batches ORDER BY batch_id");
    assert.deepEqual(ledger.map((l) => [Number(l.batch_id), Number(l.rows_inserted), Number(l.rows_skipped)]), [[0, 3, 1], [1, 1, 1]]);
  });

  test(`${target.name}: a key repeated inside a batch keeps its first row, whether the batch goes straight into the table (no key there yet) or through the staged insert`, async (t) => {
    const db = await target.setup(t);
    if (!db) return;
    const dir = tmpDir(t);
    const { mem, q } = await eventsToPostgres(db.url, dir, `pg-first-${target.name}`);
    // Batch 0: no key in the table yet. Batch 1: "x" is there, so the batch is staged.
    mem.addData([event("x", 1), event("y", 2), event("x", 3), event("y", 4), event("z", 5)]);
    await q.processAllAvailable();
    mem.addData([event("x", 6), event("w", 7), event("w", 8)]);
    await q.processAllAvailable();
    await q.stop();
    assert.equal(q.exception, undefined, String(q.exception));
    const rows = await query<{ event_id: string; user_id: string }>(db.url, "SELECT event_id, user_id FROM user_events ORDER BY event_id");
    assert.deepEqual(rows.map((r) => [r.event_id, r.user_id]), [["w", "u_0"], ["x", "u_1"], ["y", "u_2"], ["z", "u_5"]]);
    assert.deepEqual(q.recentProgress.map((p) => [p.sink.metrics.rowsInserted, p.sink.metrics.rowsSkipped]), [["3", "2"], ["1", "2"]]);
  });

  test(`${target.name}: a query killed after the database commit and restarted writes every row exactly once`, async (t) => {
    const db = await target.setup(t);
    if (!db) return;
    const dir = tmpDir(t);
    const landing = path.join(dir, "landing");
    const sim = landFiles(landing, 6, 10);
    const script = `
      const sl = require(${JSON.stringify(lib)});
      (async () => {
        const q = await sl.readStream.files(${JSON.stringify(landing)}, { format: "csv", schema: ${JSON.stringify(EVENT_SCHEMA)}, maxFilesPerTrigger: 2 })
          .writeStream({ format: "postgres", options: { table: "user_events", keyColumns: ["event_id"], connectionString: ${JSON.stringify(db.url)} } },
                       { checkpointLocation: ${JSON.stringify(path.join(dir, "ck"))}, queryName: "pg-crash", trigger: "availableNow" });
        await q.awaitTermination();
      })().catch((e) => { console.error(e); process.exit(1); });`;
    // Asynchronous children: PGlite's server runs in this process and must keep serving them.
    const run = (crashAt: string) =>
      new Promise<{ status: number | null; signal: string | null; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, ["-e", script], { env: { ...process.env, STREAMLAB_CRASH_AT: crashAt } });
        let stderr = "";
        child.stderr.on("data", (d) => (stderr += d));
        child.on("exit", (status, signal) => resolve({ status, signal, stderr }));
      });
    const killed = await run("afterSinkCommit@1");
    assert.equal(killed.signal, "SIGKILL", killed.stderr);
    const resumed = await run("");
    assert.equal(resumed.status, 0, resumed.stderr);
    const [{ n, d }] = await query<{ n: string; d: string }>(db.url, "SELECT count(*) AS n, count(DISTINCT event_id) AS d FROM user_events");
    assert.equal(Number(n), sim.stats.rows);
    assert.equal(Number(d), sim.stats.rows);
    const ledger = await query<{ batch_id: string }>(db.url, "SELECT batch_id FROM streamlab_batches ORDER BY batch_id");
    assert.deepEqual(ledger.map((l) => Number(l.batch_id)), [0, 1, 2], "batch 1 was replayed and recognised, not applied twice");
  });

  test(`${target.name}: the server goes away mid-stream and comes back: the query waits, retries and loses nothing`, async (t) => {
    const db = await target.setup(t);
    if (!db) return;
    const dir = tmpDir(t);
    const proxy = new FlakyProxy(db.port);
    await proxy.start();
    t.after(() => proxy.stop());
    const url = db.url.replace(`:${db.port}/`, `:${proxy.port}/`);
    const mem = new MemoryStream(["event_id", "user_id", "event_type", "product_id", "price", "event_timestamp"]);
    const q = await readStream.memory(mem).writeStream(
      { format: "postgres", options: { table: "user_events", keyColumns: ["event_id"], connectionString: url } },
      { queryName: `pg-flaky-${target.name}`, checkpointLocation: path.join(dir, "ck") },
    );
    mem.addData([event("x1", 1), event("x2", 2)]);
    await q.processAllAvailable();
    await proxy.stop();
    mem.addData([event("x3", 3)]);
    let waited = false;
    for (let i = 0; i < 100 && !waited; i++) {
      await sleep(20);
      waited = /Waiting for PostgreSQL/.test(q.status.message);
    }
    assert.ok(waited, `the status says the query waits (it says: ${q.status.message})`);
    assert.doesNotMatch(q.status.message, /password/i);
    await proxy.start();
    mem.addData([event("x4", 4)]);
    await q.processAllAvailable();
    await q.stop();
    assert.equal(q.exception, undefined, String(q.exception));
    const rows = await query<{ event_id: string }>(db.url, "SELECT event_id FROM user_events ORDER BY event_id");
    assert.deepEqual(rows.map((r) => r.event_id), ["x1", "x2", "x3", "x4"]);
  });
}

for (const target of targets) {
  /** Streams two events into `options.table` and returns the stopped query. */
  async function streamTwo(t: TestContext, url: string, options: Record<string, unknown>, name: string) {
    const mem = new MemoryStream(["event_id", "user_id", "event_type", "product_id", "price", "event_timestamp"]);
    const q = await readStream.memory(mem).writeStream(
      { format: "postgres", options: { table: "user_events", keyColumns: ["event_id"], connectionString: url, ...options } },
      { queryName: `${name}-${target.name}`, checkpointLocation: path.join(tmpDir(t), "ck") },
    );
    mem.addData([event("m1", 1), event("m2", 2)]);
    await q.processAllAvailable().catch(() => {});
    await q.stop();
    return q;
  }
  const exists = async (url: string, name: string) => (await query<{ ok: boolean }>(url, `SELECT to_regclass('${name}') IS NOT NULL AS ok`))[0]!.ok;

  test(`${target.name}: a mixed-case target is written as named (a quoted identifier), and no user_events appears`, async (t) => {
    const db = await target.setup(t);
    if (!db) return;
    await query(db.url, `CREATE TABLE "UserEvents" (event_id TEXT PRIMARY KEY, user_id TEXT, event_type TEXT, product_id TEXT, price NUMERIC(10,2), event_timestamp TIMESTAMPTZ)`);
    const q = await streamTwo(t, db.url, { table: "UserEvents" }, "pg-mixed");
    assert.equal(q.exception, undefined, String(q.exception));
    const rows = await query<{ event_id: string }>(db.url, `SELECT event_id FROM "UserEvents" ORDER BY event_id`);
    assert.deepEqual(rows.map((r) => r.event_id), ["m1", "m2"]);
    assert.equal(await exists(db.url, "user_events"), false, "the sink did not create user_events");
    const ledger = await query<{ target_table: string }>(db.url, "SELECT target_table FROM streamlab_batches");
    assert.deepEqual(ledger.map((l) => l.target_table), ["UserEvents"]);
  });

  test(`${target.name}: a missing schema.user_events is created in that schema, with its ledger beside it`, async (t) => {
    const db = await target.setup(t);
    if (!db) return;
    const schema = `s_${crypto.randomUUID().replaceAll("-", "").slice(0, 10)}`;
    await query(db.url, `CREATE SCHEMA ${schema}`);
    try {
      const q = await streamTwo(t, db.url, { table: `${schema}.user_events` }, "pg-schema");
      assert.equal(q.exception, undefined, String(q.exception));
      const rows = await query<{ event_id: string }>(db.url, `SELECT event_id FROM ${schema}.user_events ORDER BY event_id`);
      assert.deepEqual(rows.map((r) => r.event_id), ["m1", "m2"]);
      assert.equal(await exists(db.url, "user_events"), false, "nothing was created outside the schema");
      assert.equal((await query(db.url, `SELECT 1 FROM ${schema}.streamlab_batches`)).length, 1, "the ledger lives beside the target");
    } finally {
      await query(db.url, `DROP SCHEMA ${schema} CASCADE`); // here, not in t.after: the server stops in an earlier after-hook
    }
  });

  test(`${target.name}: a missing target that the setup SQL does not define is refused by name, and nothing else is created`, async (t) => {
    const db = await target.setup(t);
    if (!db) return;
    const q = await streamTwo(t, db.url, { table: "page_views" }, "pg-missing");
    assert.equal(q.exception?.code, "POSTGRES_ERROR", String(q.exception));
    assert.match(q.exception!.message, /page_views/);
    assert.equal(await exists(db.url, "user_events"), false, "the sink did not create user_events instead");
    assert.equal(await exists(db.url, "page_views"), false);
  });
}

for (const target of targets) {
  /** The target behind a FlakyProxy, and a query writing to it through the proxy. */
  async function throughProxy(t: TestContext, name: string, options: Record<string, unknown>) {
    const db = await target.setup(t);
    if (!db) return undefined;
    const proxy = new FlakyProxy(db.port);
    await proxy.start();
    t.after(() => proxy.stop());
    const url = db.url.replace(`:${db.port}/`, `:${proxy.port}/`);
    const mem = new MemoryStream(["event_id", "user_id", "event_type", "product_id", "price", "event_timestamp"]);
    const cleanup = new AbortController();
    const q = await readStream.memory(mem).writeStream(
      { format: "postgres", options: { table: "user_events", keyColumns: ["event_id"], connectionString: url, retryInitialDelayMs: 100, retryMaxDelayMs: 1000, ...options, signal: AbortSignal.any([cleanup.signal, ...(options.signal ? [options.signal as AbortSignal] : [])]) } },
      { queryName: `${name}-${target.name}`, checkpointLocation: path.join(tmpDir(t), "ck") },
    );
    t.after(() => {
      cleanup.abort(); // a query still waiting for the server (a failed test) stops at once
      return q.stop();
    });
    return { db, proxy, mem, q };
  }

  test(`${target.name}: refused reconnects are retried with exponential backoff, the status saying so, until the server is back`, { timeout: 60_000 }, async (t) => {
    const r = await throughProxy(t, "pg-backoff", { retryForMs: 60_000 });
    if (!r) return;
    const { db, proxy, mem, q } = r;
    mem.addData([event("b1", 1)]);
    await q.processAllAvailable();
    await proxy.stop(); // connections dropped, new ones refused
    mem.addData([event("b2", 2)]);
    const seen = new Set<string>();
    for (let i = 0; i < 1000 && !/attempt 3\//.test(q.status.message) && q.isActive; i++) {
      seen.add(q.status.message);
      await sleep(10);
    }
    assert.match(q.status.message, /^Waiting for PostgreSQL at postgres:\/\/\S+ \(attempt 3\/\d+, next in 0\.4 s\): .*ECONNREFUSED/, `seen: ${[...seen].join(" | ")}`);
    await proxy.start();
    mem.addData([event("b3", 3)]);
    await q.processAllAvailable();
    assert.equal(q.exception, undefined, String(q.exception));
    assert.doesNotMatch(q.status.message, /Waiting for PostgreSQL/);
    const rows = await query<{ event_id: string }>(db.url, "SELECT event_id FROM user_events ORDER BY event_id");
    assert.deepEqual(rows.map((x) => x.event_id), ["b1", "b2", "b3"]);
  });

  test(`${target.name}: when the retry budget is spent the query fails with POSTGRES_UNAVAILABLE naming the server and the attempts`, { timeout: 60_000 }, async (t) => {
    const r = await throughProxy(t, "pg-budget", { retryForMs: 700 });
    if (!r) return;
    const { proxy, mem, q } = r;
    mem.addData([event("g1", 1)]);
    await q.processAllAvailable();
    await proxy.stop();
    mem.addData([event("g2", 2)]);
    assert.ok(await q.awaitTermination(30_000).catch(() => true), "the query gave up");
    assert.equal(q.exception?.code, "POSTGRES_UNAVAILABLE", String(q.exception));
    // Waits of 0.1, 0.2 and 0.4 s fit in 0.7 s: four attempts.
    assert.match(q.exception!.message, new RegExp(`postgres://\\S+:${proxy.port}/\\S+ after 4 attempts`));
    assert.match(q.exception!.message, /retryForMs/);
  });

  test(`${target.name}: aborting the sink's signal ends a wait for the server at once`, { timeout: 60_000 }, async (t) => {
    const abort = new AbortController();
    const r = await throughProxy(t, "pg-abort", { retryForMs: 600_000, retryInitialDelayMs: 60_000, retryMaxDelayMs: 60_000, signal: abort.signal });
    if (!r) return;
    const { proxy, mem, q } = r;
    await proxy.stop();
    mem.addData([event("a1", 1)]);
    for (let i = 0; i < 1000 && !/^Waiting for PostgreSQL/.test(q.status.message); i++) await sleep(10);
    assert.match(q.status.message, /next in 60 s/);
    const started = Date.now();
    abort.abort();
    assert.ok(await q.awaitTermination(10_000).catch(() => true), "the query ended soon after the abort");
    assert.ok(Date.now() - started < 10_000);
    assert.equal(q.exception?.code, "POSTGRES_UNAVAILABLE", String(q.exception));
    assert.match(q.exception!.message, /Stopped while waiting for PostgreSQL/);
  });
}

test("hostile identifiers are refused before anything runs", async (t) => {
  for (const bad of ['user_events; DROP TABLE users', 'a"b', "1abc", "a.b.c", "", "x y"]) {
    await expectCode(() => new PostgresSink({ table: bad }), "INVALID_OPTION");
  }
  await expectCode(() => new PostgresSink({ table: "user_events", keyColumns: ["event_id) DO NOTHING; --"] }), "INVALID_OPTION");
  const db = await targets[0]!.setup(t);
  const mem = new MemoryStream(['event_id"; DROP TABLE user_events; --']);
  const q = await readStream.memory(mem).writeStream({ format: "postgres", options: { table: "user_events", keyColumns: ["event_id"], connectionString: db!.url } }, { queryName: "pg-hostile", checkpointLocation: path.join(tmpDir(t), "ck") });
  mem.addData({ 'event_id"; DROP TABLE user_events; --': "x" });
  await assert.rejects(() => q.awaitTermination(), (e: Error & { code?: string }) => e.code === "POSTGRES_ERROR" || e.code === "INVALID_OPTION");
  const tables = await query<{ ok: boolean }>(db!.url, "SELECT to_regclass('user_events') IS NOT NULL AS ok");
  assert.equal(tables[0]!.ok, true, "the table is still there");
});

/** Runs `script` in a child process; resolves when it exits, or reports that it had not exited after `limitMs`. */
function runChild(script: string, limitMs: number): Promise<{ status: number | null; exited: boolean; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["-e", script], { env: { ...process.env, DATABASE_URL: "" } });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      resolve({ status: null, exited: false, out });
    }, limitMs);
    child.on("exit", (status) => {
      clearTimeout(timer);
      resolve({ status, exited: true, out });
    });
  });
}

test("a process whose PostgreSQL queries stopped (committed, failed on a missing table, failed on an unreachable server) exits by itself", { timeout: 60_000 }, async (t) => {
  const db = await targets[0]!.setup(t);
  const dir = tmpDir(t);
  const unreachable = `postgres://u:secret@127.0.0.1:${await closedPort()}/db`;
  const script = `
    const sl = require(${JSON.stringify(lib)});
    const cols = ["event_id", "user_id", "event_type", "product_id", "price", "event_timestamp"];
    const row = { event_id: "e1", user_id: "u", event_type: "view", product_id: "p", price: 1.5, event_timestamp: new Date(0) };
    async function runQuery(name, options) {
      const mem = new sl.MemoryStream(cols);
      const q = await sl.readStream.memory(mem).writeStream({ format: "postgres", options: { keyColumns: ["event_id"], retryForMs: 300, retryInitialDelayMs: 100, ...options } },
        { queryName: name, checkpointLocation: ${JSON.stringify(dir)} + "/" + name });
      mem.addData([row]);
      await q.processAllAvailable().catch(() => {});
      await q.stop();
      return q.exception ? q.exception.code : "ok";
    }
    (async () => {
      const results = [
        await runQuery("committed", { table: "user_events", connectionString: ${JSON.stringify(db!.url)} }),
        await runQuery("missing", { table: "page_views", connectionString: ${JSON.stringify(db!.url)} }),
        await runQuery("unreachable", { table: "user_events", connectionString: ${JSON.stringify(unreachable)} }),
      ];
      console.log("results " + JSON.stringify(results));
    })().catch((e) => { console.error(e); process.exit(1); });`;
  const r = await runChild(script, 30_000);
  assert.ok(r.exited, `the process was still running 30 s after its queries stopped (a PostgreSQL client left open?)\n${r.out}`);
  assert.equal(r.status, 0, r.out);
  const results = JSON.parse(/results (.*)/.exec(r.out)![1]!) as string[];
  assert.equal(results[0], "ok");
  assert.equal(results[1], "POSTGRES_ERROR");
  assert.match(results[2]!, /^POSTGRES_/);
});

for (const mode of ["silent", "startup"] as const) {
  test(`a server that ${mode === "silent" ? "accepts connections" : "completes the start-up"} and never answers fails the query with POSTGRES_TIMEOUT instead of hanging it`, { timeout: 60_000 }, async (t) => {
    const server = new SilentServer(mode);
    await server.start();
    t.after(() => server.stop());
    const url = `postgres://app:pa@ss@127.0.0.1:${server.port}/shop`;
    const mem = new MemoryStream(["event_id", "user_id", "event_type", "product_id", "price", "event_timestamp"]);
    const q = await readStream.memory(mem).writeStream(
      { format: "postgres", options: { table: "user_events", keyColumns: ["event_id"], connectionString: url, connectTimeoutMs: 500, queryTimeoutMs: 500, retryForMs: 0 } },
      { queryName: `pg-silent-${mode}`, checkpointLocation: path.join(tmpDir(t), "ck") },
    );
    mem.addData([event("s1", 1)]);
    const started = Date.now();
    const ended = await q.awaitTermination(30_000).catch(() => true);
    assert.ok(ended, "the query ended by itself");
    assert.ok(Date.now() - started < 30_000);
    assert.equal(q.exception?.code, "POSTGRES_TIMEOUT", String(q.exception));
    assert.ok(q.exception!.message.includes(`postgres://app:***@127.0.0.1:${server.port}/shop`), q.exception!.message);
    assert.match(q.exception!.message, mode === "silent" ? /connectTimeoutMs/ : /queryTimeoutMs/);
    assert.doesNotMatch(q.exception!.message, /pa@ss/);
  });
}

test("PostgreSQL: a statement slower than queryTimeoutMs is cancelled by the server and fails the query at once (POSTGRES_TIMEOUT, not retried)", { timeout: 60_000 }, async (t) => {
  const db = await targets[1]!.setup(t);
  if (!db) return;
  await query(db.url, fs.readFileSync(path.resolve(__dirname, "../../../sql/postgres_setup.sql"), "utf8"));
  // Another session holds the table: every statement of the sink on it waits.
  const holder = new pg.Client({ connectionString: db.url });
  await holder.connect();
  t.after(() => holder.end());
  await holder.query("BEGIN; LOCK TABLE user_events IN ACCESS EXCLUSIVE MODE");
  const mem = new MemoryStream(["event_id", "user_id", "event_type", "product_id", "price", "event_timestamp"]);
  const q = await readStream.memory(mem).writeStream(
    { format: "postgres", options: { table: "user_events", keyColumns: ["event_id"], connectionString: db.url, queryTimeoutMs: 1000 } },
    { queryName: "pg-slow", checkpointLocation: path.join(tmpDir(t), "ck") },
  );
  mem.addData([event("slow", 1)]);
  assert.ok(await q.awaitTermination(30_000).catch(() => true), "the query failed instead of retrying for retryForMs (10 minutes)");
  assert.equal(q.exception?.code, "POSTGRES_TIMEOUT", String(q.exception));
  assert.match(q.exception!.message, /queryTimeoutMs/);
  await holder.query("ROLLBACK");
});
