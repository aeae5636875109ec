import { test } from "node:test";
import assert from "node:assert/strict";
import { defineOptions, globToRegExp, normaliseOptions, parseBytes, type OptionsInput, type OptionsValues } from "../../lib/util/options";
import { expectCode } from "../helpers/tmp";

const table = defineOptions("test source", {
  maxFiles: { kind: "int", default: 10, doc: "files per batch" },
  minRows: { kind: "int", min: 0, doc: "rows" },
  size: { kind: "bytes", default: "1k", doc: "bytes" },
  wait: { kind: "duration", doc: "wait" },
  strict: { kind: "boolean", default: false, doc: "strict" },
  mode: { kind: "enum", values: ["PERMISSIVE", "FAILFAST"], default: "PERMISSIVE", doc: "mode" },
  sep: { kind: "string", default: ",", doc: "separator", check: (v) => (v.length === 1 ? undefined : "one character") },
  delimiter: { kind: "alias", of: "sep" },
  point: { kind: "custom", type: "x,y", doc: "a point", parse: (v) => String(v).split(",").map(Number) as [number, number] },
});

test("names: the prefix is optional, case is ignored, aliases land on their option", () => {
  assert.deepEqual(table.normalise({ "cloudFiles.maxFiles": 3 }).maxFiles, 3);
  assert.deepEqual(table.normalise({ "CLOUDFILES.MAXFILES": "4" }).maxFiles, 4);
  assert.deepEqual(table.normalise({ maxfiles: 5 }).maxFiles, 5);
  assert.equal(table.normalise({ delimiter: ";" }).sep, ";");
  assert.equal(table.normalise({ sep: ";", delimiter: ";" }).sep, ";", "both names, one value: fine");
  assert.equal("delimiter" in table.normalise({ delimiter: ";" }), false, "only canonical names come out");
});

test("kinds: strings from a command line become typed values; defaults fill the rest", () => {
  const o = table.normalise({ minRows: "0", size: "2mb", wait: "2s", strict: "TRUE", mode: "failfast", point: "1,2" });
  assert.deepEqual(o, { maxFiles: 10, minRows: 0, size: 2 * 1024 ** 2, wait: 2000, strict: true, mode: "FAILFAST", sep: ",", point: [1, 2] });
  assert.equal(table.normalise({ size: 1500 }).size, 1500);
  assert.equal(table.normalise({ wait: 250 }).wait, 250);
  assert.equal(table.normalise({ strict: false }).strict, false);
  assert.equal(table.normalise({}).size, 1024, "a default written as a size is parsed like a value");
});

test("bad values and unknown names are INVALID_OPTION naming the option and the value", async () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ maxFiles: 0 }, /maxFiles must be an integer ≥ 1, got 0/],
    [{ maxFiles: "1.5" }, /maxFiles .*"1\.5"/],
    [{ maxFiles: 2 ** 60 }, /maxFiles/],
    [{ minRows: -1 }, /minRows must be an integer ≥ 0/],
    [{ size: "lots" }, /size "lots" is not a size/],
    [{ size: 0 }, /size must be a positive number of bytes/],
    [{ size: 0.5 }, /size must be a positive number of bytes/],
    [{ size: "0kb" }, /size must be positive/],
    [{ size: true }, /size must be a size/],
    [{ wait: "soon" }, /wait "soon" is not a duration/],
    [{ wait: -5 }, /wait must be a non-negative/],
    [{ strict: "yes" }, /strict must be true or false, got "yes"/],
    [{ mode: "lenient" }, /mode must be one of PERMISSIVE, FAILFAST, got "lenient"/],
    [{ mode: {} }, /mode must be one of/],
    [{ sep: 1 }, /sep must be a string, got 1/],
    [{ sep: ";;" }, /sep must be one character, got ";;"/],
    [{ sep: ";", delimiter: "|" }, /sep and delimiter name the same option with different values/],
  ];
  for (const [raw, message] of cases) {
    const err = await expectCode(() => table.normalise(raw), "INVALID_OPTION");
    assert.match(err.message, message, JSON.stringify(raw));
  }
  const unknown = await expectCode(() => table.normalise({ "cloudFiles.maxFile": 1 }), "INVALID_OPTION");
  assert.match(unknown.message, /Unknown test source option "cloudFiles\.maxFile"\. Known options: delimiter, maxFiles, minRows, mode, point, sep, size, strict, wait\./);
  await expectCode(() => table.normalise({ "delta.maxFiles": 1 }), "INVALID_OPTION");
});

