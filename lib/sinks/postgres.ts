/**
 * PostgreSQL connections for Streamlab: from DATABASE_URL or the standard PG* variables, with
 * passwords kept out of every message; and the embedded default — PGlite, stored under
 * data/pglite and served on a local port through pglite-socket, so the same `pg` code runs
 * against it and a user can connect with psql.
 */
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import pg from "pg";
import { StreamlabError, messageOf } from "../errors";
import { dataPath } from "../util/paths";
import { acquireLock } from "../util/process-lock";

/** The user:password part of a URL's remainder (after "scheme://") with the password replaced by "***". */
function hideUrlPassword(rest: string): string {
  // The userinfo ends at the LAST "@": a password may hold "@", ":", "/", "?" or "#" unescaped. URL
  // parsing (WHATWG, as pg does) ends the authority at the first "/", "?" or "#" and would print the
  // tail of such a password as the host, so it is not used here. An "@" in the query string hides
  // the host as well: too much rather than too little.
  const at = rest.lastIndexOf("@");
  if (at < 0) return rest;
  const colon = rest.slice(0, at).indexOf(":");
  return colon < 0 ? rest : `${rest.slice(0, colon)}:***${rest.slice(at)}`;
}

/**
 * A connection string, or a message quoting one, with every password replaced by "***": the
 * password of postgres:// URLs (any characters) and `password=` in key/value strings and URL
 * parameters (quoted values with escapes included).
 */
export function redact(text: string): string {
  // A connection string given alone runs to its end (pg accepts spaces in it); one quoted in a
  // message runs to the next whitespace.
  const urls = /^\s*postgres(?:ql)?:\/\//i.test(text) ? /(postgres(?:ql)?:\/\/)([\s\S]*)/i : /(postgres(?:ql)?:\/\/)(\S*)/gi;
  return text
    .replace(urls, (_, scheme: string, rest: string) => scheme + hideUrlPassword(rest))
    .replace(/(password\s*=\s*)(?:'(?:[^'\\]|\\.)*'?|[^\s&]*)/gi, "$1***");
}

/** A printable description of where `pg` connects: host, port, database and user, never the password. */
export function describeConnection(connectionString?: string): string {
  if (connectionString) return redact(connectionString);
  const e = process.env;
  return `postgres://${e.PGUSER ?? process.env.USER ?? "postgres"}@${e.PGHOST ?? "localhost"}:${e.PGPORT ?? "5432"}/${e.PGDATABASE ?? e.PGUSER ?? "postgres"}`;
}

/** Connection settings: DATABASE_URL if set, else libpq's PG* variables (pg reads them itself). */
export function connectionFromEnv(): string | undefined {
  return process.env.DATABASE_URL || undefined;
}

export interface ConnectOptions {
  /** How long connecting (TCP, TLS, start-up) may take, ms; 0 waits forever. Default 10 s. */
  connectTimeoutMs?: number;
  /** How long the client waits for the answer to one statement, ms; 0 waits forever. Default 60 s. */
  queryTimeoutMs?: number;
}

export const CONNECT_DEFAULTS: Required<ConnectOptions> = { connectTimeoutMs: 10_000, queryTimeoutMs: 60_000 };

/** Seconds for messages: "10 s", "0.5 s". */
export function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}

/**
 * A connected client, or POSTGRES_TIMEOUT when the server does not complete the connection within
 * connectTimeoutMs (a server that accepts and never answers would otherwise hang for ever), or
 * POSTGRES_ERROR. Statements time out after queryTimeoutMs (pg's query_timeout).
 */
export async function connect(connectionString?: string, options: ConnectOptions = {}): Promise<pg.Client> {
  const connectTimeoutMs = options.connectTimeoutMs ?? CONNECT_DEFAULTS.connectTimeoutMs;
  const queryTimeoutMs = options.queryTimeoutMs ?? CONNECT_DEFAULTS.queryTimeoutMs;
  const client = new pg.Client({ ...(connectionString ? { connectionString } : {}), connectionTimeoutMillis: connectTimeoutMs, ...(queryTimeoutMs > 0 ? { query_timeout: queryTimeoutMs } : {}) });
  const where = describeConnection(connectionString);
  try {
    await client.connect();
  } catch (e) {
    // pg destroys the socket itself when connectionTimeoutMillis expires, with this message.
    if (connectTimeoutMs > 0 && /timeout expired|connection timeout/i.test(messageOf(e))) {
      throw new StreamlabError("POSTGRES_TIMEOUT", `PostgreSQL at ${where} did not complete the connection within ${seconds(connectTimeoutMs)} (connectTimeoutMs).`, {
        hint: "Check that a PostgreSQL server (not another service) listens there and answers: a stopped VM or a firewall that drops packets can accept connections and stay silent. On a slow network, raise connectTimeoutMs.",
        cause: e,
      });
    }
    throw new StreamlabError("POSTGRES_ERROR", `Cannot connect to PostgreSQL at ${where}: ${redact(messageOf(e))}.`, {
      hint: "Check that the server runs and DATABASE_URL (or PGHOST, PGPORT, PGUSER, PGDATABASE) is right; without DATABASE_URL `npm start` uses the embedded PGlite.",
      cause: e,
    });
  }
  client.on("error", () => {}); // a dropped connection surfaces on the next query
  return client;
}

/**
 * Ends a client and lets go of its socket, whatever state it is in: an open socket keeps the
 * process alive. pg's end() waits for the server to close the connection, so a server that no
 * longer answers gets `waitMs`, then the socket is destroyed.
 */
