/** The main job when its PostgreSQL query fails or waits: it says so, and never keeps ingesting bronze with nobody told. */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { tmpDir } from "../helpers/tmp";
import { closedPort, embedded, query } from "../helpers/postgres";
import { startJob } from "./job";

/** Every batch the checkpoint planned (offsets/N) was committed (commits/N): the query stopped cleanly, not mid-batch. */
function assertStoppedCleanly(checkpoint: string): void {
  const ids = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => /^\d+$/.test(f)).map(Number) : []);
  const offsets = ids(path.join(checkpoint, "offsets"));
  const commits = ids(path.join(checkpoint, "commits"));
  assert.ok(offsets.length > 0, `${checkpoint} ran batches`);
  assert.equal(Math.max(...commits), Math.max(...offsets), `${checkpoint}: the last planned batch was committed`);
}

test("run --forever: when the PostgreSQL query fails the job fails (the error with its code, non-zero exit) and stops the bronze query cleanly", { timeout: 120_000 }, async (t) => {
  const root = tmpDir(t);
  const db = await embedded();
  // A user_events the batches do not fit: the sink refuses every batch (not a transient error).
  await query(db.connectionString, "CREATE TABLE user_events (event_id TEXT PRIMARY KEY)");
  const job = startJob(root, ["--forever", "--rate", "4"], { DATABASE_URL: db.connectionString });
  t.after(async () => {
    job.child.kill("SIGKILL"); // first: the server's stop waits for the job's connections
    await job.exited;
    await db.stop();
  });
  const ended = await Promise.race([job.exited, new Promise<undefined>((r) => setTimeout(() => r(undefined), 60_000))]);
  assert.ok(ended, `the job kept running (ingesting bronze) after its PostgreSQL query failed:\n${job.output()}`);
  assert.equal(ended.signal, null);
  assert.notEqual(ended.code, 0, ended.out);
  assert.match(ended.out, /error \[POSTGRES_ERROR\]: .*user_events/, ended.out);
  assertStoppedCleanly(path.join(root, "data", "checkpoints", "events_bronze"));
});

test("run --forever while PostgreSQL is unreachable: the job prints that it is waiting, and Ctrl-C stops it at once with the error and its code", { timeout: 120_000 }, async (t) => {
  const root = tmpDir(t);
  const url = `postgres://streamlab:s3cr@t@127.0.0.1:${await closedPort()}/shop`;
  const job = startJob(root, ["--forever", "--rate", "4"], { DATABASE_URL: url });
  t.after(() => job.child.kill("SIGKILL"));
  const waiting = /\[user_events\] Waiting for PostgreSQL at postgres:\/\/streamlab:\*\*\*@127\.0\.0\.1:\d+\/shop \(attempt \d+\/\d+, next in [\d.]+ s\)/;
  assert.ok(await job.waitFor(waiting, 60_000), `no waiting message:\n${job.output()}`);
  await job.waitFor(/\[events_bronze\] batch 0/, 30_000);
  const stopped = Date.now();
  job.child.kill("SIGINT");
  const ended = await Promise.race([job.exited, new Promise<undefined>((r) => setTimeout(() => r(undefined), 30_000))]);
  assert.ok(ended, `Ctrl-C did not stop the job:\n${job.output()}`);
  assert.ok(Date.now() - stopped < 30_000);
  assert.notEqual(ended.code, 0, ended.out);
  assert.match(ended.out, /error \[POSTGRES_UNAVAILABLE\]: Stopped while waiting for PostgreSQL/, ended.out);
  assert.doesNotMatch(ended.out, /s3cr/, "the password is never printed");
  assertStoppedCleanly(path.join(root, "data", "checkpoints", "events_bronze"));
});
