#!/usr/bin/env node
// The "TypeScript (streamlab)" kernel's entry point, copied into the kernelspec's own folder by
// scripts/setup.js. It starts the tslab of the project the notebook lives in: from the kernel's
// working directory (Jupyter and VS Code start it in the notebook's folder) upward, the first
// node_modules/.bin/tslab wins. So one registered kernel serves every clone, and removing or
// moving a clone never breaks another.
// Usage (kernel.json argv): node launch.js {connection_file}
"use strict";
const fs = require("node:fs");
const path = require("node:path");

/** The nearest folder at or above `from` holding node_modules/.bin/tslab, or undefined. */
function findProject(from) {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, "node_modules", ".bin", "tslab"))) return dir;
    if (path.dirname(dir) === dir) return undefined;
  }
}

function main() {
  const connectionFile = process.argv[2];
  if (!connectionFile) {
    console.error("[streamlab kernel] usage: launch.js CONNECTION_FILE (Jupyter passes it; see kernel.json).");
    process.exit(2);
  }
  const cwd = process.cwd();
  const root = findProject(cwd);
  if (!root) {
    console.error(
      `[streamlab kernel] KERNEL_PROJECT_NOT_FOUND: no node_modules/.bin/tslab in ${cwd} or any folder above it, ` +
        "so this notebook is outside a Streamlab clone. Open the notebook from a clone's notebooks/ folder " +
        "(after `npm ci` there), or copy it into one.",
    );
    process.exit(1);
  }
  process.env.STREAMLAB_ROOT = root;
  // Rebuild lib/ when a .ts file is newer than the last build, before tslab imports it.
  const prebuild = path.join(root, "scripts", "kernel-prebuild.js");
  if (fs.existsSync(prebuild)) require(prebuild);
  // tslab runs in this process (no child to orphan; Jupyter's interrupts and shutdowns reach it).
  const bin = fs.realpathSync(path.join(root, "node_modules", ".bin", "tslab"));
  process.argv = [process.execPath, bin, "kernel", "--config-path", connectionFile];
  require(bin);
}

if (require.main === module) main();
module.exports = { findProject };
