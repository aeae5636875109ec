/** The file source reading real files robustly: odd names, bad files, huge lines and headers, files still being written, options that cannot work. */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { readStream } from "../../lib/api/read-stream";
import { expectCode, tmpDir } from "../helpers/tmp";

function landing(t: Parameters<typeof tmpDir>[0], files: Record<string, string | Buffer> = {}): { dir: string; landing: string } {
  const dir = tmpDir(t);
  const land = path.join(dir, "landing");
  fs.mkdirSync(land);
  for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(land, name), content);
  return { dir, landing: land };
}

test("options that cannot work are INVALID_OPTION naming the option and the value, when the query is defined", async (t) => {
  const { dir, landing: land } = landing(t, { "a.csv": "id,v\n1,a\n" });
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ pathGlobFilter: "[z-a]" }, /pathGlobFilter.*"\[z-a\]"/],
    [{ sep: "" }, /sep.*""/],
    [{ sep: "abcde" }, /sep.*"abcde"/],
    [{ sep: "\n" }, /sep/],
    [{ sep: '"' }, /sep.*quote/],
    [{ sep: "'" }, /sep "'" .*quote/],
    [{ sep: "'", quote: "'" }, /sep.*quote/],
    [{ sep: ";", escape: ";" }, /sep.*escape/],
    [{ delimiter: "" }, /sep.*""/],
    [{ quote: "ab" }, /quote.*"ab"/],
    [{ quote: "é" }, /quote.*"é"/],
    [{ escape: "\\\\" }, /escape/],
    [{ maxBytesPerTrigger: 0 }, /maxBytesPerTrigger/],
    [{ maxBytesPerTrigger: "-1" }, /maxBytesPerTrigger/],
    [{ rescuedDataColumn: "id", schema: "id INT, v STRING" }, /rescuedDataColumn.*"id"/],
    [{ badRecordsPath: path.join(land, "errors") }, /badRecordsPath/],
  ];
  for (const [opts, message] of cases) {
    const err = await expectCode(() => readStream.files(land, { format: "csv", ...opts }), "INVALID_OPTION");
    assert.match(err.message, message, JSON.stringify(opts));
  }
  // What stays allowed: no quoting at all, multi-byte separators, globs with escapes and alternatives.
  for (const opts of [{ quote: "" }, { sep: ";;" }, { sep: "\t" }, { pathGlobFilter: "a\\*.csv" }, { pathGlobFilter: "{a,b[0-9]}.csv" }]) readStream.files(land, { format: "csv", ...opts });
  assert.ok(fs.existsSync(dir));
});
