/**
 * startup: how soon the command line answers, as a user launches it — each run a fresh process.
 * `streamlab --help` against Node's own start (`node -e 0`), in the same run; and a 1-file ingest
 * (`streamlab ingest DIR TABLE --trigger availableNow`): launch → its first Delta commit, read from
 * the commit's own timestamp (commitInfo.timestamp), and launch → exit.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Duck, sqlString } from "../lib/duck";
import { EVENTS_SCHEMA } from "../lib/sim/schemas";
import { atMost, eventsSql, figure, median, runNode, type BenchResult } from "./util";

const RUNS = 7;
const CLI = path.join(__dirname, "..", "lib", "cli", "index.js");

export async function startupBench(): Promise<BenchResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "streamlab-bench-startup-"));
  const duck = await Duck.open();
  try {
    const landing = path.join(dir, "landing");
    fs.mkdirSync(landing);
    await duck.run(`COPY (${eventsSql(100, 0)}) TO ${sqlString(path.join(landing, "events-0.csv"))} (HEADER)`);
    const node: number[] = [];
    const help: number[] = [];
    const firstCommit: number[] = [];
    const exit: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      node.push(runNode(["-e", "0"]).ms);
      help.push(runNode([CLI, "--help"]).ms);
      const table = path.join(dir, `table-${run}`);
      const r = runNode([CLI, "ingest", landing, table, "--format", "csv", "--schema", EVENTS_SCHEMA, "--trigger", "availableNow", "--checkpoint", path.join(dir, `ck-${run}`)]);
      const commit = fs.readFileSync(path.join(table, "_delta_log", "00000000000000000000.json"), "utf8");
      const info = commit.split("\n").map((l) => JSON.parse(l || "{}") as { commitInfo?: { timestamp: number } }).find((a) => a.commitInfo)?.commitInfo;
      if (!info) throw new Error(`the first commit of ${table} has no commitInfo`);
      firstCommit.push(info.timestamp - r.launchedAt);
      exit.push(r.ms);
    }
    const n = median(node);
    const h = median(help);
    const c = median(firstCommit);
    console.log(`each a fresh process, median of ${RUNS}:`);
    console.log(`  node -e 0: ${n.toFixed(0)} ms; streamlab --help: ${h.toFixed(0)} ms → ${(h - n).toFixed(0)} ms after Node's own start (target ≤ 150 ms)`);
    console.log(`  streamlab ingest of 1 file (availableNow): first Delta commit ${c.toFixed(0)} ms after launch (target ≤ 300 ms), process done after ${median(exit).toFixed(0)} ms`);
    return {
      name: "startup",
      metrics: [
        atMost("streamlab --help, beyond Node's own start", h - n, "ms", 150),
        figure("node -e 0", n, "ms"),
        atMost("1-file ingest: launch → first Delta commit", c, "ms", 300),
        figure("1-file ingest: launch → exit", median(exit), "ms"),
      ],
    };
  } finally {
    duck.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
