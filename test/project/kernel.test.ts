import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { tmpDir } from "../helpers/tmp";

const prebuild = path.resolve(__dirname, "../../../scripts/kernel-prebuild.js");

/** A project folder whose "tsc" only records that it ran, so the hook's decision is what is tested. */
function fakeProject(dir: string): string {
  fs.mkdirSync(path.join(dir, "lib"), { recursive: true });
  fs.mkdirSync(path.join(dir, "dist"), { recursive: true });
  fs.mkdirSync(path.join(dir, "node_modules", "typescript", "bin"), { recursive: true });
  fs.writeFileSync(path.join(dir, "node_modules", "typescript", "bin", "tsc"), `require("fs").appendFileSync(${JSON.stringify(path.join(dir, "ran"))}, "x"); require("fs").writeFileSync(${JSON.stringify(path.join(dir, "dist", ".tsbuildinfo"))}, "");`);
  fs.writeFileSync(path.join(dir, "lib", "a.ts"), "export const a = 1;\n");
  return dir;
}

function kernelStart(root: string): void {
  // What the kernelspec does: NODE_OPTIONS=--require kernel-prebuild.js, then tslab starts.
  const r = spawnSync(process.execPath, ["--require", prebuild, "-e", ""], { env: { ...process.env, STREAMLAB_ROOT: root, STREAMLAB_PREBUILD: "" }, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
}

test("restarting the kernel rebuilds lib/ when a .ts file changed, and only then", (t) => {
  const root = fakeProject(tmpDir(t));
  const runs = () => (fs.existsSync(path.join(root, "ran")) ? fs.readFileSync(path.join(root, "ran"), "utf8").length : 0);
  kernelStart(root);
  assert.equal(runs(), 1, "no build yet: build");
  kernelStart(root);
  assert.equal(runs(), 1, "nothing changed: no build");
  const later = new Date(Date.now() + 5000);
  fs.utimesSync(path.join(root, "lib", "a.ts"), later, later);
  kernelStart(root);
  assert.equal(runs(), 2, "a changed file: rebuild");
});

const launcher = path.resolve(__dirname, "../../../scripts/kernel-launcher.js");

/** A clone whose tslab records how it was started (in-process: argv, cwd, STREAMLAB_ROOT). */
function fakeClone(dir: string): string {
  fs.mkdirSync(path.join(dir, "node_modules", ".bin"), { recursive: true });
  fs.mkdirSync(path.join(dir, "notebooks"), { recursive: true });
  fs.writeFileSync(
    path.join(dir, "node_modules", ".bin", "tslab"),
    `#!/usr/bin/env node\nrequire("fs").writeFileSync(${JSON.stringify(path.join(dir, "started.json"))}, JSON.stringify({ argv: process.argv.slice(2), cwd: process.cwd(), root: process.env.STREAMLAB_ROOT }));\n`,
  );
  return dir;
}

/** What Jupyter does: run the kernelspec's argv in the notebook's folder. */
function startKernel(kernelDir: string, cwd: string) {
  return spawnSync(process.execPath, [path.join(kernelDir, "launch.js"), "/tmp/kernel-1.json"], { cwd, encoding: "utf8" });
}

test("the kernel starts the tslab of the clone the notebook is in, and outlives any one clone", (t) => {
  const base = tmpDir(t);
  // The kernelspec folder holds its own copy of the launcher, as scripts/setup.js installs it.
  const kernelDir = path.join(base, "kernels", "streamlab");
  fs.mkdirSync(kernelDir, { recursive: true });
  fs.copyFileSync(launcher, path.join(kernelDir, "launch.js"));
  const a = fakeClone(path.join(base, "a"));
  const b = fakeClone(path.join(base, "b"));
  fs.mkdirSync(path.join(b, "notebooks", "deeper"));

  let r = startKernel(kernelDir, path.join(a, "notebooks"));
  assert.equal(r.status, 0, r.stderr);
  const started = JSON.parse(fs.readFileSync(path.join(a, "started.json"), "utf8"));
  assert.deepEqual(started.argv, ["kernel", "--config-path", "/tmp/kernel-1.json"]);
  assert.equal(started.root, a);
  assert.equal(fs.realpathSync(started.cwd), fs.realpathSync(path.join(a, "notebooks")));

  fs.rmSync(a, { recursive: true, force: true });
  r = startKernel(kernelDir, path.join(b, "notebooks", "deeper"));
  assert.equal(r.status, 0, r.stderr);
  assert.equal(JSON.parse(fs.readFileSync(path.join(b, "started.json"), "utf8")).root, b, "clone a is gone; clone b's notebooks still start");
});

test("a notebook outside any clone gets a clear message instead of a kernel", (t) => {
  const base = tmpDir(t);
  fs.copyFileSync(launcher, path.join(base, "launch.js"));
  fs.mkdirSync(path.join(base, "loose"));
  const r = startKernel(base, path.join(base, "loose"));
  assert.equal(r.status, 1);
  assert.match(r.stderr, /KERNEL_PROJECT_NOT_FOUND: no node_modules\/\.bin\/tslab in .*loose or any folder above it/);
  assert.match(r.stderr, /npm ci/);
});

test("the registered kernelspec names no clone: node runs the launcher in the kernelspec's folder", () => {
  const { kernelSpec } = require(path.resolve(__dirname, "../../../scripts/setup.js")) as { kernelSpec(l: string): { argv: string[]; env?: unknown } };
  const spec = kernelSpec("/k/streamlab/launch.js");
  assert.deepEqual(spec.argv, [process.execPath, "/k/streamlab/launch.js", "{connection_file}"]);
  assert.ok(!JSON.stringify(spec).includes(path.resolve(__dirname, "../../..")), "no path into this clone");
});
