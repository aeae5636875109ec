// Loaded by the streamlab Jupyter kernel (NODE_OPTIONS=--require) before tslab starts:
// when a file under lib/ is newer than the last build, rebuild, so restarting the kernel
// is all it takes to pick up a change to the library.
"use strict";
if (!process.env.STREAMLAB_PREBUILD) {
  process.env.STREAMLAB_PREBUILD = "done"; // children (tsc itself, workers) skip this
  const fs = require("node:fs");
  const path = require("node:path");
  const root = process.env.STREAMLAB_ROOT || path.resolve(__dirname, "..");
  const stamp = path.join(root, "dist", ".tsbuildinfo");
  const built = fs.existsSync(stamp) ? fs.statSync(stamp).mtimeMs : 0;
  const newest = (dir) => {
    let t = 0;
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      t = Math.max(t, e.isDirectory() ? newest(p) : e.name.endsWith(".ts") ? fs.statSync(p).mtimeMs : 0);
    }
    return t;
  };
  try {
    if (newest(path.join(root, "lib")) > built) {
      require("node:child_process").execFileSync(process.execPath, [path.join(root, "node_modules", "typescript", "bin", "tsc"), "-b", path.join(root, "tsconfig.json")], {
        stdio: ["ignore", "inherit", "inherit"],
      });
    }
  } catch (e) {
    console.error(`[streamlab] rebuilding lib/ failed; the kernel uses the last good build: ${e.message}`);
  }
}
