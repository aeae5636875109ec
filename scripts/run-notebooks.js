#!/usr/bin/env node
// `npm run notebooks [-- NAME...]`: executes every notebook (or those named) headless with the
// streamlab kernel; executed HTML and .ipynb copies go to data/reports/. Exit 1 names the
// notebook and cell that failed; exit 3 when Jupyter is not installed.
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const { spawnSync } = require("node:child_process");

const root = path.resolve(__dirname, "..");

/** A Python that has nbclient and nbconvert (Debian's, not necessarily the first on PATH). */
function findPython() {
  for (const py of ["/usr/bin/python3", "python3"]) {
    const r = spawnSync(py, ["-c", "import nbclient, nbconvert"], { encoding: "utf8" });
    if (r.status === 0) return py;
  }
  return undefined;
}

function kernelRegistered() {
  for (const j of ["jupyter", "/usr/bin/jupyter"]) {
    const r = spawnSync(j, ["kernelspec", "list", "--json"], { encoding: "utf8" });
    if (r.status === 0) return Boolean(JSON.parse(r.stdout).kernelspecs?.streamlab);
  }
  return false;
}

function main() {
  const py = findPython();
  if (!py) {
    console.error("Jupyter is not installed, so notebooks cannot run. Install it with `sudo apt-get install -y jupyter-nbconvert python3-nbclient jupyter-client`, then `npm run setup`.");
    process.exit(3);
  }
  if (!kernelRegistered()) {
    const r = spawnSync(process.execPath, [path.join(root, "scripts", "setup.js"), "--quiet"], { stdio: "inherit" });
    if (r.status !== 0 || !kernelRegistered()) {
      console.error('The "streamlab" Jupyter kernel is not registered and `npm run setup` could not register it.');
      process.exit(1);
    }
  }
  const wanted = process.argv.slice(2);
  const dir = path.join(root, "notebooks");
  const notebooks = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".ipynb"))
    .filter((f) => wanted.length === 0 || wanted.some((w) => f.includes(w)))
    .sort()
    .map((f) => path.join("notebooks", f));
  if (notebooks.length === 0) {
    console.error(`No notebook matches ${wanted.join(", ")}.`);
    process.exit(1);
  }
  const r = spawnSync(py, [path.join(root, "scripts", "run_notebooks.py"), path.join("data", "reports"), ...notebooks], { cwd: root, stdio: "inherit" });
  process.exit(r.status ?? 1);
}

main();
