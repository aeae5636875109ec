import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { FILE_SOURCE_OPTIONS } from "../../lib/sources/file-source-options";

const root = path.resolve(__dirname, "../../..");

test("streamlab ingest --help lists every file source option from the one table, with its default", () => {
  const r = spawnSync(process.execPath, [path.join(root, "bin", "streamlab.js"), "ingest", "--help"], { cwd: root, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  for (const [name, def] of Object.entries(FILE_SOURCE_OPTIONS.defs as Record<string, { default?: unknown }>)) {
    assert.match(r.stdout, new RegExp(`^  ${name.replaceAll(".", "\\.")}\\b`, "m"), name);
    if (def.default !== undefined) assert.ok(r.stdout.includes(`(default ${typeof def.default === "string" ? JSON.stringify(def.default) : String(def.default)})`), name);
  }
  assert.match(r.stdout, /--max-files-per-trigger <n>\s+at most this many new files per batch\s+\(default\s+1000\)/);
});

test("defaults come from the table: an empty options object gets them all", () => {
  const o = FILE_SOURCE_OPTIONS.normalise({});
  assert.equal(o.format, "csv");
  assert.equal(o.maxFilesPerTrigger, 1000);
  assert.equal(o.sep, ",");
  assert.equal(o.mode, "PERMISSIVE");
  assert.equal(o["schemaInference.sampleSize.numBytes"], 50 * 1024 ** 3);
  assert.equal(FILE_SOURCE_OPTIONS.normalise({ "cloudFiles.sampleSize": "7" })["schemaInference.sampleSize.numFiles"], 7);
});
