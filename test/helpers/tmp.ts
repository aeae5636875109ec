/** Temporary folders for tests: real files, removed when the test ends. */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { TestContext } from "node:test";

export function tmpDir(t: TestContext | { after(fn: () => void): void }, prefix = "streamlab-test-"): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Asserts that `fn` throws (or rejects with) a StreamlabError of `code`; returns it. */
export async function expectCode(fn: () => unknown, code: string): Promise<Error & { code: string }> {
  try {
    await fn();
  } catch (e) {
    const err = e as Error & { code?: string };
    if (err.code !== code) throw new Error(`expected error code ${code}, got ${err.code ?? "none"}: ${err.message}`);
    return err as Error & { code: string };
  }
  throw new Error(`expected an error with code ${code}, but nothing was thrown`);
}
