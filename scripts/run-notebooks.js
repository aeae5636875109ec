#!/usr/bin/env node
// `npm run notebooks [-- [--screenshots] NAME...]`: executes every notebook (or those named)
// headless with the streamlab kernel; executed HTML and .ipynb copies go to data/reports/. Then
// every chart output must be in its report as a drawing, and with --screenshots (Chromium) each
// report is photographed to data/reports/NAME.png and every chart region must show coloured marks.
// Exit 1 names the notebook and cell (or chart) that failed; exit 3 when Jupyter is not installed.
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const { spawnSync } = require("node:child_process");
const { checkReport, checkScreenshot, findChromium } = require("./report-check");

const root = path.resolve(__dirname, "..");

/** A Python that has nbclient and nbconvert (Debian's, not necessarily the first on PATH). */
function findPython() {
  for (const py of ["/usr/bin/python3", "python3"]) {
    const r = spawnSync(py, ["-c", "import nbclient, nbconvert"], { encoding: "utf8" });
    if (r.status === 0) return py;
  }
  return undefined;
}

/** True when the "streamlab" kernel is registered and is the launcher kind (see scripts/kernel-launcher.js). */
function kernelRegistered() {
  for (const j of ["jupyter", "/usr/bin/jupyter"]) {
    const r = spawnSync(j, ["kernelspec", "list", "--json"], { encoding: "utf8" });
    if (r.status !== 0) continue;
    const spec = JSON.parse(r.stdout).kernelspecs?.streamlab;
    // An older kernelspec names one clone's tslab, which may be gone: re-register it.
    const launcher = spec?.spec?.argv?.find((a) => a.endsWith("launch.js"));
    return Boolean(launcher && fs.existsSync(launcher));
  }
  return false;
}

/** Checks the reports of the notebooks just run; returns the number that fail. */
async function checkReports(outdir, notebooks, screenshots) {
  const chromium = screenshots ? findChromium() : undefined;
  if (screenshots && !chromium) console.log("NOTE --screenshots: Chromium is not installed (apt-get install chromium); no screenshots taken.");
  let failed = 0;
  for (const nbPath of notebooks) {
    const stem = path.basename(nbPath, ".ipynb");
    const executed = path.join(outdir, `${stem}.ipynb`);
    const html = path.join(outdir, `${stem}.html`);
    if (!fs.existsSync(executed) || !fs.existsSync(html)) continue;
    const problems = checkReport(JSON.parse(fs.readFileSync(executed, "utf8")), fs.readFileSync(html, "utf8"));
    let shot = "";
    if (chromium && problems.length === 0) {
      try {
        const r = await checkScreenshot(html, path.join(outdir, `${stem}.png`), { chromium });
        problems.push(...r.problems);
        shot = `, screenshot ${path.join(outdir, `${stem}.png`)} (${r.charts.length} chart region(s) not blank)`;
      } catch (e) {
        problems.push(`screenshot failed: ${e.message}`);
      }
    }
    if (problems.length > 0) {
      failed++;
      console.log(`FAIL report ${html}: ${problems.join("; ")}`);
    } else console.log(`ok   report ${html}: every chart drawn${shot}`);
  }
  return failed;
}

async function main() {
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
  const args = process.argv.slice(2);
  const screenshots = args.includes("--screenshots");
  const wanted = args.filter((a) => !a.startsWith("--"));
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
  const outdir = path.join("data", "reports");
  const r = spawnSync(py, [path.join(root, "scripts", "run_notebooks.py"), outdir, ...notebooks], { cwd: root, stdio: "inherit" });
  const badReports = await checkReports(path.join(root, outdir), notebooks, screenshots);
  if (badReports > 0) console.log(`${badReports} report(s) do not show their charts.`);
  process.exit(r.status !== 0 ? (r.status ?? 1) : badReports > 0 ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
