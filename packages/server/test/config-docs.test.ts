import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { USAGE } from '../src/cli/usage.js';
import { CONFIG_KEYS, DEFAULTS, envName } from '../src/config.js';

// Compiled to packages/server/dist/test/, four levels below the repository root.
const ROOT = new URL('../../../../', import.meta.url);
const DOC = readFileSync(fileURLToPath(new URL('docs/config.md', ROOT)), 'utf8');

const HEADER = ['key', 'env', 'default', 'meaning'];

interface Row {
  key: string;
  env: string;
  default: string;
}

/** The lines of the `## heading` section, up to the next `## ` heading. */
function section(doc: string, heading: string): string[] {
  const lines = doc.split(/\r?\n/);
  const start = lines.findIndex((l) => l.trim() === `## ${heading}`);
  if (start < 0) throw new Error(`docs/config.md has no "## ${heading}" heading`);
  const rest = lines.slice(start + 1);
  const end = rest.findIndex((l) => /^## /.test(l));
  return end < 0 ? rest : rest.slice(0, end);
}

function cells(line: string): string[] {
  return line
    .trim()
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split('|')
    .map((c) => c.trim());
}

function unquote(cell: string, what: string): string {
  const m = /^`([^`]*)`$/.exec(cell);
  assert.ok(m, `${what} must be one code span in backticks, got ${JSON.stringify(cell)}`);
  return m[1]!;
}

/** The settings table: the table whose header row is `| key | env | default | meaning |`. */
function settingsTable(doc: string): Row[] {
  const lines = doc.split(/\r?\n/);
  const at = lines.findIndex((l) => l.trim().startsWith('|') && cells(l).join('|') === HEADER.join('|'));
  assert.ok(at >= 0, 'docs/config.md has no table with the header | key | env | default | meaning |');
  assert.match(lines[at + 1] ?? '', /^\s*\|(\s*:?-{3,}:?\s*\|)+\s*$/, 'separator row of the settings table');
  const rows: Row[] = [];
  for (const line of lines.slice(at + 2)) {
    if (!line.trim().startsWith('|')) break;
    const c = cells(line);
    assert.equal(c.length, HEADER.length, `row "${line}" has ${c.length} cells, not ${HEADER.length}`);
    const key = unquote(c[0]!, 'the key cell');
    rows.push({ key, env: unquote(c[1]!, `the env cell of ${key}`), default: unquote(c[2]!, `the default cell of ${key}`) });
  }
  return rows;
}

function defaultOf(key: string): unknown {
  return key.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], DEFAULTS);
}

/** Everything that differs between the documented rows and CONFIG_KEYS / envName / DEFAULTS. */
function drift(rows: Row[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const row of rows) {
    if (seen.has(row.key)) problems.push(`\`${row.key}\` is documented twice`);
    seen.add(row.key);
    if (!CONFIG_KEYS.includes(row.key)) {
      problems.push(`\`${row.key}\` is documented but is not a setting`);
      continue;
    }
    if (row.env !== envName(row.key)) problems.push(`\`${row.key}\`: docs say env ${row.env}, envName gives ${envName(row.key)}`);
    const want = JSON.stringify(defaultOf(row.key));
    let got: string;
    try {
      got = JSON.stringify(JSON.parse(row.default));
    } catch {
      problems.push(`\`${row.key}\`: default ${row.default} is not JSON`);
      continue;
    }
    if (got !== want) problems.push(`\`${row.key}\`: docs say default ${row.default}, DEFAULTS has ${want}`);
  }
  for (const key of CONFIG_KEYS) if (!seen.has(key)) problems.push(`\`${key}\` is a setting but is not documented`);
  return problems;
}

test('docs/config.md documents every setting with its env name and default, and nothing else', () => {
  assert.deepEqual(drift(settingsTable(DOC)), []);
});

test('the settings table is under "## Settings" and in the order of DEFAULTS', () => {
  const keys = settingsTable(DOC).map((r) => r.key);
  assert.ok(
    section(DOC, 'Settings').some((l) => cells(l).join('|') === HEADER.join('|')),
    'the table is in the Settings section',
  );
  assert.deepEqual(keys, CONFIG_KEYS);
});

test('the drift check catches a missing, extra or wrong row', () => {
  const rows = settingsTable(DOC);
  const without = rows.filter((r) => r.key !== 'gateway.heartbeatMs');
  assert.match(drift(without).join('\n'), /`gateway.heartbeatMs` is a setting but is not documented/);
  assert.match(
    drift([...rows, { key: 'gateway.nope', env: 'WARBLER_GATEWAY_NOPE', default: '1' }]).join('\n'),
    /`gateway.nope` is documented/,
  );
  const edit = (key: string, change: Partial<Row>) => rows.map((r) => (r.key === key ? { ...r, ...change } : r));
  assert.match(drift(edit('server.port', { default: '8081' })).join('\n'), /`server.port`: docs say default 8081, DEFAULTS has 8080/);
  assert.match(drift(edit('server.port', { default: '"8080"' })).join('\n'), /`server.port`: docs say default "8080"/);
  assert.match(drift(edit('server.allowedOrigins', { default: '"*"' })).join('\n'), /`server.allowedOrigins`: docs say default "\*"/);
  assert.match(drift(edit('auth.registration', { default: 'open' })).join('\n'), /default open is not JSON/);
  assert.match(
    drift(edit('dataDir', { env: 'WARBLER_DATADIR' })).join('\n'),
    /`dataDir`: docs say env WARBLER_DATADIR, envName gives WARBLER_DATA_DIR/,
  );
  assert.match(drift([...rows, rows[0]!]).join('\n'), /documented twice/);
});

test('envName follows the documented rule', () => {
  assert.equal(envName('gateway.maxFrameBytes'), 'WARBLER_GATEWAY_MAX_FRAME_BYTES');
  assert.equal(envName('dataDir'), 'WARBLER_DATA_DIR');
  assert.equal(envName('server.allowedOrigins'), 'WARBLER_SERVER_ALLOWED_ORIGINS');
  const names = CONFIG_KEYS.map(envName);
  assert.equal(new Set(names).size, names.length, 'environment names are unique');
  for (const n of names) assert.match(n, /^WARBLER_[A-Z0-9_]+$/);
});

test('every flag of the CLI usage is documented under "## Command line"', () => {
  const flags = new Set(USAGE.match(/--[a-z][a-z-]*/g) ?? []);
  assert.ok(flags.size >= 6, `found the flags ${[...flags].join(' ')}`);
  const documented = section(DOC, 'Command line').join('\n');
  for (const flag of flags) assert.ok(documented.includes(`\`${flag}`), `${flag} is not documented under "## Command line"`);
  for (const cmd of ['warbler serve', 'warbler user add', 'warbler invite create', 'warbler invite list', 'warbler invite revoke'])
    assert.ok(documented.includes(cmd), `${cmd} is not documented`);
});
