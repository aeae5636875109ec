/** The console sink: prints each batch as a table under its batch id, as Spark's does. */
import { tableText } from "../viz/table";
import type { Sink, SinkContext, SinkResult } from "./sink";

export interface ConsoleSinkOptions {
  /** Rows shown per batch. Default 20. */
  numRows?: number;
  /** Where to print; default console.log. */
  print?: (text: string) => void;
}

export class ConsoleSink implements Sink {
  private ctx!: SinkContext;
  constructor(readonly options: ConsoleSinkOptions = {}) {}

  get description(): string {
    return "ConsoleSink";
  }

  get identity(): string {
    return "console";
  }

  async open(ctx: SinkContext): Promise<void> {
    this.ctx = ctx;
  }

  async addBatch(batchId: number, table: string): Promise<SinkResult> {
    const limit = this.options.numRows ?? 20;
    const reader = await this.ctx.duck.read(`SELECT * FROM ${table} LIMIT ${limit}`);
    const n = Number(await this.ctx.duck.value(`SELECT count(*) FROM ${table}`));
    const names = reader.columnNames();
    const types = reader.columnTypes().map((t) => t.toString());
    const text = tableText({ columns: names.map((c, i) => ({ name: c, type: types[i]! })), rows: reader.getRowObjectsJS(), totalRows: n });
    const line = "-".repeat(43);
    (this.options.print ?? console.log)(`${line}\nBatch: ${batchId}\n${line}\n${text}\n`);
    return { numOutputRows: n };
  }

  async close(): Promise<void> {}
}
