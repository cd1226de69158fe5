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
const run = (list, env = {}) =>
  spawnSync(process.execPath, ['--test', '--test-concurrency=2', ...process.argv.slice(2), ...list], {
    stdio: 'inherit',
    env: { ...process.env, ...env },
  }).status ?? 1;

// The whole suite on SQLite; then the server's end-to-end tests (the files that start servers through
// test/helpers.ts) again on each server database (test/test-store.ts).
const SERVER_STORES = ['postgres'];
const e2e = files.filter(
  (f) => f.startsWith(join('packages', 'server')) && /\b(startTestServer|spawnServer)\(/.test(readFileSync(f, 'utf8')),
);
let status = run(files);
for (const store of SERVER_STORES) {
  console.log(`\n# end-to-end tests again on WARBLER_TEST_STORE=${store} (${e2e.length} files)`);
  const storeStatus = run(e2e, { WARBLER_TEST_STORE: store });
  status ||= storeStatus;
}
process.exit(status);
