#!/usr/bin/env node
// `npm test`: the unit and integration tests (node's test runner over the compiled tests),
// then the Delta conformance cases, then every notebook when Jupyter is installed.
// Without Jupyter it says loudly that notebook execution was skipped.
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const { spawnSync } = require("node:child_process");

const root = path.resolve(__dirname, "..");
const args = process.argv.slice(2);
const only = args.filter((a) => !a.startsWith("--"));
const skipNotebooks = args.includes("--no-notebooks") || process.env.STREAMLAB_SKIP_NOTEBOOKS === "1";

function testFiles(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? testFiles(p) : e.name.endsWith(".test.js") ? [p] : [];
  });
}

function run(title, cmd, cmdArgs) {
  console.log(`\n=== ${title}`);
  return spawnSync(cmd, cmdArgs, { cwd: root, stdio: "inherit" }).status;
}

const results = [];
const files = testFiles(path.join(root, "dist", "test"))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();
results.push(["unit and integration tests", run(`unit and integration tests (${files.length} files)`, process.execPath, ["--test", "--test-concurrency=1", ...files]) === 0]);

if (only.length === 0 && fs.existsSync(path.join(root, "dist", "lib", "delta", "conformance.js"))) {
  // The project's own copy of the golden tables (test/fixtures/delta-golden): nothing outside the clone is needed.
  const golden = path.join(root, "test", "fixtures", "delta-golden");
  results.push(["Delta conformance", run("Delta conformance cases (test/fixtures/delta-golden)", process.execPath, [path.join(root, "dist", "lib", "cli", "index.js"), "delta", "conformance", golden]) === 0]);
}

if (only.length === 0 && !skipNotebooks) {
  // run-notebooks.js finds Jupyter itself and exits 3 when it is not installed.
  // With Chromium, each report is also photographed and every chart region must show its marks.
  const { findChromium } = require("./report-check");
  const shots = findChromium() ? ["--screenshots"] : [];
  if (shots.length === 0) console.log("\nNOTE Chromium is not installed: the reports' charts are checked in the HTML only, without screenshots.");
  const status = run(`notebooks (headless, streamlab kernel${shots.length ? ", screenshots" : ""})`, process.execPath, [path.join(root, "scripts", "run-notebooks.js"), ...shots]);
  if (status === 3) {
    console.log("\n" + "!".repeat(78));
    console.log("!!! NOTEBOOKS WERE NOT EXECUTED: Jupyter is not installed on this machine.");
    console.log("!!! Install it with `sudo apt-get install -y jupyter-nbconvert python3-nbclient jupyter-client`,");
    console.log("!!! then `npm run setup` and `npm test` again.");
    console.log("!".repeat(78));
  } else results.push(["notebooks", status === 0]);
}

console.log("\n=== summary");
for (const [name, ok] of results) console.log(`${ok ? "ok    " : "FAILED"} ${name}`);
process.exit(results.every(([, ok]) => ok) ? 0 : 1);
