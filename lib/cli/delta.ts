/** `streamlab delta …`: inspect Delta tables from a terminal. */
import type { Command } from "commander";

export function registerDelta(p: Command): void {
  p.command("delta").description("inspect Delta tables");
}
