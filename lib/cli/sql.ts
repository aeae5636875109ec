/**
 * `streamlab sql "SELECT …"` and `streamlab db` (`npm run db`): the main job's database after the
 * job — DATABASE_URL, or the embedded PGlite under data/pglite, started when no process serves it.
 */
import type { Command } from "commander";
import { StreamlabError, messageOf } from "../errors";

export interface SqlResult {
  /** The table as text, or the command tag (`INSERT 0 3`) for a statement without rows. */
  text: string;
  rowCount: number;
  /** Where the query ran (never a password). */
  source: string;
}

/** Runs one SQL statement against the job's database and renders its answer. */
export async function runSql(sql: string, o: { limit?: number } = {}): Promise<SqlResult> {
  if (!sql.trim()) throw new StreamlabError("INVALID_ARGUMENT", "streamlab sql needs a statement, e.g. streamlab sql \"SELECT count(*) FROM user_events\".");
  const { openDatabase, connect, closeClient } = await import("../api/postgres.js");
  const { tableText } = await import("../viz/table.js");
  const db = await openDatabase();
  try {
    const client = await connect(db.connectionString);
    try {
      let r;
      try {
        r = await client.query({ text: sql, rowMode: "array" });
      } catch (e) {
        throw new StreamlabError("POSTGRES_ERROR", `The statement failed: ${messageOf(e)}.`, { hint: "Check the table and column names: \\d in psql, or SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'.", cause: e });
      }
      const result = Array.isArray(r) ? r[r.length - 1]! : r; // several statements: the last one's answer
      if (!result.fields || result.fields.length === 0) return { text: `${result.command} ${result.rowCount ?? ""}`.trim(), rowCount: result.rowCount ?? 0, source: db.source };
      // Rows as arrays, so that two columns of one name (count, count) both show.
      const names = result.fields.map((f: { name: string }, i: number) => (result.fields.findIndex((g: { name: string }) => g.name === f.name) === i ? f.name : `${f.name}_${i + 1}`));
      const limit = o.limit ?? 100;
      const rows = (result.rows as unknown[][]).slice(0, limit).map((row) => Object.fromEntries(names.map((n: string, i: number) => [n, row[i]])));
      const text = tableText({ columns: names.map((name: string) => ({ name, type: "" })), rows, totalRows: result.rows.length });
      return { text: `${text}\n(${result.rows.length} row${result.rows.length === 1 ? "" : "s"})`, rowCount: result.rows.length, source: db.source };
    } finally {
      await closeClient(client);
    }
  } finally {
    await db.embedded?.stop();
  }
}

export function registerSql(p: Command): void {
  p.command("sql")
    .argument("<statement>", "one SQL statement, quoted")
    .description("run a SQL statement against the main job's PostgreSQL (DATABASE_URL or the embedded PGlite, started when needed) and print the answer")
    .option("--limit <n>", "most rows printed", "100")
    .action(async (statement: string, o: { limit: string }) => {
      const limit = Number(o.limit);
      if (!(Number.isInteger(limit) && limit > 0)) throw new StreamlabError("INVALID_OPTION", `--limit must be a positive integer, got "${o.limit}".`);
      const r = await runSql(statement, { limit });
      console.log(r.text);
    });

  p.command("db")
    .description("serve the embedded PostgreSQL (data/pglite) until Ctrl-C, for psql and other clients")
    .option("--port <port>", "the port to serve on (default 54329, or a free one)")
    .action(async (o: { port?: string }) => {
      const { connectionFromEnv, describeConnection, servedEmbeddedPostgres, startEmbeddedPostgres } = await import("../api/postgres.js");
      const url = connectionFromEnv();
      if (url) {
        console.log(`DATABASE_URL is set: the job uses that server, there is no embedded database to serve.\npsql "${describeConnection(url)}"`);
        return;
      }
      const served = servedEmbeddedPostgres();
      if (served) {
        console.log(`The embedded database is already served by a running process (npm start or npm run db):\npsql ${served}`);
        return;
      }
      const port = o.port === undefined ? undefined : Number(o.port);
      if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port < 65536)) throw new StreamlabError("INVALID_OPTION", `--port must be a port number, got "${o.port}".`);
      const pg = await startEmbeddedPostgres({ port });
      console.log(`Serving the embedded PostgreSQL (data in ${pg.dataDir}). Connect with:\npsql ${pg.connectionString}\nCtrl-C stops it.`);
      await new Promise<void>((resolve) => {
        process.once("SIGINT", () => resolve());
        process.once("SIGTERM", () => resolve());
      });
      await pg.stop();
      console.log("stopped.");
    });
}
