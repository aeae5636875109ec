import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

const root = path.resolve(__dirname, "../../..");

/** The source text of every .ts / .js file under the given folders of the project. */
function sources(...dirs: string[]): string {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(ts|js)$/.test(e.name) && !e.name.endsWith(".d.ts")) out.push(fs.readFileSync(p, "utf8"));
    }
  };
  for (const d of dirs) if (fs.existsSync(path.join(root, d))) walk(path.join(root, d));
  return out.join("\n");
}

/** True when the code names the package as a module: import … from "x", import("x"), require("x"), "x/sub". */
const uses = (code: string, pkg: string) => new RegExp(`["']${pkg.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}(/[^"']*)?["']`).test(code);

test("every dependency is imported by the code that ships, every devDependency by something", () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
  const shipped = sources("lib", "scripts", "bench");
  const all = shipped + sources("test");
  for (const dep of Object.keys(pkg.dependencies)) {
    assert.ok(uses(shipped, dep), `dependency ${dep} is imported nowhere in lib/, scripts/ or bench/: drop it${uses(all, dep) ? " (tests use it: make it a devDependency)" : ""}`);
  }
  for (const dep of Object.keys(pkg.devDependencies)) {
    if (dep === "typescript") continue; // the build itself
    const target = dep.startsWith("@types/") ? dep.slice("@types/".length).replace(/^(.+)__(.+)$/, "@$1/$2") : dep;
    assert.ok(target === "node" || uses(all, target), `devDependency ${dep} serves nothing the project imports`);
  }
});
