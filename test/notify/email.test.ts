import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { SMTPServer } from "smtp-server";
import { Duck } from "../../lib/duck";
import { DeltaTable } from "../../lib/delta/table";
import { main as emailSummary } from "../../scripts/email-summary";
import { runUsersFeed } from "../../lib/cli/users";
import { tmpDir } from "../helpers/tmp";

async function usersTable(dir: string): Promise<string> {
  const table = path.join(dir, "users");
  const cycles = await runUsersFeed({ every: "150ms", timeZone: "Europe/Paris", rows: 4, cycles: 3, table, checkpoint: path.join(dir, "ck"), outbox: path.join(dir, "outbox"), print: () => {} });
  assert.equal(cycles, 3);
  return table;
}

test("the users feed appends on its schedule, never replacing rows, with a time-zone-aware ingested_at and a summary per cycle", async (t) => {
  const dir = tmpDir(t);
  const table = await usersTable(dir);
  const duck = await Duck.open();
  const rows = await DeltaTable.forPath(table, duck).toRows<{ name: string; email: string; ingested_at: string; ingested_at_utc: Date }>();
  assert.equal(rows.length, 12);
  for (const r of rows) {
    assert.match(r.ingested_at, /[+-]0[12]:00$/, "Paris is UTC+1 or +2");
    assert.equal(Date.parse(r.ingested_at), r.ingested_at_utc.getTime(), "the same instant as UTC");
    assert.match(r.email, /@/);
  }
  const h = DeltaTable.forPath(table, duck).history();
  assert.deepEqual(h.map((x) => x.operation), ["STREAMING UPDATE", "STREAMING UPDATE", "STREAMING UPDATE"]);
  assert.equal(fs.readdirSync(path.join(dir, "outbox")).filter((f) => f.endsWith(".html")).length, 3);
  duck.close();
});

test("email summary: sent to a real SMTP server, with the versions table in the HTML; dry run writes a valid .eml", async (t) => {
  const dir = tmpDir(t);
  const table = await usersTable(dir);
  const received: string[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    onData(stream, _session, cb) {
      let data = "";
      stream.on("data", (d: Buffer) => (data += d.toString()));
      stream.on("end", () => {
        received.push(data);
        cb();
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  const port = (server.server.address() as { port: number }).port;
  const env = { ...process.env };
  Object.assign(process.env, { SMTP_HOST: "127.0.0.1", SMTP_PORT: String(port), SMTP_SECURE: "false", MAIL_FROM: "lab@example.test", MAIL_TO: "team@example.test" });
  t.after(() => {
    for (const k of ["SMTP_HOST", "SMTP_PORT", "SMTP_SECURE", "MAIL_FROM", "MAIL_TO"]) {
      if (env[k] === undefined) delete process.env[k];
      else process.env[k] = env[k];
    }
  });
  assert.equal(await emailSummary(["node", "email-summary", "--table", table, "--since-version", "0"]), 0);
  assert.equal(received.length, 1);
  const msg = received[0]!;
  assert.match(msg, /^From: lab@example\.test/m);
  assert.match(msg, /^To: team@example\.test/m);
  assert.match(msg, /^Subject: \[Streamlab\] users: 2 new versions, 8 rows added, 12 in total/m);
  assert.match(msg, /Content-Type: text\/html/);
  const html = msg.replace(/=\r?\n/g, "").replace(/=3D/g, "=");
  assert.match(html, /<td>1<\/td><td>[^<]+<\/td><td>STREAMING UPDATE<\/td><td>4<\/td>/);

  // An SMTP failure is a clear error and a non-zero exit.
  process.env.SMTP_PORT = "1";
  assert.equal(await emailSummary(["node", "email-summary", "--table", table]), 1);

  // Dry run: an .eml with headers and both parts, and the .html beside it.
  const outbox = path.join(dir, "dry");
  assert.equal(await emailSummary(["node", "email-summary", "--table", table, "--dry-run", "--outbox", outbox]), 0);
  const eml = fs.readdirSync(outbox).find((f) => f.endsWith(".eml"))!;
  const text = fs.readFileSync(path.join(outbox, eml), "utf8");
  assert.match(text, /^Content-Type: multipart\/alternative;\s+boundary=/m);
  assert.match(text, /^Subject: \[Streamlab\] users/m);
  assert.match(text, /^Date: /m);
  assert.match(text, /^MIME-Version: 1\.0$/m);
  assert.ok(fs.existsSync(path.join(outbox, eml.replace(/\.eml$/, ".html"))));
});
