/**
 * Auto Loader's schema location: the source's schema as numbered versions (`_schemas/0`,
 * `_schemas/1`, …), so a restarted query reads with the schema it last had, and every evolution
 * is recorded with its reason. Versions are created put-if-absent and checked when read.
 */
import * as path from "node:path";
import type { StructType } from "../delta/schema";
import { BatchLog } from "../stream/batch-log";

export interface SchemaVersion {
  version: number;
  schema: StructType;
  /** Why this version exists: "inferred", "declared", or "added columns a, b". */
  reason: string;
  createdAt: string;
}

export class SchemaLog extends BatchLog {
  constructor(schemaLocation: string) {
    super(path.join(path.resolve(schemaLocation), "_schemas"), { log: "schema log", unit: "schema version" });
  }

  versions(): number[] {
    return this.batchIds();
  }

  latest(): SchemaVersion | undefined {
    const v = this.versions().at(-1);
    return v === undefined ? undefined : this.get(v);
  }

  get(version: number): SchemaVersion {
    const text = this.read(version);
    if (text === undefined) throw this.corrupt(version, "is missing");
    const [v1, json] = text.split("\n");
    if (v1 !== "v1") throw this.corrupt(version, text === "" ? "is empty" : 'does not start with the version line "v1"');
    const j = this.json(version, json, "schema") as { dataSchemaJson?: unknown; reason?: unknown; createdAt?: unknown } | null;
    if (!j || typeof j.dataSchemaJson !== "string") throw this.corrupt(version, "has no dataSchemaJson");
    let schema: StructType;
    try {
      schema = JSON.parse(j.dataSchemaJson) as StructType;
    } catch (e) {
      throw this.corrupt(version, `has a dataSchemaJson that is not JSON (${(e as Error).message})`);
    }
    if (!schema || schema.type !== "struct" || !Array.isArray(schema.fields)) throw this.corrupt(version, "has a dataSchemaJson that is not a struct schema");
    return { version, schema, reason: String(j.reason ?? ""), createdAt: String(j.createdAt ?? "") };
  }

  add(schema: StructType, reason: string): SchemaVersion {
    const version = (this.versions().at(-1) ?? -1) + 1;
    const createdAt = new Date().toISOString();
    this.create(version, `v1\n${JSON.stringify({ dataSchemaJson: JSON.stringify(schema), partitionSchemaJson: '{"type":"struct","fields":[]}', reason, createdAt })}`);
    return { version, schema, reason, createdAt };
  }
}
