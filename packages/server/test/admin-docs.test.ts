import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { API_SCOPES, AUDIT_EVENTS } from '@warbler/protocol';

// Compiled to packages/server/dist/test/, four levels below the repository root.
const DOC = readFileSync(fileURLToPath(new URL('../../../../docs/admin-api.md', import.meta.url)), 'utf8');

/** The first cells (in backticks) of the table whose header row starts with `| first |`. */
function firstColumn(doc: string, first: string): string[] {
  const lines = doc.split(/\r?\n/);
  const at = lines.findIndex((l) => l.startsWith(`| ${first} |`));
  assert.ok(at >= 0, `docs/admin-api.md has no table starting with | ${first} |`);
  const out: string[] = [];
  for (const line of lines.slice(at + 2)) {
    if (!line.startsWith('|')) break;
    const m = /^\| `([^`]+)` \|/.exec(line);
    assert.ok(m, `row "${line}" must start with a name in backticks`);
    out.push(m[1]!);
  }
  return out;
}

test('docs/admin-api.md lists every API scope and every audit event, in registry order, and nothing else', () => {
  assert.deepEqual(firstColumn(DOC, 'scope'), [...API_SCOPES]);
  assert.deepEqual(firstColumn(DOC, 'event'), [...AUDIT_EVENTS]);
});

test('docs/admin-api.md documents every admin error code it can answer', () => {
  for (const code of ['invalid_parameter', 'unauthorized', 'api_key_invalid', 'scope_missing', 'not_found', 'method_not_allowed'])
    assert.match(DOC, new RegExp(`\\| \\d{3} \\| \`${code}\` \\|`), `${code} is in the error table`);
});
