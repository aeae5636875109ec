/** PostgreSQL targets for sink tests: the real server (127.0.0.1:5432, database test) and embedded PGlite, plus a TCP proxy to cut the connection and servers that never answer. */
import * as crypto from "node:crypto";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import * as fs from "node:fs";
import pg from "pg";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "../../lib/sinks/postgres";

export const REAL_PG_URL = process.env.STREAMLAB_TEST_PG ?? "postgres://postgres@127.0.0.1:5432/test";

export async function realPgAvailable(): Promise<boolean> {
  const c = new pg.Client({ connectionString: REAL_PG_URL, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    await c.end();
    return true;
  } catch {
    return false;
  }
}

/** A fresh schema on the real server; the returned URL has it as search_path. */
export async function realPgSchema(): Promise<{ url: string; drop(): Promise<void> }> {
  const schema = `t_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
  const c = new pg.Client({ connectionString: REAL_PG_URL });
  await c.connect();
  await c.query(`CREATE SCHEMA ${schema}`);
  await c.end();
  const url = `${REAL_PG_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  return {
    url,
    async drop() {
      const d = new pg.Client({ connectionString: REAL_PG_URL });
      await d.connect();
      await d.query(`DROP SCHEMA ${schema} CASCADE`);
      await d.end();
    },
  };
}

export async function embedded(): Promise<EmbeddedPostgres> {
  return startEmbeddedPostgres({ dataDir: fs.mkdtempSync(path.join(os.tmpdir(), "streamlab-pglite-")), port: 0 });
}

/** A TCP proxy in front of a server: stop() drops every connection and refuses new ones; start() serves again on the same port. */
export class FlakyProxy {
  private server?: net.Server;
  private readonly sockets = new Set<net.Socket>();
  port = 0;
  constructor(readonly targetPort: number) {}

  async start(): Promise<void> {
    this.server = net.createServer((client) => {
      const upstream = net.connect(this.targetPort, "127.0.0.1");
      this.sockets.add(client).add(upstream);
      client.pipe(upstream).pipe(client);
      const drop = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on("error", drop).on("close", drop);
      upstream.on("error", drop).on("close", drop);
    });
    await new Promise<void>((r) => this.server!.listen(this.port, "127.0.0.1", () => r()));
    this.port = (this.server!.address() as net.AddressInfo).port;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    await new Promise<void>((r) => this.server?.close(() => r()) ?? r());
  }
}

/**
 * A server that accepts TCP connections and then never answers: "silent" says nothing at all (a
 * hung server, or a firewall that swallows packets); "startup" completes PostgreSQL's start-up
 * (AuthenticationOk, ReadyForQuery) and then never answers a query.
 */
export class SilentServer {
  private server?: net.Server;
  private readonly sockets = new Set<net.Socket>();
  port = 0;
  constructor(readonly mode: "silent" | "startup") {}

  async start(): Promise<void> {
    this.server = net.createServer((socket) => {
      this.sockets.add(socket);
      socket.on("error", () => {}).on("close", () => this.sockets.delete(socket));
      if (this.mode === "startup") {
        socket.once("data", () => {
          const authOk = Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 0]); // 'R', length 8, AuthenticationOk
          const ready = Buffer.from([0x5a, 0, 0, 0, 5, 0x49]); // 'Z', length 5, idle
          socket.write(Buffer.concat([authOk, ready]));
        });
      }
    });
    await new Promise<void>((r) => this.server!.listen(0, "127.0.0.1", () => r()));
    this.port = (this.server!.address() as net.AddressInfo).port;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server?.close(() => r()) ?? r());
  }
}

export async function query<T = Record<string, unknown>>(url: string, sql: string): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(sql)).rows as T[];
  } finally {
    await c.end();
  }
}

/** A port on 127.0.0.1 where nothing listens: connections are refused. */
export async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", () => r()));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}
