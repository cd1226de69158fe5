import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Value } from '@sinclair/typebox/value';
import { AUDIT_EVENTS } from '@warbler/protocol';
import { EVENTS, OPS } from '@warbler/protocol/schemas';
import { USAGE } from '../src/cli/usage.js';
import { CONFIG_KEYS, CONFIG_SCHEMA, RENAMED, envName } from '../src/config.js';
import { SETTINGS_HEADER, blockIn, generatedBlocks, settingRows, type SettingRow } from '../src/config/docs-table.js';
import { enumValues, kindOf, leaves, sections } from '../src/config/setting.js';

// Compiled to packages/server/dist/test/, four levels below the repository root.
const ROOT = new URL('../../../../', import.meta.url);
const read = (path: string): string => readFileSync(fileURLToPath(new URL(path, ROOT)), 'utf8');
const DOC = read('docs/config.md');

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

/** The settings table of docs/config.md: the table whose header row is SETTINGS_HEADER. */
function settingsTable(doc: string): SettingRow[] {
  const lines = doc.split(/\r?\n/);
  const at = lines.findIndex((l) => l.trim().startsWith('|') && cells(l).join('|') === SETTINGS_HEADER.join('|'));
  assert.ok(at >= 0, `docs/config.md has no table with the header | ${SETTINGS_HEADER.join(' | ')} |`);
  assert.match(lines[at + 1] ?? '', /^\s*\|(\s*:?-{3,}:?\s*\|)+\s*$/, 'separator row of the settings table');
  const rows: SettingRow[] = [];
  for (const line of lines.slice(at + 2)) {
    if (!line.trim().startsWith('|')) break;
    const c = cells(line);
    assert.equal(c.length, SETTINGS_HEADER.length, `row "${line}" has ${c.length} cells, not ${SETTINGS_HEADER.length}`);
    const key = unquote(c[0]!, 'the key cell');
    rows.push({
      key,
      env: unquote(c[1]!, `the env cell of ${key}`),
      type: c[2]!,
      default: unquote(c[3]!, `the default cell of ${key}`),
      range: c[4]!,
      meaning: c[5]!,
    });
  }
  return rows;
}

/** Everything that differs between the documented rows and the schema's settings. */
function drift(rows: SettingRow[]): string[] {
  const want = new Map(settingRows(CONFIG_SCHEMA).map((r) => [r.key, r]));
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const row of rows) {
    if (seen.has(row.key)) problems.push(`\`${row.key}\` is documented twice`);
    seen.add(row.key);
    const w = want.get(row.key);
    if (!w) {
      problems.push(`\`${row.key}\` is documented but is not a setting`);
      continue;
    }
    if (row.env !== w.env) problems.push(`\`${row.key}\`: docs say env ${row.env}, envName gives ${w.env}`);
    let got: string;
    try {
      got = JSON.stringify(JSON.parse(row.default));
    } catch {
      problems.push(`\`${row.key}\`: default ${row.default} is not JSON`);
      got = row.default;
    }
    if (got !== w.default && !problems.at(-1)?.includes('is not JSON'))
      problems.push(`\`${row.key}\`: docs say default ${row.default}, the schema has ${w.default}`);
    for (const col of ['type', 'range', 'meaning'] as const)
      if (row[col] !== w[col])
        problems.push(`\`${row.key}\`: docs say ${col} ${JSON.stringify(row[col])}, the schema has ${JSON.stringify(w[col])}`);
  }
  for (const key of want.keys()) if (!seen.has(key)) problems.push(`\`${key}\` is a setting but is not documented`);
  return problems;
}

test('docs/config.md documents every setting with its env name, type, default, range and meaning, and nothing else', () => {
  assert.deepEqual(drift(settingsTable(DOC)), []);
});

test('the generated parts of docs/config.md are what `npm run docs:config` writes from the schema', () => {
  for (const [name, text] of Object.entries(generatedBlocks(CONFIG_SCHEMA, RENAMED))) {
    const inDoc = blockIn(DOC, name);
    assert.ok(inDoc !== undefined, `docs/config.md has no markers for the generated ${name} table`);
    assert.equal(inDoc, text, `the ${name} table is out of date: run \`npm run docs:config\``);
  }
});

test('the settings table is under "## Settings" and in schema order; renamed keys under "## Renamed settings"', () => {
  assert.ok(
    section(DOC, 'Settings').some((l) => cells(l).join('|') === SETTINGS_HEADER.join('|')),
    'the table is in the Settings section',
  );
  assert.deepEqual(
    settingsTable(DOC).map((r) => r.key),
    CONFIG_KEYS,
  );
  const renamed = section(DOC, 'Renamed settings').join('\n');
  for (const [old, now] of Object.entries(RENAMED)) assert.ok(renamed.includes(`| \`${old}\` | \`${now}\` |`), `${old} → ${now}`);
});

