/** `streamlab delta …`: inspect Delta tables from a terminal. */
import * as path from "node:path";
import type { Command } from "commander";
import { runConformance } from "../delta/conformance";
import { projectRoot } from "../paths";

export function registerDelta(p: Command): void {
  const delta = p.command("delta").description("read, inspect and check Delta tables");
  delta
    .command("conformance")
    .argument("[dir]", "folder of conformance cases", path.join(projectRoot(), "..", "shared", "conformance", "delta"))
    .description("run every Delta conformance case in DIR")
    .action(async (dir: string) => {
      const { failed } = await runConformance(path.resolve(dir));
      process.exitCode = failed > 0 ? 1 : 0;
    });
}
