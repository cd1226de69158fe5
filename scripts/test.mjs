#!/usr/bin/env node
// Runs every compiled test file (packages/*/dist/test/**/*.test.js) with node's test runner, then the
// server's end-to-end tests again on each server database.
// Arguments are passed on: `node scripts/test.mjs --test-name-pattern=sync`.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const files = [];
const walk = (dir) => {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p);
    else if (e.name.endsWith('.test.js')) files.push(p);
  }
};
for (const pkg of readdirSync('packages')) {
  const dir = join('packages', pkg, 'dist', 'test');
  if (existsSync(dir)) walk(dir);
}
files.sort();
if (files.length === 0) {
  console.error('no test files found: run `npm run build` first');
  process.exit(1);
}
const run = (testFiles, env = {}) =>
  spawnSync(process.execPath, ['--test', '--test-concurrency=2', ...process.argv.slice(2), ...testFiles], {
    stdio: 'inherit',
    env: { ...process.env, ...env },
  }).status ?? 1;

// The whole suite on SQLite, then the server's end-to-end tests (the files that start servers through
// test/helpers.ts) again on each server database named in WARBLER_TEST_SERVER_STORES (comma-separated:
// postgres, mysql; packages/server/test/test-store.ts). The store contract suites run once, each on its
// own store, in the whole suite. The end-to-end runs on a server database join the default once they
// are green on a quiet machine: not yet measured.
const KNOWN = ['postgres', 'mysql'];
const SERVER_STORES = (process.env.WARBLER_TEST_SERVER_STORES ?? '').split(',').filter((s) => s !== '');
for (const store of SERVER_STORES)
  if (!KNOWN.includes(store)) {
    console.error(`WARBLER_TEST_SERVER_STORES: ${store} is not one of ${KNOWN.join(', ')}`);
    process.exit(1);
  }
const e2e = files.filter(
  (f) => f.startsWith(join('packages', 'server')) && /\b(startTestServer|spawnServer)\(/.test(readFileSync(f, 'utf8')),
);
let status = run(files);
for (const store of SERVER_STORES) {
  console.log(`\n# end-to-end tests again with WARBLER_TEST_STORE=${store} (${e2e.length} files)`);
  status = run(e2e, { WARBLER_TEST_STORE: store }) || status;
}
process.exit(status);