test("the untabled form keeps its behaviour (rate and Delta sources), with its own prefix", async () => {
  const specs = { maxFilesPerTrigger: { kind: "int" as const }, ignoreDeletes: { kind: "boolean" as const } };
  assert.deepEqual(normaliseOptions({ "delta.maxFilesPerTrigger": "2", IGNOREDELETES: "true", skipped: undefined }, specs, "Delta source", "delta."), { maxFilesPerTrigger: 2, ignoreDeletes: true });
  await expectCode(() => normaliseOptions({ "cloudFiles.maxFilesPerTrigger": 2 }, specs, "Delta source", "delta."), "INVALID_OPTION");
  assert.equal(parseBytes("1.5k", "x"), 1536);
});

test("help lists every option with its values and default", () => {
  const help = table.help().join("\n");
  for (const name of Object.keys(table.defs)) assert.match(help, new RegExp(`^  ${name}\\b`, "m"));
  assert.match(help, /mode=<PERMISSIVE\|FAILFAST>\n {6}mode \(default "PERMISSIVE"\)/);
  assert.match(help, /delimiter\n {6}another name for sep/);
});

// The types are derived from the table: this function is never called, the compiler checks it.
export function typeChecks(values: OptionsValues<typeof table.defs>): unknown[] {
  const input: OptionsInput<typeof table.defs> = { maxFiles: 1, size: "10mb", delimiter: ";", mode: "FAILFAST" };
  // @ts-expect-error not one of the enum's values
  const wrongMode: OptionsInput<typeof table.defs> = { mode: "LENIENT" };
  const required: [number, number, boolean, "PERMISSIVE" | "FAILFAST", string] = [values.maxFiles, values.size, values.strict, values.mode, values.sep];
  const optional: number | undefined = values.wait;
  // @ts-expect-error no default: may be absent
  const notRequired: number = values.wait;
  // @ts-expect-error aliases are input names only
  const alias = values.delimiter;
  return [input, wrongMode, required, optional, notRequired, alias];
}

test("globToRegExp: Hadoop's glob on file names, with escapes and alternatives; a broken glob is INVALID_OPTION", async () => {
  const matches = (glob: string, names: string[]) => names.filter((n) => globToRegExp(glob).test(n));
  const names = ["a.csv", "ab.csv", "a*.csv", "b1.csv", "[c].csv", "c.csv", "x.json", "a.csv.tmp"];
  assert.deepEqual(matches("*.csv", names), ["a.csv", "ab.csv", "a*.csv", "b1.csv", "[c].csv", "c.csv"]);
  assert.deepEqual(matches("a\\*.csv", names), ["a*.csv"]);
  assert.deepEqual(matches("\\[c].csv", names), ["[c].csv"]);
  assert.deepEqual(matches("[!a]?.csv", names), ["b1.csv"]);
  assert.deepEqual(matches("{a,b[0-9]}.csv", names), ["a.csv", "b1.csv"]);
  assert.deepEqual(matches("*.{csv,json}", names), ["a.csv", "ab.csv", "a*.csv", "b1.csv", "[c].csv", "c.csv", "x.json"]);
  assert.deepEqual(matches("a.c(sv|x)", ["a.csv", "a.c(sv|x)"]), ["a.c(sv|x)"], "regex characters are literal");
  const err = await expectCode(() => globToRegExp("[z-a]"), "INVALID_OPTION");
  assert.match(err.message, /pathGlobFilter "\[z-a\]" is not a valid glob/);
});
