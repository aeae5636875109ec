#!/usr/bin/env node
// Runs after `npm install` / `npm ci`: builds lib/ (notebooks import the compiled JavaScript),
// makes `import ... from "streamlab"` resolve from notebooks, creates data/ folders, and
// registers the "TypeScript (streamlab)" Jupyter kernel when Jupyter is installed.
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const os = require("node:os");
const { execFileSync, spawnSync } = require("node:child_process");

const root = path.resolve(__dirname, "..");
const quiet = process.argv.includes("--quiet");
const log = (...a) => quiet || console.log("[streamlab setup]", ...a);

function build() {
  const tsc = path.join(root, "node_modules", "typescript", "bin", "tsc");
  if (!fs.existsSync(tsc)) {
    log("TypeScript is not installed (npm install --omit=dev?): skipping the build of lib/.");
    return;
  }
  execFileSync(process.execPath, [tsc, "-b", path.join(root, "tsconfig.json")], { stdio: "inherit", env: { ...process.env, STREAMLAB_PREBUILD: "done" } });
  log("built lib/ into dist/");
}

// A tiny package in node_modules pointing at the compiled library, so notebooks write
// `import * as sl from "streamlab"`. tslab's TypeScript resolves it by `main`/`types`.
function linkPackage() {
  const dir = path.join(root, "node_modules", "streamlab");
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "streamlab", private: true, main: "index.js", types: "index.d.ts" }, null, 2));
  fs.writeFileSync(path.join(dir, "index.js"), 'module.exports = require("../../dist/lib/index.js");\n');
  fs.writeFileSync(path.join(dir, "index.d.ts"), 'export * from "../../dist/lib/index";\n');
}

function dataDirs() {
  for (const d of ["raw", "delta", "checkpoints", "error", "reports", "outbox"]) fs.mkdirSync(path.join(root, "data", d), { recursive: true });
}

function findJupyter() {
  for (const cand of ["jupyter", "/usr/bin/jupyter"]) {
    const r = spawnSync(cand, ["kernelspec", "--version"], { encoding: "utf8" });
    if (r.status === 0) return cand;
  }
  return undefined;
}

/**
 * The kernelspec: node runs launch.js (scripts/kernel-launcher.js, copied into the kernelspec's own
 * folder), which starts the tslab of whichever clone the notebook sits in. Nothing in it names
 * this clone, so the last clone to run `npm ci` does not own the kernel of the others.
 */
function kernelSpec(launcher) {
  return {
    argv: [process.execPath, launcher, "{connection_file}"],
    display_name: "TypeScript (streamlab)",
    language: "typescript",
    metadata: { streamlab: { launcher: "kernel-launcher.js" } },
  };
}

function registerKernel() {
  const jupyter = findJupyter();
  if (!jupyter) {
    console.log("[streamlab setup] Jupyter not found: notebooks need it. Install it with `sudo apt-get install -y jupyter-nbconvert python3-nbclient jupyter-client` (or `pip install jupyterlab`), then run `npm run setup`.");
    return;
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "streamlab-kernel-"));
  fs.copyFileSync(path.join(root, "scripts", "kernel-launcher.js"), path.join(tmp, "launch.js"));
  // {resource_dir} is not expanded by every front end: the absolute path is written after install.
  fs.writeFileSync(path.join(tmp, "kernel.json"), JSON.stringify(kernelSpec("{resource_dir}/launch.js"), null, 2));
  const r = spawnSync(jupyter, ["kernelspec", "install", "--user", "--replace", "--name", "streamlab", tmp], { encoding: "utf8" });
  fs.rmSync(tmp, { recursive: true, force: true });
  if (r.status !== 0) {
    console.log(`[streamlab setup] could not register the Jupyter kernel: ${(r.stderr || r.stdout).trim()}`);
    return;
  }
  const list = spawnSync(jupyter, ["kernelspec", "list", "--json"], { encoding: "utf8" });
  const dir = list.status === 0 ? JSON.parse(list.stdout).kernelspecs?.streamlab?.resource_dir : undefined;
  if (dir) fs.writeFileSync(path.join(dir, "kernel.json"), JSON.stringify(kernelSpec(path.join(dir, "launch.js")), null, 2));
  log('registered the Jupyter kernel "TypeScript (streamlab)" (name: streamlab); it starts the tslab of the clone each notebook is in');
}

if (require.main === module) {
  try {
    build();
    linkPackage();
    dataDirs();
    registerKernel();
  } catch (e) {
    console.error(`[streamlab setup] failed: ${e.message}`);
    process.exit(1);
  }
}
module.exports = { kernelSpec };
