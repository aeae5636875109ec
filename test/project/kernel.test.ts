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