test('the drift check catches a missing, extra or wrong row', () => {
  const rows = settingsTable(DOC);
  const without = rows.filter((r) => r.key !== 'gateway.heartbeatMs');
  assert.match(drift(without).join('\n'), /`gateway.heartbeatMs` is a setting but is not documented/);
  const extra: SettingRow = { key: 'gateway.nope', env: 'WARBLER_GATEWAY_NOPE', type: 'integer', default: '1', range: '—', meaning: 'x' };
  assert.match(drift([...rows, extra]).join('\n'), /`gateway.nope` is documented but is not a setting/);
  const edit = (key: string, change: Partial<SettingRow>) => rows.map((r) => (r.key === key ? { ...r, ...change } : r));
  assert.match(drift(edit('server.port', { default: '8081' })).join('\n'), /`server.port`: docs say default 8081, the schema has 8080/);
  assert.match(drift(edit('server.port', { default: '"8080"' })).join('\n'), /`server.port`: docs say default "8080"/);
  assert.match(drift(edit('server.allowedOrigins', { default: '"*"' })).join('\n'), /`server.allowedOrigins`: docs say default "\*"/);
  assert.match(drift(edit('auth.registration', { default: 'open' })).join('\n'), /default open is not JSON/);
  assert.match(drift(edit('server.port', { range: '0–65536' })).join('\n'), /`server.port`: docs say range "0–65536"/);
  assert.match(drift(edit('server.port', { type: 'string' })).join('\n'), /`server.port`: docs say type "string"/);
  assert.match(drift(edit('log.level', { range: '`debug`, `info`' })).join('\n'), /`log.level`: docs say range/);
  assert.match(drift(edit('server.port', { meaning: 'The port.' })).join('\n'), /`server.port`: docs say meaning "The port."/);
  assert.match(
    drift(edit('dataDir', { env: 'WARBLER_DATADIR' })).join('\n'),
    /`dataDir`: docs say env WARBLER_DATADIR, envName gives WARBLER_DATA_DIR/,
  );
  assert.match(drift([...rows, rows[0]!]).join('\n'), /documented twice/);
});

test('every setting in the schema has a description, a default it accepts, and a range', () => {
  for (const [key, s] of leaves(CONFIG_SCHEMA)) {
    assert.ok(typeof s.description === 'string' && s.description.length >= 10, `${key} has a description`);
    assert.ok(!/[|\n]/.test(s.description!), `${key}: a description is one table cell (no | or line break)`);
    assert.ok(Value.Check(s, s.default), `${key}: the default ${JSON.stringify(s.default)} passes its own schema`);
    if (kindOf(s) === 'integer') {
      assert.ok(Number.isInteger(s.minimum) && Number.isInteger(s.maximum), `${key} has a minimum and a maximum`);
      assert.ok(s.minimum <= (s.default as number) && (s.default as number) <= s.maximum, `${key}: the default is in the range`);
    }
    if (kindOf(s) === 'enum') assert.ok(enumValues(s).includes(s.default as string), `${key}: the default is one of the values`);
  }
  for (const [old, now] of Object.entries(RENAMED)) {
    assert.ok(CONFIG_KEYS.includes(now), `${old} is renamed to a setting (${now})`);
    assert.ok(!CONFIG_KEYS.includes(old) && !sections(CONFIG_SCHEMA).includes(old), `${old} is no longer a key`);
  }
});

test('the docs name no setting that does not exist (renamed keys only where the renaming is explained)', () => {
  const sectionNames = new Set(CONFIG_KEYS.map((k) => k.split('.')[0]!));
  const known = new Set([...CONFIG_KEYS, ...sections(CONFIG_SCHEMA), ...Object.keys(OPS), ...Object.keys(EVENTS), ...AUDIT_EVENTS]);
  // Where config.md explains the renaming, the old keys belong.
  const explained = (doc: string) =>
    doc
      .split(/^(?=## )/m)
      .filter((part) => !/^## (Renamed settings|Errors)\n/.test(part))
      .join('');
  for (const file of ['docs/config.md', 'docs/deploy.md', 'docs/benchmarks.md', 'docs/protocol.md', 'docs/admin-api.md', 'README.md']) {
    const text = file === 'docs/config.md' ? explained(DOC) : read(file);
    for (const [, name] of text.matchAll(/`([a-z][A-Za-z]*(?:\.[A-Za-z]+)+)[`= ]/g))
      if (sectionNames.has(name!.split('.')[0]!) && !/\.(ts|md|js|json)$/.test(name!))
        assert.ok(known.has(name!), `${file} names \`${name}\`, which is not a setting`);
  }
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
