/** PostgreSQL connections (lib/sinks/postgres): passwords kept out of messages, timeouts, the embedded database's lock. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { describeConnection, redact } from "../../lib/sinks/postgres";

test("redact hides the whole password, whatever characters it holds", () => {
  const cases: [string, string, string][] = [
    // [input, expected, the password that must not appear]
    ["postgres://u:p@ss@db.example.com:5432/app", "postgres://u:***@db.example.com:5432/app", "p@ss"],
    ["postgres://u:p:ss@host/db", "postgres://u:***@host/db", "p:ss"],
    ["postgres://u:p/ss@host/db", "postgres://u:***@host/db", "p/ss"],
    ["postgres://u:p%40ss@host/db", "postgres://u:***@host/db", "p%40ss"],
    ["postgresql://admin:s3cr@t/x?y#z@host:6543/db?sslmode=require", "postgresql://admin:***@host:6543/db?sslmode=require", "s3cr@t/x?y#z"],
    ["POSTGRES://u:a b@host/db", "POSTGRES://u:***@host/db", "a b"],
    ["postgres://u@host/db", "postgres://u@host/db", ""],
    ["postgres://host:5432/db", "postgres://host:5432/db", ""],
  ];
  for (const [input, expected, password] of cases) {
    const out = redact(input);
    assert.equal(out, expected, input);
    if (password) assert.ok(!out.includes(password), `${input} → ${out}`);
    assert.equal(describeConnection(input), expected);
  }
  // Quoted inside a message: the URL runs to the next space.
  const msg = redact("could not reach postgres://u:p@ss:w/rd@host/db: ECONNREFUSED");
  assert.equal(msg, "could not reach postgres://u:***@host/db: ECONNREFUSED");
});

test("redact hides password= in key/value connection strings and URL parameters", () => {
  const cases: [string, string, string][] = [
    // [input, the password, a part that stays readable]
    ["host=h user=u password=p@ss:w/rd dbname=d", "p@ss:w/rd", " dbname=d"],
    ["host=h password='it\\'s a secret' dbname=d", "it\\'s a secret", " dbname=d"],
    ["host=h PASSWORD = hunter2 dbname=d", "hunter2", " dbname=d"],
    ["postgres://h/db?user=u&password=p%40ss&sslmode=require", "p%40ss", "&sslmode=require"],
  ];
  for (const [input, password, kept] of cases) {
    const out = redact(input);
    assert.ok(!out.includes(password) && !out.includes("secret") && !out.includes("hunter"), `${input} → ${out}`);
    assert.match(out, /password\s*=\s*\*\*\*/i, out);
    assert.ok(out.includes(kept), `the rest stays readable: ${out}`);
  }
  assert.equal(redact("host=h password=x&sslmode=require"), "host=h password=***&sslmode=require");
});