export async function closeClient(client: pg.Client, waitMs = 2000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const ended = client.end().then(() => true, () => true);
  const gaveUp = new Promise<boolean>((r) => (timer = setTimeout(() => r(false), waitMs)));
  if (!(await Promise.race([ended, gaveUp]))) (client as unknown as { connection?: { stream?: net.Socket } }).connection?.stream?.destroy();
  clearTimeout(timer);
}

/** The identifier pattern for table and column names handed to the sink. */
const IDENT = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** Validates a (schema-qualified) table or column name and returns it quoted; anything else is refused. */
export function quoteName(name: string, what = "name"): string {
  const parts = String(name).split(".");
  if (parts.length > 2 || !parts.every((p) => IDENT.test(p))) {
    throw new StreamlabError("INVALID_OPTION", `${JSON.stringify(name)} is not an acceptable PostgreSQL ${what}.`, {
      hint: "Use letters, digits and underscores (starting with a letter or underscore), optionally schema.table.",
    });
  }
  return parts.map((p) => `"${p}"`).join(".");
}

export interface EmbeddedPostgres {
  connectionString: string;
  port: number;
  dataDir: string;
  stop(): Promise<void>;
}

/** The file in the PGlite folder naming the port its current holder serves it on. */
const SERVED_FILE = ".served.json";

/** The connection string of the process serving an embedded database folder now, if one does. */
export function servedEmbeddedPostgres(dataDir = dataPath("pglite")): string | undefined {
  try {
    const s = JSON.parse(fs.readFileSync(path.join(path.resolve(dataDir), SERVED_FILE), "utf8")) as { connectionString: string; pid: number };
    if (s.pid === process.pid) return s.connectionString;
    process.kill(s.pid, 0); // throws when the process is gone (killed without stop())
    return s.connectionString;
  } catch {
    return undefined;
  }
}

/**
 * The database `streamlab sql` and `npm run db` talk to: DATABASE_URL when set; else the embedded
 * PGlite under data/pglite — served by the process that holds it (a running `npm start` or
 * `npm run db`), or started here (`embedded` is then set: stop it when done).
 */
export async function openDatabase(options: { dataDir?: string; port?: number } = {}): Promise<{ connectionString: string; embedded?: EmbeddedPostgres; source: string }> {
  const url = connectionFromEnv();
  if (url) return { connectionString: url, source: `DATABASE_URL (${describeConnection(url)})` };
  const dataDir = path.resolve(options.dataDir ?? dataPath("pglite"));
  const served = servedEmbeddedPostgres(dataDir);
  if (served) return { connectionString: served, source: `the embedded PGlite in ${dataDir}, served by a running process` };
  const embedded = await startEmbeddedPostgres({ dataDir, port: options.port });
  return { connectionString: embedded.connectionString, embedded, source: `the embedded PGlite in ${dataDir}` };
}

async function freePort(preferred: number): Promise<number> {
  const tryPort = (p: number) =>
    new Promise<number>((resolve, reject) => {
      const srv = net.createServer();
      srv.once("error", reject);
      srv.listen(p, "127.0.0.1", () => {
        const port = (srv.address() as net.AddressInfo).port;
        srv.close(() => resolve(port));
      });
    });
  try {
    return await tryPort(preferred);
  } catch {
    return tryPort(0);
  }
}

/**
 * Starts PGlite with its data in `dataDir` (default data/pglite) and serves it on 127.0.0.1
 * (port 54329, or a free one) for `pg` and psql. The folder is locked until stop(): PGlite has no
 * postmaster.pid of its own, and two processes writing one data folder corrupt it (duplicate keys
 * past a UNIQUE index). A second process is refused with PATH_IN_USE naming the holder.
 */
export async function startEmbeddedPostgres(options: { dataDir?: string; port?: number } = {}): Promise<EmbeddedPostgres> {
  const dataDir = path.resolve(options.dataDir ?? dataPath("pglite"));
  const lock = acquireLock(dataDir, {
    purpose: "embedded PostgreSQL (PGlite)",
    what: "The embedded database folder",
    code: "PATH_IN_USE",
    hint: "PGlite allows one process per data folder: stop the other process first (for `npm start`, Ctrl-C in its terminal), or use another dataDir (another STREAMLAB_ROOT, or DATABASE_URL for a server).",
  });
  try {
    // Both packages are ES modules: load them with import().
    const { PGlite } = await import("@electric-sql/pglite");
    const { PGLiteSocketServer } = await import("@electric-sql/pglite-socket");
    const db = await PGlite.create(dataDir);
    try {
      const port = await freePort(options.port ?? 54329);
      const server = new PGLiteSocketServer({ db, port, host: "127.0.0.1", maxConnections: 16 });
      await server.start();
      const connectionString = `postgres://postgres@127.0.0.1:${port}/postgres`;
      // Where this process serves the folder: `streamlab sql` run meanwhile connects here instead of failing on the lock.
      const served = path.join(dataDir, SERVED_FILE);
      fs.writeFileSync(served, JSON.stringify({ connectionString, pid: process.pid, since: new Date().toISOString() }));
      return {
        connectionString,
        port,
        dataDir,
        async stop() {
          try {
            fs.rmSync(served, { force: true });
            await server.stop();
            await db.close();
          } finally {
            lock.release();
          }
        },
      };
    } catch (e) {
      await db.close().catch(() => {});
      throw e;
    }
  } catch (e) {
    lock.release();
    throw e;
  }
}
