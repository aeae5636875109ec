import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { SMTPServer } from "smtp-server";
import { Duck } from "../../lib/duck";
import { DeltaTable } from "../../lib/delta/table";
import { main as emailSummary } from "../../scripts/email-summary";
import { runUsersFeed } from "../../lib/pipeline/users-feed";
import { expectCode, tmpDir } from "../helpers/tmp";

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
  const received = await smtpServer(t);
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

/** A real SMTP server on a free port, with SMTP_* / MAIL_* pointing at it until the test ends. */
async function smtpServer(t: import("node:test").TestContext): Promise<string[]> {
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
  const port = (server.server.address() as { port: number }).port;
  const saved = { ...process.env };
  Object.assign(process.env, { SMTP_HOST: "127.0.0.1", SMTP_PORT: String(port), SMTP_SECURE: "false", MAIL_FROM: "lab@example.test", MAIL_TO: "team@example.test" });
  t.after(async () => {
    for (const k of ["SMTP_HOST", "SMTP_PORT", "SMTP_SECURE", "MAIL_FROM", "MAIL_TO"]) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
    await new Promise<void>((r) => server.close(() => r()));
  });
  return received;
}

/** The HTML part of a received message, quoted-printable undone. */
const htmlOf = (msg: string) => msg.replace(/=\r?\n/g, "").replace(/=3D/g, "=");

test("users --email: the summary of each cycle is mailed through the e-mail script's delivery, times in --tz", async (t) => {
  const received = await smtpServer(t);
  const dir = tmpDir(t);
  const lines: string[] = [];
  const table = path.join(dir, "users");
  const n = await runUsersFeed({ every: "150ms", timeZone: "Asia/Kolkata", rows: 3, cycles: 2, email: true, table, checkpoint: path.join(dir, "ck"), outbox: path.join(dir, "outbox"), print: (l) => lines.push(l) });
  assert.equal(n, 2);
  assert.equal(received.length, 2, "one e-mail per cycle");
  assert.match(received[0]!, /^Subject: \[Streamlab\] users: 1 new version, 3 rows added, 3 in total/m);
  assert.match(received[1]!, /^Subject: \[Streamlab\] users: 1 new version, 3 rows added, 6 in total/m);
  const html = htmlOf(received[1]!);
  assert.match(html, /<th>timestamp \(Asia\/Kolkata\)<\/th>/);
  // The commit time of version 1, as the table's history has it, shown at +05:30.
  const v1 = DeltaTable.forPath(table).history().find((h) => h.version === 1)!;
  const local = new Date(v1.timestamp.getTime() + 330 * 60_000).toISOString().slice(0, 23);
  assert.ok(html.includes(`<td>1</td><td>${local}+05:30</td>`), html.slice(0, 800));
  assert.equal(lines.filter((l) => /^e-mail: sent "\[Streamlab\] users/.test(l)).length, 2, lines.join("\n"));
  assert.ok(lines.some((l) => / \d\d:\d\d:\d\d Asia\/Kolkata\)$/.test(l)), "the cycle line shows the time in --tz");
  assert.ok(!fs.existsSync(path.join(dir, "outbox")), "sent, not written to the outbox");
});

test("users --email without SMTP (or with --dry-run) writes an .eml per cycle; a mail failure does not stop the feed", async (t) => {
  const dir = tmpDir(t);
  const saved = process.env.SMTP_HOST;
  delete process.env.SMTP_HOST;
  t.after(() => (saved === undefined ? delete process.env.SMTP_HOST : (process.env.SMTP_HOST = saved)));
  const lines: string[] = [];
  const base = { every: "150ms", timeZone: "UTC", rows: 2, email: true, table: path.join(dir, "users"), checkpoint: path.join(dir, "ck"), outbox: path.join(dir, "outbox"), print: (l: string) => lines.push(l) };
  await runUsersFeed({ ...base, cycles: 2 });
  const emls = fs.readdirSync(path.join(dir, "outbox")).filter((f) => f.endsWith(".eml"));
  assert.equal(emls.length, 2);
  assert.match(fs.readFileSync(path.join(dir, "outbox", emls[0]!), "utf8"), /^Subject: \[Streamlab\] users/m);
  assert.equal(lines.filter((l) => l.startsWith("e-mail: SMTP_HOST is not set: wrote ")).length, 2);
  // SMTP configured but unreachable: each cycle still commits, and says the mail failed.
  process.env.SMTP_HOST = "127.0.0.1";
  const port = process.env.SMTP_PORT;
  const to = process.env.MAIL_TO;
  process.env.SMTP_PORT = "1";
  process.env.MAIL_TO = "team@example.test";
  t.after(() => {
    if (port === undefined) delete process.env.SMTP_PORT;
    else process.env.SMTP_PORT = port;
    if (to === undefined) delete process.env.MAIL_TO;
    else process.env.MAIL_TO = to;
  });
  lines.length = 0;
  assert.equal(await runUsersFeed({ ...base, cycles: 1 }), 1);
  assert.ok(lines.some((l) => l.startsWith("e-mail failed: [SMTP_ERROR]")), lines.join("\n"));
  assert.equal(await DeltaTable.forPath(base.table).count(), 6, "the third cycle committed all the same");
  lines.length = 0;
  await runUsersFeed({ ...base, cycles: 1, dryRun: true });
  assert.ok(lines.some((l) => l.startsWith("e-mail: dry run: wrote ")), lines.join("\n"));
});

test("users --cron runs one cycle per tick of a croner schedule, on the feed's checkpoint", async (t) => {
  const dir = tmpDir(t);
  const lines: string[] = [];
  const started = Date.now();
  const table = path.join(dir, "users");
  // Six fields: every second.
  const n = await runUsersFeed({ every: "5m", cron: "* * * * * *", timeZone: "Europe/Paris", rows: 2, cycles: 3, table, checkpoint: path.join(dir, "ck"), outbox: path.join(dir, "outbox"), print: (l) => lines.push(l) });
  assert.equal(n, 3);
  assert.ok(Date.now() - started >= 1500, "cycles wait for their ticks");
  assert.match(lines[0]!, /^schedule "\* \* \* \* \* \*" \(Europe\/Paris\); next cycle \d{4}-\d\d-\d\d \d\d:\d\d:\d\d Europe\/Paris$/);
  assert.equal(await DeltaTable.forPath(table).count(), 6);
  const history = DeltaTable.forPath(table).history();
  assert.equal(history.length, 3);
  const commits = history.map((h) => h.timestamp.getTime()).sort();
  assert.ok(commits[2]! - commits[0]! >= 1500, "three ticks, a second apart");
  await expectCode(() => runUsersFeed({ every: "5m", cron: "every five minutes", timeZone: "UTC", rows: 1, table, checkpoint: path.join(dir, "ck") }), "INVALID_OPTION");
});
