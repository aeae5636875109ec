/**
 * scan: a table of 2,000 small files, as a long-running stream leaves it (one append per batch),
 * read with `streamlab delta scan --limit 1` (the command a user types, in a child process) against
 * DuckDB's own read_parquet over the same active files with LIMIT 1 (also a fresh process running
 * one query), in the same run. Also: the first rows of a filtered scan, in the library.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Duck, sqlString } from "../lib/duck";
import { writeDelta } from "../lib/delta/write";
import { DeltaTable } from "../lib/delta/table";
import type { Snapshot } from "../lib/delta/snapshot";
import { atMost, figure, median, runNode, time, type BenchResult } from "./util";

const FILES = 2000;
const ROWS_PER_FILE = 500;
const RUNS = 5;

export async function scanBench(): Promise<BenchResult> {
  const duck = await Duck.open();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "streamlab-bench-scan-"));
  try {
    const table = path.join(dir, "table");
    let snapshot: Snapshot | undefined;
    const built = await time(async () => {
      for (let i = 0; i < FILES; i++) {
        const r = await writeDelta(table, `SELECT ${i * ROWS_PER_FILE} + range AS id, md5(range::VARCHAR) AS s, (range % 100) / 3.0 AS x FROM range(${ROWS_PER_FILE})`, { duck, snapshot, cleanLeftovers: i === 0 });
        snapshot = r.snapshot;
      }
    });
    const snap = await DeltaTable.forPath(table, duck).snapshot();
    const list = `[${snap.files.map((a) => sqlString(snap.filePath(a))).join(", ")}]`;
    const listFile = path.join(dir, "files.sql");
    fs.writeFileSync(listFile, list);
    const cli = path.join(__dirname, "..", "lib", "cli", "index.js");
    const duckScript = `const {DuckDBInstance}=require(${JSON.stringify(require.resolve("@duckdb/node-api"))});(async()=>{const c=await (await DuckDBInstance.create(":memory:")).connect();const r=await c.runAndReadAll("SELECT * FROM read_parquet(" + require("fs").readFileSync(${JSON.stringify(listFile)},"utf8") + ") LIMIT 1");if(r.getRows().length!==1)process.exit(3)})()`;
    const ours: number[] = [];
    const theirs: number[] = [];
    const node: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      node.push(runNode(["-e", "0"]).ms);
      theirs.push(runNode(["-e", duckScript]).ms);
      ours.push(runNode([cli, "delta", "scan", table, "--limit", "1"]).ms);
    }
    const o = median(ours);
    const d = median(theirs);
    console.log(`${snap.files.length} files of ${ROWS_PER_FILE} rows (built by ${FILES} appends in ${(built.ms / 1000).toFixed(1)} s), each side a fresh process, median of ${RUNS}:`);
    console.log(`  streamlab delta scan --limit 1: ${o.toFixed(0)} ms`);
    console.log(`  DuckDB read_parquet(active files) LIMIT 1: ${d.toFixed(0)} ms   (node alone: ${median(node).toFixed(0)} ms)`);
    console.log(`  ratio: ours / DuckDB's = ${(o / d).toFixed(2)} (target ≤ 1.5)`);

    const lib = await time(async () => {
      await using scan = await DeltaTable.forPath(table, duck).scan({ filter: "x > 10" });
      return scan.rows(5);
    });
    console.log(`  in the library, first 5 rows of a filtered scan (x > 10): ${lib.ms.toFixed(0)} ms`);
    return {
      name: "scan",
      metrics: [
        atMost(`delta scan --limit 1 (${snap.files.length} files) / DuckDB read_parquet LIMIT 1`, o / d, "×", 1.5),
        figure("streamlab delta scan --limit 1", o, "ms"),
        figure("DuckDB read_parquet LIMIT 1", d, "ms"),
        figure("library: first 5 rows of a filtered scan", lib.ms, "ms"),
      ],
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    duck.close();
  }
}
