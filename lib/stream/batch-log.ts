/** A folder of small files named by batch id: the shape of every log in a checkpoint. */
import * as fs from "node:fs";
import * as path from "node:path";
import { writeFileAtomic } from "../util/atomic-file";

export class BatchLog {
  constructor(readonly dir: string) {
    fs.mkdirSync(dir, { recursive: true });
  }

  batchIds(): number[] {
    return fs
      .readdirSync(this.dir)
      .filter((f) => /^\d+$/.test(f))
      .map(Number)
      .sort((a, b) => a - b);
  }

  latest(): number | undefined {
    return this.batchIds().at(-1);
  }

  has(batchId: number): boolean {
    return fs.existsSync(path.join(this.dir, String(batchId)));
  }

  read(batchId: number): string | undefined {
    const f = path.join(this.dir, String(batchId));
    return fs.existsSync(f) ? fs.readFileSync(f, "utf8") : undefined;
  }

  write(batchId: number, text: string): void {
    writeFileAtomic(path.join(this.dir, String(batchId)), text);
  }

  /** Removes entries after `batchId` (an uncommitted batch planned differently). */
  purgeAfter(batchId: number): void {
    for (const id of this.batchIds()) if (id > batchId) fs.rmSync(path.join(this.dir, String(id)), { force: true });
  }
}

