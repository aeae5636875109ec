import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawn } from "node:child_process";
import { Duck } from "../../lib/duck";
import { DeltaTable } from "../../lib/delta/table";
import { tmpDir } from "../helpers/tmp";

const writeModule = path.resolve(__dirname, "../../lib/delta/write.js");
const UUID = "0f8fad5b-d9cb-469f-a165-70867728950e";

/** Runs writeDelta in a child process that SIGKILLs itself at `crashAt`; resolves with its pid and signal. */
function crashingWriter(table: string, rows: number, crashAt: string): Promise<{ pid: number; signal: NodeJS.Signals | null }> {
  const script = `
    const { writeDelta } = require(${JSON.stringify(writeModule)});
    const rows = Array.from({ length: ${rows} }, (_, i) => ({ id: 1000 + i }));
    writeDelta(${JSON.stringify(table)}, rows).then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "inherit", "inherit"], env: { ...process.env, STREAMLAB_CRASH_AT: crashAt } });
    child.on("error", reject);
    child.on("exit", (_code, signal) => resolve({ pid: child.pid!, signal }));
  });
}

const tmpLeftovers = (pid: number) => fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith(`streamlab-rows-${pid}-`) || n.startsWith(`streamlab-checkpoint-${pid}-`));
const staging = (root: string) => fs.readdirSync(root).filter((n) => n.startsWith("_streamlab_staging_")).sort();
const logTemps = (root: string) => fs.readdirSync(path.join(root, "_delta_log")).filter((n) => n.endsWith(".tmp")).sort();

test("a writer SIGKILLed mid-write leaves nothing behind after the next write; a live writer's temporaries are kept", { timeout: 120_000 }, async (t) => {
  const duck = await Duck.open();
  const root = path.join(tmpDir(t), "t");
  const table = DeltaTable.forPath(root, duck);
  await table.write("SELECT 1::BIGINT AS id", { properties: { "delta.checkpointInterval": "2" } });

  // Killed while its data files sit in its staging folder (1,000 rows: the input is staged in a file too).
  const a = await crashingWriter(root, 1000, "delta.afterStaging");
  assert.equal(a.signal, "SIGKILL");
  assert.ok(staging(root).length >= 1, "the crash left its staging folder(s)");
  // Killed while writing the checkpoint of version 2 (its commit is in).
  await table.write("SELECT 2::BIGINT AS id");
  const b = await crashingWriter(root, 1000, "delta.checkpoint.beforeRename@2");
  assert.equal(b.signal, "SIGKILL");
  assert.ok(logTemps(root).length > 0, "the crash left temporaries in _delta_log");
  // As a crash between writing a commit's temporary and linking it would leave, by a dead owner.
  fs.writeFileSync(path.join(root, "_delta_log", `.00000000000000000003.json.${a.pid}.${UUID}.tmp`), "{}");
  // A live writer's work in progress (this process), and a recent folder whose owner is unknown.
  const live = `.00000000000000000003.json.${process.pid}.${UUID}.tmp`;
  fs.writeFileSync(path.join(root, "_delta_log", live), "{}");
  fs.mkdirSync(path.join(root, `_streamlab_staging_${process.pid}_${UUID}`));
  fs.mkdirSync(path.join(root, `_streamlab_staging_${UUID.replace("0f8", "1f8")}`));

  const r = await table.write("SELECT 3::BIGINT AS id");
  assert.equal(r.version, 3);
  assert.deepEqual(staging(root), [`_streamlab_staging_${process.pid}_${UUID}`, `_streamlab_staging_${UUID.replace("0f8", "1f8")}`].sort());
  assert.deepEqual(logTemps(root), [live]);
  assert.deepEqual(tmpLeftovers(a.pid), [], "nothing of the crashed writers in the system temp folder");
  assert.deepEqual(tmpLeftovers(b.pid), []);
  assert.deepEqual((await table.toRows<{ id: bigint }>()).map((x) => Number(x.id)).sort((m, n) => m - n).slice(0, 3), [1, 2, 3]);
  duck.close();
});

test("VACUUM removes staging folders and temporaries older than the retention, and reports them", async (t) => {
  const duck = await Duck.open();
  const root = path.join(tmpDir(t), "t");
  const table = DeltaTable.forPath(root, duck);
  await table.write("SELECT 1::BIGINT AS id");
  const old = new Date(Date.now() - 8 * 86_400_000);
  const oldStaging = path.join(root, `_streamlab_staging_${UUID}`);
  fs.mkdirSync(path.join(oldStaging, "0"), { recursive: true });
  fs.writeFileSync(path.join(oldStaging, "0", "part-0.parquet"), "x");
  const oldTemp = path.join(root, "_delta_log", `.00000000000000000001.json.999999999.${UUID}.tmp`);
  fs.writeFileSync(oldTemp, "{}");
  for (const p of [path.join(oldStaging, "0", "part-0.parquet"), path.join(oldStaging, "0"), oldStaging, oldTemp]) fs.utimesSync(p, old, old);
  const fresh = path.join(root, `_streamlab_staging_${UUID.replace("0f8", "2f8")}`);
  fs.mkdirSync(fresh);

  const dry = await table.vacuum({ dryRun: true });
  assert.deepEqual(dry.files, [`_delta_log/.00000000000000000001.json.999999999.${UUID}.tmp`, `_streamlab_staging_${UUID}/0/part-0.parquet`]);
  assert.ok(fs.existsSync(oldStaging));
  const done = await table.vacuum();
  assert.deepEqual(done.files, dry.files);
  assert.equal(fs.existsSync(oldStaging), false);
  assert.equal(fs.existsSync(oldTemp), false);
  assert.ok(fs.existsSync(fresh), "younger than the retention: it may be a write in progress");
  assert.equal(await (await table.scan()).count(), 1);
  duck.close();
});
