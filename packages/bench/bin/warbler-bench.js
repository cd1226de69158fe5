#!/usr/bin/env node
// The `warbler-bench` command. A committed launcher, so that npm links the bin on a fresh clone before the
// build exists (npm skips a bin whose file is missing, and npx then looks on the public registry).
// The root's `prepare` script builds on `npm install`; this only runs the compiled CLI.
import { existsSync } from 'node:fs';

const cli = new URL('../dist/src/cli.js', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write('warbler-bench: not built yet: run `npm run build` in the repository (npm install does it too)\n');
  process.exit(1);
}
await import(cli.href);
