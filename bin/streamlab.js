#!/usr/bin/env node
// `npx streamlab …`: the compiled CLI (npm ci builds it).
require("../dist/lib/cli/index.js").program().parseAsync(process.argv).catch(require("../dist/lib/cli/index.js").fail);
