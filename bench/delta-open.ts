/**
 * delta-open: time to open a table with 10,000 commits and a checkpoint every 10 commits, and a
 * scan's planning (metadata) time; baseline: replaying the same version from commit 0 without
 * checkpoints. Opening must read only the newest checkpoint and the commits after it.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Duck, sqlString } from "../lib/duck";
import { writeCheckpoint } from "../lib/delta/checkpoint-writer";
import { listLog, logSegment } from "../lib/delta/log-segment";
import { planScan } from "../lib/delta/scan";
import { Snapshot } from "../lib/delta/snapshot";
import { atLeast, figure, median, time, type BenchResult } from "./util";

const COMMITS = 10_000;
const FILES = 1_000;
const INTERVAL = 10;

export async function deltaOpen(): Promise<BenchResult> {
  const duck = await Duck.open();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "streamlab-bench-open-"));
  try {
    const build = await time(async () => {
      // 1,000 small data files written by DuckDB in one statement (one per bucket directory).
      await duck.run(`COPY (SELECT range AS id, range % ${FILES} AS bucket FROM range(${FILES * 10})) TO ${sqlString(path.join(root, "data"))} (FORMAT parquet, PARTITION_BY (bucket))`);
      fs.mkdirSync(path.join(root, "_delta_log"));
      const schema = JSON.stringify({ type: "struct", fields: [{ name: "id", type: "long", nullable: true, metadata: {} }] });
      const add = (i: number) => ({ path: `data/bucket=${i % FILES}/data_0.parquet`, partitionValues: {}, size: 600, modificationTime: i, dataChange: true, stats: '{"numRecords":10}' });
      for (let v = 0; v < COMMITS; v++) {
        const actions: object[] = [{ commitInfo: { timestamp: 1_700_000_000_000 + v, operation: v < FILES ? "WRITE" : "OPTIMIZE" } }];
        if (v === 0) actions.push({ protocol: { minReaderVersion: 1, minWriterVersion: 2 } }, { metaData: { id: "bench", format: { provider: "parquet", options: {} }, schemaString: schema, partitionColumns: [], configuration: {}, createdTime: 0 } });
        // First every file is added once; then each commit rewrites one file (remove + re-add), as compaction does.
        if (v >= FILES) actions.push({ remove: { path: add(v).path, deletionTimestamp: v, dataChange: false } });
        actions.push({ add: add(v) }, { txn: { appId: "bench", version: v } });
        fs.writeFileSync(path.join(root, "_delta_log", `${String(v).padStart(20, "0")}.json`), actions.map((a) => JSON.stringify(a)).join("\n") + "\n");
        if (v > 0 && v % INTERVAL === 0) {
          // Each checkpoint is built from the previous one plus the commits since, as a writer would.
          await writeCheckpoint(await Snapshot.load(root, { duck }), duck);
        }
      }
    });
    console.log(`built a table with ${COMMITS} commits, ${COMMITS / INTERVAL - 1} checkpoints and ${FILES} active files in ${(build.ms / 1000).toFixed(1)} s`);

    const opens: number[] = [];
    let snap: Snapshot | undefined;
    for (let i = 0; i < 7; i++) {
      const r = await time(() => Snapshot.load(root, { duck }));
      opens.push(r.ms);
      snap = r.value;
    }
    const seg = snap!.segment;
    console.log(`open (latest version ${snap!.version}): median ${median(opens).toFixed(1)} ms; read the checkpoint at version ${seg.checkpoint?.version} and ${seg.commits.length} commits after it (${seg.commits.map((c) => c.version).join(", ")})`);

    const plans: number[] = [];
    for (let i = 0; i < 5; i++) {
      const scan = await planScan(snap!, duck);
      plans.push(scan.metrics.planningMs);
      await scan.close();
    }
    const scan = await planScan(snap!, duck);
    const rows = await scan.count();
    await scan.close();
    console.log(`scan planning (metadata) for ${snap!.files.length} files: median ${median(plans).toFixed(1)} ms; the scan returns ${rows} rows`);

    const listing = listLog(root);
    const replays: number[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await time(() => Snapshot.fromSegment(logSegment(listing, undefined, listing.checkpoints), duck));
      replays.push(r.ms);
    }
    console.log(`baseline, full replay of ${COMMITS} commits without checkpoints: median ${median(replays).toFixed(1)} ms`);
    console.log(`ratio: opening with checkpoints is ${(median(replays) / median(opens)).toFixed(1)}x faster than a full replay`);
    return {
      name: "delta-open",
      metrics: [
        figure(`open a table of ${COMMITS} commits (checkpoints every ${INTERVAL}), median`, median(opens), "ms"),
        figure(`scan planning for ${snap!.files.length} files, median`, median(plans), "ms"),
        figure("baseline: full replay without checkpoints, median", median(replays), "ms"),
        atLeast("full replay / open with checkpoints", median(replays) / median(opens), "×", 1),
      ],
    };
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
    duck.close();
  }
}
