/** The console sink: prints each batch as a table under its batch id, as Spark's does. */
import { tableData, tableText } from "../viz/table";
import type { Sink, SinkContext, SinkResult } from "../stream/sink";

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
    const data = await tableData(`SELECT * FROM ${table}`, { duck: this.ctx.duck, limit: this.options.numRows ?? 20 });
    const n = data.totalRows ?? 0;
    const text = tableText(data);
    const line = "-".repeat(43);
    (this.options.print ?? console.log)(`${line}\nBatch: ${batchId}\n${line}\n${text}\n`);
    return { numOutputRows: n };
  }

  async close(): Promise<void> {}
}
