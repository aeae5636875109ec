/**
 * Auto Loader's schema location: the source's schema as numbered versions (`_schemas/0`,
 * `_schemas/1`, …), so a restarted query reads with the schema it last had, and every evolution
 * is recorded with its reason.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { StructType } from "../delta/schema";
import { writeFileAtomic } from "../util/atomic-file";

export interface SchemaVersion {
  version: number;
  schema: StructType;
  /** Why this version exists: "inferred", "declared", or "added columns a, b". */
  reason: string;
  createdAt: string;
}

export class SchemaLog {
  readonly dir: string;
  constructor(schemaLocation: string) {
    this.dir = path.join(path.resolve(schemaLocation), "_schemas");
  }

  versions(): number[] {
    if (!fs.existsSync(this.dir)) return [];
    return fs.readdirSync(this.dir).filter((f) => /^\d+$/.test(f)).map(Number).sort((a, b) => a - b);
  }

  latest(): SchemaVersion | undefined {
    const v = this.versions().at(-1);
    return v === undefined ? undefined : this.get(v);
  }

  get(version: number): SchemaVersion {
    const [, json] = fs.readFileSync(path.join(this.dir, String(version)), "utf8").split("\n");
    const j = JSON.parse(json!) as { dataSchemaJson: string; reason: string; createdAt: string };
    return { version, schema: JSON.parse(j.dataSchemaJson) as StructType, reason: j.reason, createdAt: j.createdAt };
  }

  add(schema: StructType, reason: string): SchemaVersion {
    fs.mkdirSync(this.dir, { recursive: true });
    const version = (this.versions().at(-1) ?? -1) + 1;
    const createdAt = new Date().toISOString();
    writeFileAtomic(path.join(this.dir, String(version)), `v1\n${JSON.stringify({ dataSchemaJson: JSON.stringify(schema), partitionSchemaJson: '{"type":"struct","fields":[]}', reason, createdAt })}`);
    return { version, schema, reason, createdAt };
  }
}
