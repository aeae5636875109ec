/** One main job per folder: a second `npm start` refuses at once; a killed job's lock does not block the next run. */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import { tmpDir } from "../helpers/tmp";
import { runJob, startJob, verify } from "./job";

test("a second npm start in the same folder refuses at once (PATH_IN_USE naming the folder and the running job's pid); the first finishes intact", { timeout: 180_000 }, async (t) => {
  const root = tmpDir(t);
  const first = startJob(root, ["--duration", "8s", "--rate", "4"]);
  t.after(() => first.child.kill("SIGKILL"));
  assert.ok(await first.waitFor(/PostgreSQL: embedded PGlite/, 60_000), first.output());
  const started = Date.now();
  const second = await runJob(root, "3s");
  assert.notEqual(second.code, 0, `the second job ran alongside the first:\n${second.out}`);
  assert.match(second.out, /error \[PATH_IN_USE\]/, second.out);
  assert.ok(second.out.includes(path.join(root, "data")), `names the folder: ${second.out}`);
  assert.match(second.out, new RegExp(`process ${first.child.pid}\\b`), "names the holder's pid");
  assert.ok(Date.now() - started < 30_000, `refused at once, not after ${Date.now() - started} ms`);
  const a = await first.exited;
  assert.equal(a.code, 0, a.out);
  await verify(root);
});

test("a killed main job's lock does not block the next run, which finishes its work exactly once", { timeout: 180_000 }, async (t) => {
  const root = tmpDir(t);
  const killed = startJob(root, ["--forever", "--rate", "4"]);
  t.after(() => killed.child.kill("SIGKILL"));
  assert.ok(await killed.waitFor(/\[user_events\] batch 0/, 60_000), killed.output());
  killed.child.kill("SIGKILL");
  assert.equal((await killed.exited).signal, "SIGKILL");
  const next = await runJob(root, "3s");
  assert.equal(next.code, 0, next.out);
  await verify(root);
});
