/** `streamlab run` (what `npm start` runs): the main job on embedded defaults. */
import type { Command } from "commander";
import { dataPath } from "../paths";
import { FileSimulator } from "../sim/index";
import { parseDuration } from "../util/duration";

export function registerRun(p: Command): void {
  p.command("run")
    .description("run the main job: the e-commerce event simulator into data/raw/events/")
    .option("--duration <d>", "how long to run (e.g. 20s, 5m)", "60s")
    .option("--forever", "run until Ctrl-C")
    .option("--rate <filesPerSecond>", "files per second", "2")
    .action(async (opts: { duration: string; forever?: boolean; rate: string }) => {
      const durationMs = opts.forever ? undefined : parseDuration(opts.duration, "--duration");
      const sim = new FileSimulator({
        dir: dataPath("raw", "events"),
        filesPerSecond: Number(opts.rate),
        rowsPerFile: 50,
        duration: durationMs,
        seed: Date.now() % 1_000_000,
        malformedRatio: 0.01,
        duplicateRatio: 0.02,
        lateRatio: 0.03,
      });
      let shown = 0;
      const timer = setInterval(() => {
        for (const m of sim.manifests.slice(shown)) console.log(`${m.name}  ${m.rows} rows  ${m.bytes} bytes`);
        shown = sim.manifests.length;
      }, 250);
      process.once("SIGINT", () => void sim.stop());
      sim.start();
      const stats = await sim.done;
      clearInterval(timer);
      for (const m of sim.manifests.slice(shown)) console.log(`${m.name}  ${m.rows} rows  ${m.bytes} bytes`);
      console.log(`wrote ${stats.files} files, ${stats.rows} rows (${stats.malformed} malformed lines, ${stats.duplicates} duplicates, ${stats.late} late) into ${sim.dir}`);
    });
}
