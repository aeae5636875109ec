/** `npm run bench [-- NAME ...]`: benchmarks that print ratios against baselines measured in the same run. */
import { deltaOpen } from "./delta-open";
import { deltaWrite } from "./delta-write";
import { streamBench } from "./stream";
import { postgresBench } from "./postgres";
import { stateBench } from "./state";
import { scanBench } from "./scan";
import { medallionBench } from "./medallion";

const BENCHES: Record<string, () => Promise<void>> = { "delta-open": deltaOpen, "delta-write": deltaWrite, stream: streamBench, postgres: postgresBench, state: stateBench, scan: scanBench, medallion: medallionBench };

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((w) => !BENCHES[w]);
  if (unknown.length) {
    console.error(`Unknown benchmark ${unknown.join(", ")}. Available: ${Object.keys(BENCHES).join(", ")}.`);
    process.exit(2);
  }
  for (const name of wanted.length ? wanted : Object.keys(BENCHES)) {
    console.log(`\n=== bench ${name}`);
    await BENCHES[name]!();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
