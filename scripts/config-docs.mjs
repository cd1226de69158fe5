#!/usr/bin/env node
// Writes docs/config.md's generated tables (the settings and the renamed keys) from the settings schema
// (packages/server/src/config/). Run through `npm run docs:config`, which builds first.
// `--check` writes nothing and exits 1 when the file is not up to date.
import { readFileSync, writeFileSync } from 'node:fs';
import { CONFIG_SCHEMA, RENAMED } from '../packages/server/dist/src/config.js';
import { generatedBlocks, withBlocks } from '../packages/server/dist/src/config/docs-table.js';

const FILE = new URL('../docs/config.md', import.meta.url);
const doc = readFileSync(FILE, 'utf8');
const next = withBlocks(doc, generatedBlocks(CONFIG_SCHEMA, RENAMED));
if (process.argv.includes('--check')) {
  if (next !== doc) {
    console.error('docs/config.md is not up to date with the settings schema: run `npm run docs:config`');
    process.exit(1);
  }
} else if (next !== doc) {
  writeFileSync(FILE, next);
  console.log('docs/config.md: settings tables written');
} else console.log('docs/config.md: up to date');
