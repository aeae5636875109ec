/** The main job (`streamlab run`) as a real child process in a temporary STREAMLAB_ROOT, and a check of what it left there. */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { spawn, type ChildProcess } from "node:child_process";
import { Duck, sqlString } from "../../lib/duck";
import { DeltaTable } from "../../lib/delta/table";
import { startEmbeddedPostgres } from "../../lib/sinks/postgres";
import { query } from "../helpers/postgres";

const cli = path.resolve(__dirname, "../../lib/cli/index.js");

export interface Job {
  child: ChildProcess;
  /** stdout and stderr so far. */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }>;
  /** Resolves true once the output matches `re`, false after `ms` or when the job exits first. */
  waitFor(re: RegExp, ms: number): Promise<boolean>;
}

/** Starts `streamlab run <args>` in `root`; without DATABASE_URL in `env` it uses the embedded PGlite. */
export function startJob(root: string, args: string[], env: NodeJS.ProcessEnv = {}): Job {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, STREAMLAB_ROOT: root };
  delete childEnv.DATABASE_URL;
  Object.assign(childEnv, env);
  const child = spawn(process.execPath, [cli, "run", ...args], { env: childEnv });
  let out = "";
  const listeners = new Set<() => void>();
  const onOutput = (d: Buffer) => {
    out += d;
    for (const l of listeners) l();
  };
  child.stdout!.on("data", onOutput);
  child.stderr!.on("data", onOutput);
  let done = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }>((resolve) =>
    child.on("close", (code, signal) => {
      done = true;
      for (const l of listeners) l();
      resolve({ code, signal, out });
    }),
  );
  const waitFor = (re: RegExp, ms: number) =>
    new Promise<boolean>((resolve) => {
      const check = () => {
        if (re.test(out) || done) {
          listeners.delete(check);
          clearTimeout(timer);
          resolve(re.test(out));
        }
      };
      const timer = setTimeout(() => {
        listeners.delete(check);
        resolve(false);
      }, ms);
      listeners.add(check);
      check();
    });
  return { child, output: () => out, exited, waitFor };
}

export function runJob(root: string, duration: string): Promise<{ code: number | null; out: string }> {
  return startJob(root, ["--duration", duration, "--rate", "4"]).exited;
}

/** Checks the main job's promise: bronze = every well-formed line once, PostgreSQL = every distinct event once, quarantine = every malformed line. */
export async function verify(root: string): Promise<{ lines: number; distinct: number; bad: number }> {
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
