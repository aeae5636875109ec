import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

const root = path.resolve(__dirname, "../../..");
const read = (p: string) => fs.readFileSync(path.join(root, p), "utf8");

/** The two commands in the README's "Two commands" block. */
function readmeCommands(): { setup: string; test: string } {
  const block = /## Two commands[\s\S]*?```bash\n([\s\S]*?)```/.exec(read("README.md"));
  assert.ok(block, "README has a 'Two commands' code block");
  const lines = block[1]!.split("\n").map((l) => l.replace(/#.*$/, "").trim()).filter(Boolean);
  assert.equal(lines.length, 2, "exactly two commands");
  return { setup: lines[0]!, test: lines[1]! };
}

test("devcontainer.json parses and its commands match the README's", () => {
  const dc = JSON.parse(read(".devcontainer/devcontainer.json"));
  const { setup, test: testCmd } = readmeCommands();
  assert.equal(testCmd, "npm test");
  const install = setup.split("&&")[0]!.trim();
  assert.equal(install, "npm ci", "the README's set-up starts with npm ci");
  const postCreate = read(dc.postCreateCommand.replace(/^bash /, ""));
  assert.match(postCreate, new RegExp(`^${install}$`, "m"), "the devcontainer runs the README's install step on create");
  assert.ok(dc.forwardPorts.includes(8888));
  assert.ok(dc.customizations.vscode.extensions.includes("ms-toolsai.jupyter"));
  assert.match(dc.remoteEnv.DATABASE_URL, /^postgres:\/\//);
  const compose = read(`.devcontainer/${dc.dockerComposeFile}`);
  assert.match(compose, /image: postgres:15/);
  assert.match(compose, /typescript-node:1-20/);
});

test("the Jupyter packages named in the README are the ones CI and the devcontainer install", () => {
  const pkgs = ["jupyter-nbconvert", "python3-nbclient", "jupyter-client"];
  for (const f of ["README.md", ".ci/run", ".devcontainer/post-create.sh"]) {
    for (const p of pkgs) assert.ok(read(f).includes(p), `${f} names ${p}`);
  }
  assert.match(read(".ci/run"), /^npm test$/m, ".ci/run calls the README's test command");
});

test("notebooks are committed without outputs and use the streamlab kernel", () => {
  const dir = path.join(root, "notebooks");
  const notebooks = fs.readdirSync(dir).filter((f) => f.endsWith(".ipynb"));
  assert.ok(notebooks.length > 0);
  for (const f of notebooks) {
    const nb = JSON.parse(fs.readFileSync(path.join(dir, f), "utf8"));
    assert.equal(nb.metadata.kernelspec.name, "streamlab", f);
    for (const cell of nb.cells) {
      if (cell.cell_type === "code") assert.deepEqual(cell.outputs, [], `${f} has outputs committed`);
    }
  }
});
