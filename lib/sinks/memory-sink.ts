/**
 * The memory sink: a DuckDB table named after the query that notebooks can query with SQL
 * (`SELECT * FROM my_query`). Append adds each batch; complete replaces the table.
 */
import { sqlIdent } from "../duck";
import type { Sink, SinkContext, SinkResult } from "../stream/sink";

export class MemorySink implements Sink {
  private ctx!: SinkContext;
  private lastBatch = -1;

  constructor(readonly tableName?: string) {}

  get name(): string {
    return this.tableName ?? this.ctx.queryName;
  }

  get description(): string {
    return `MemorySink[${this.tableName ?? "queryName"}]`;
  }

  get identity(): string {
    return `memory:${this.tableName ?? ""}`;
  }

  async open(ctx: SinkContext): Promise<void> {
    this.ctx = ctx;
  }

  async addBatch(batchId: number, table: string): Promise<SinkResult> {
    const n = Number(await this.ctx.duck.value(`SELECT count(*) FROM ${table}`));
    if (batchId <= this.lastBatch) return { numOutputRows: 0, skipped: true };
    const t = sqlIdent(this.name);
    // A regular (not temporary) table, so every connection of the notebook's DuckDB sees it.
    if (this.ctx.outputMode === "complete" || batchId === 0) {
      await this.ctx.duck.run(`CREATE OR REPLACE TABLE ${t} AS SELECT * FROM ${table}`);
    } else {
      await this.ctx.duck.run(`CREATE TABLE IF NOT EXISTS ${t} AS SELECT * FROM ${table} LIMIT 0`);
      // Columns the stream gained (schema evolution) are added to the table; older rows get NULL.
      const have = new Set((await this.ctx.duck.describe(`SELECT * FROM ${t}`)).map((c) => c.name.toLowerCase()));
      for (const c of await this.ctx.duck.describe(`SELECT * FROM ${table}`)) {
        if (!have.has(c.name.toLowerCase())) await this.ctx.duck.run(`ALTER TABLE ${t} ADD COLUMN ${sqlIdent(c.name)} ${c.type}`);
      }
      await this.ctx.duck.run(`INSERT INTO ${t} BY NAME SELECT * FROM ${table}`);
    }
    this.lastBatch = batchId;
    return { numOutputRows: n };
  }

  async close(): Promise<void> {}
}
