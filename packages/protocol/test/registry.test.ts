import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  CLOSE_CODES,
  ERROR_CODES,
  ERRORS,
  shouldReconnect,
  type CloseName,
  type ErrorBody,
  type ErrorCode,
  type EventName,
  type Op,
  type ParseResult,
  type RequestFrame,
} from '../src/index.js';
import { EVENT_NAMES, EVENTS, OP_NAMES, OPS, parseRequest, PUBLIC_OPS } from '../src/schemas-entry.js';

// Compiled to packages/protocol/dist/test/, four levels below the repository root.
const ROOT = new URL('../../../../', import.meta.url);
const DOC_PATH = fileURLToPath(new URL('docs/protocol.md', ROOT));
const DOC = readFileSync(DOC_PATH, 'utf8');

// ---------------------------------------------------------------------------------------------
// Compile-time: the exported types are exactly the registries' keys. A drift fails `tsc`.

/** True when A and B are the same type (not merely assignable either way). */
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
// The parameter only names T, so the type parameter counts as used.
function assertType<T extends true>(_proof?: T): void {}

assertType<Equals<ErrorCode, keyof typeof ERRORS>>();
assertType<Equals<ErrorBody['code'], keyof typeof ERRORS>>();
assertType<Equals<Op, keyof typeof OPS>>();
assertType<Equals<RequestFrame['op'], keyof typeof OPS>>();
assertType<Equals<EventName, keyof typeof EVENTS>>();
assertType<Equals<CloseName, keyof typeof CLOSE_CODES>>();
assertType<Equals<(typeof ERROR_CODES)[number], ErrorCode>>();
assertType<Equals<(typeof OP_NAMES)[number], Op>>();
assertType<Equals<(typeof EVENT_NAMES)[number], EventName>>();
assertType<(typeof PUBLIC_OPS)[number] extends Op ? true : false>();

// ---------------------------------------------------------------------------------------------
// Reading the tables of docs/protocol.md.

/** The lines of the `## heading` section, up to the next `## ` heading. */
function section(doc: string, heading: string): string[] {
  const lines = doc.split(/\r?\n/);
  const start = lines.findIndex((l) => l.trim() === `## ${heading}`);
  if (start < 0) throw new Error(`docs/protocol.md has no "## ${heading}" heading`);
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

/**
 * The first table of a section whose header row is `header`, as rows of cells; the first cell's
 * backticks are removed (and required).
 */
function table(doc: string, heading: string, header: readonly string[]): string[][] {
  const lines = section(doc, heading);
  const at = lines.findIndex((l) => l.trim().startsWith('|'));
  if (at < 0) throw new Error(`"## ${heading}" has no table`);
  assert.deepEqual(cells(lines[at]!), header, `header row of the table under "## ${heading}"`);
  assert.match(lines[at + 1] ?? '', /^\s*\|(\s*:?-{3,}:?\s*\|)+\s*$/, `separator row of the table under "## ${heading}"`);
  const rows: string[][] = [];
  for (const line of lines.slice(at + 2)) {
    if (!line.trim().startsWith('|')) break;
    const row = cells(line);
    assert.equal(row.length, header.length, `row "${line}" under "## ${heading}" has ${row.length} cells, not ${header.length}`);
    const m = /^`([^`]+)`$/.exec(row[0]!);
    assert.ok(m, `first cell of "${line}" under "## ${heading}" must be in backticks`);
    rows.push([m[1]!, ...row.slice(1)]);
  }
  return rows;
}

/**
 * What differs between documented rows and the registry: missing rows, extra rows, duplicates and
 * wrong cells. `expected` maps a name to the cells after the first that the docs must show.
 */
function drift(what: string, rows: string[][], expected: ReadonlyMap<string, readonly string[]>): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const [name, ...rest] of rows) {
    if (seen.has(name!)) problems.push(`${what} \`${name}\` is documented twice`);
    seen.add(name!);
    const want = expected.get(name!);
    if (!want) {
      problems.push(`${what} \`${name}\` is documented but not in the registry`);
      continue;
    }
    want.forEach((cell, i) => {
      if (rest[i] !== cell)
        problems.push(`${what} \`${name}\`: docs say ${JSON.stringify(rest[i])}, registry says ${JSON.stringify(cell)}`);
    });
  }
  for (const name of expected.keys()) if (!seen.has(name)) problems.push(`${what} \`${name}\` is in the registry but not documented`);
  return problems;
}

const yesNo = (b: boolean): string => (b ? 'yes' : 'no');

function errorDrift(doc: string): string[] {
  const rows = table(doc, 'Error codes', ['code', 'status', 'meaning']).map(([code, status]) => [code!, status!]);
  return drift('error code', rows, new Map(Object.entries(ERRORS).map(([code, e]) => [code, [String(e.status)]])));
}

function closeDrift(doc: string): string[] {
  const rows = table(doc, 'Close codes', ['name', 'code', 'reconnect', 'meaning']).map(([name, code, again]) => [name!, code!, again!]);
  return drift('close code', rows, new Map(Object.entries(CLOSE_CODES).map(([name, c]) => [name, [String(c.code), yesNo(c.reconnect)]])));
}

function opDrift(doc: string): string[] {
  const rows = table(doc, 'Ops', ['op', 'before auth', 'summary']).map(([op, before]) => [op!, before!]);
  return drift('op', rows, new Map(OP_NAMES.map((op) => [op, [yesNo(PUBLIC_OPS.includes(op))]])));
}

function eventDrift(doc: string): string[] {
  const rows = table(doc, 'Events', ['event', 'summary']).map(([ev]) => [ev!]);
  return drift('event', rows, new Map(EVENT_NAMES.map((ev) => [ev, []])));
}

/** The names of the `### \`name\`` subsections of a section. */
function subsections(doc: string, heading: string): string[] {
  return section(doc, heading).flatMap((l) => {
    const m = /^### `([^`]+)`\s*$/.exec(l);
    return m ? [m[1]!] : [];
  });
}

function subsectionDrift(doc: string, heading: string, names: readonly string[]): string[] {
  const rows = subsections(doc, heading).map((n) => [n]);
  return drift(`### subsection of "## ${heading}"`, rows, new Map(names.map((n) => [n, []])));
}

// ---------------------------------------------------------------------------------------------
// Docs ↔ registry.

test('docs: the "Error codes" table lists every error code with its status, and nothing else', () => {
  assert.deepEqual(errorDrift(DOC), []);
});

test('docs: the "Close codes" table lists every close code with its number and reconnect, and nothing else', () => {
  assert.deepEqual(closeDrift(DOC), []);
});

test('docs: the "Ops" table lists every op and whether it is allowed before auth, and nothing else', () => {
  assert.deepEqual(opDrift(DOC), []);
});

test('docs: the "Events" table lists every event, and nothing else', () => {
  assert.deepEqual(eventDrift(DOC), []);
});

test('docs: every op and every event has its own ### subsection, and there are no others', () => {
  assert.deepEqual(subsectionDrift(DOC, 'Ops', OP_NAMES), []);
  assert.deepEqual(subsectionDrift(DOC, 'Events', EVENT_NAMES), []);
});

test('docs: each op subsection gives data, result, errors and a JSON example', () => {
  const lines = section(DOC, 'Ops');
  for (const op of OP_NAMES) {
    const start = lines.findIndex((l) => l.trim() === `### \`${op}\``);
    const next = lines.findIndex((l, i) => i > start && l.startsWith('### '));
    const body = lines.slice(start + 1, next < 0 ? undefined : next).join('\n');
    for (const part of ['**data**', '**result**', '**errors**', '```json']) assert.ok(body.includes(part), `### \`${op}\` lacks ${part}`);
    assert.ok(body.includes(`"op": "${op}"`), `the example of ### \`${op}\` does not send op ${op}`);
  }
});

// The checks above must fail on drift in either direction; prove it on edited copies of the page.
test('drift checks catch a missing row, an extra row and a wrong cell', () => {
  const edit = (from: string | RegExp, to: string): string => {
    const out = DOC.replace(from, to);
    assert.notEqual(out, DOC, `the edit ${String(from)} must change the page`);
    return out;
  };
  assert.match(errorDrift(edit(/^\| `rate_limited` \|.*\n/m, '')).join('\n'), /`rate_limited` is in the registry but not documented/);
  assert.match(
    errorDrift(edit('| `internal` | 500 |', '| `internal` | 503 |')).join('\n'),
    /`internal`: docs say "503", registry says "500"/,
  );
  assert.match(
    errorDrift(edit('| `internal` | 500 |', '| `made_up` | 500 | Not real. |\n| `internal` | 500 |')).join('\n'),
    /`made_up` is documented but not in the registry/,
  );
  assert.match(
    closeDrift(edit('| `logged_out` | 4100 | no |', '| `logged_out` | 4100 | yes |')).join('\n'),
    /`logged_out`: docs say "yes"/,
  );
  assert.match(closeDrift(edit('| `slow_consumer` | 4001 |', '| `slow_consumer` | 4011 |')).join('\n'), /`slow_consumer`: docs say "4011"/);
  assert.match(closeDrift(edit(/^\| `idle_timeout` \|.*\n/m, '')).join('\n'), /`idle_timeout` is in the registry but not documented/);
  assert.match(opDrift(edit('| `sync` | no |', '| `sync` | yes |')).join('\n'), /op `sync`: docs say "yes", registry says "no"/);
  assert.match(opDrift(edit('| `ping` | yes |', '| `pong` | yes |')).join('\n'), /`pong` is documented[\s\S]*`ping` is in the registry/);
  assert.match(eventDrift(edit(/^\| `read` \|.*\n/m, '')).join('\n'), /event `read` is in the registry but not documented/);
  assert.match(subsectionDrift(edit('### `conv.read`', '### `conv.reed`'), 'Ops', OP_NAMES).join('\n'), /`conv.reed` is documented/);
  assert.throws(() => errorDrift(edit('| code | status | meaning |', '| code | meaning | status |')), /header row/);
  assert.throws(() => opDrift(edit('| `hello` | yes |', '| hello | yes |')), /backticks/);
});

// ---------------------------------------------------------------------------------------------
// The registries themselves.

test('ERROR_CODES, OP_NAMES and EVENT_NAMES list exactly the registry keys, in registry order', () => {
  assert.deepEqual(ERROR_CODES, Object.keys(ERRORS));
  assert.deepEqual(OP_NAMES, Object.keys(OPS));
  assert.deepEqual(EVENT_NAMES, Object.keys(EVENTS));
});

test('PUBLIC_OPS are ops, without repeats', () => {
  for (const op of PUBLIC_OPS) assert.ok(Object.hasOwn(OPS, op), `PUBLIC_OPS names unknown op ${op}`);
  assert.equal(new Set(PUBLIC_OPS).size, PUBLIC_OPS.length);
});

test('every error has an allowed HTTP-like status and a message', () => {
  // 405 only on HTTP routes (method_not_allowed); the WebSocket protocol never answers it.
  const allowed = new Set([400, 401, 403, 404, 405, 409, 413, 429, 500, 503]);
  for (const [code, e] of Object.entries(ERRORS)) {
    assert.ok(allowed.has(e.status), `${code} has status ${e.status}`);
    assert.match(code, /^[a-z][a-z_]*[a-z]$/, `${code} is a lowercase snake_case code`);
    assert.ok(e.message.length > 0, `${code} has no message`);
  }
});

test('close codes: unique numbers, ranges match reconnect, shouldReconnect agrees with the table', () => {
  const numbers = Object.values(CLOSE_CODES).map((c) => c.code);
  assert.equal(new Set(numbers).size, numbers.length, 'close code numbers are unique');
  for (const [name, c] of Object.entries(CLOSE_CODES)) {
    if (c.code >= 4000 && c.code <= 4099) assert.equal(c.reconnect, true, `${name} (${c.code}) is in the reconnect range`);
    else if (c.code >= 4100 && c.code <= 4199) assert.equal(c.reconnect, false, `${name} (${c.code}) is in the no-reconnect range`);
    else assert.ok(c.code >= 1000 && c.code <= 1015, `${name} (${c.code}) is outside 4000-4199, so it must be a standard code`);
    assert.equal(shouldReconnect(c.code), c.reconnect, `shouldReconnect(${c.code}) for ${name}`);
    // A close reason must fit a control frame: at most 123 bytes.
    assert.ok(Buffer.byteLength(c.reason) <= 123, `${name}'s reason is too long for a close frame`);
  }
  // Codes not in the table: the ranges decide, unknown ones reconnect.
  assert.equal(shouldReconnect(4050), true);
  assert.equal(shouldReconnect(4150), false);
  assert.equal(shouldReconnect(1000), true);
  assert.equal(shouldReconnect(1006), true);
});

// ---------------------------------------------------------------------------------------------
// parseRequest.

function failure(r: ParseResult): { id: unknown; code: string; message?: string | undefined } {
  assert.equal(r.ok, false, `expected a failure, got ${JSON.stringify(r)}`);
  if (r.ok) throw new Error('unreachable');
  return { id: r.id, code: r.code, message: r.message };
}

test('parseRequest: text that is not JSON is bad_json with id null', () => {
  for (const text of ['', '{', '{"id":1,', 'hello', "{'id':1}"])
    assert.deepEqual(failure(parseRequest(text)), { id: null, code: 'bad_json', message: undefined });
});

test('parseRequest: JSON that is not an object is invalid_frame with id null', () => {
  for (const text of ['[]', '[{"id":1,"op":"ping"}]', '5', '"ping"', 'null', 'true']) {
    const f = failure(parseRequest(text));
    assert.equal(f.code, 'invalid_frame', text);
    assert.equal(f.id, null, text);
    assert.match(f.message ?? '', /object/);
  }
});

test('parseRequest: a missing or bad id is invalid_frame with id null', () => {
  const long = 'x'.repeat(65);
  for (const id of [undefined, null, '', long, 1.5, 2 ** 53, true, {}, []]) {
    const f = failure(parseRequest(JSON.stringify({ id, op: 'ping' })));
    assert.equal(f.code, 'invalid_frame', `id ${JSON.stringify(id)}`);
    assert.equal(f.id, null);
    assert.match(f.message ?? '', /^id /);
  }
});

test('parseRequest: good ids are echoed as given', () => {
  for (const id of ['a', 'x'.repeat(64), 0, -7, 42, Number.MAX_SAFE_INTEGER]) {
    const r = parseRequest(JSON.stringify({ id, op: 'ping' }));
    assert.ok(r.ok, `id ${JSON.stringify(id)}`);
    assert.equal(r.frame.id, id);
  }
});

test('parseRequest: op must be a string and a known op; the id is kept', () => {
  assert.deepEqual(failure(parseRequest('{"id":3}')), { id: 3, code: 'invalid_frame', message: 'op must be a string' });
  assert.deepEqual(failure(parseRequest('{"id":3,"op":7}')), { id: 3, code: 'invalid_frame', message: 'op must be a string' });
  for (const op of ['nope', 'msg.sendx', 'toString', '__proto__', 'constructor', 'HELLO']) {
    const f = failure(parseRequest(JSON.stringify({ id: 'r1', op })));
    assert.equal(f.code, 'unknown_op', op);
    assert.equal(f.id, 'r1');
  }
  const f = failure(parseRequest(JSON.stringify({ id: 1, op: 'z'.repeat(1000) })));
  assert.ok((f.message ?? '').length < 100, 'the echoed op name is cut short');
});

test('parseRequest: a schema failure is invalid_frame naming the field, with the id kept', () => {
  const cases: [object, RegExp][] = [
    [{ id: 1, op: 'hello' }, /^data\.protocol: /],
    [{ id: 1, op: 'hello', data: { protocol: '1' } }, /^data\.protocol: /],
    [{ id: 1, op: 'hello', data: null }, /^data: /],
    [{ id: 1, op: 'auth.login', data: { username: 'alice' } }, /^data\.password: /],
    [{ id: 1, op: 'auth.login', data: { username: 5, password: 'password-1' } }, /^data\.username: /],
    [{ id: 1, op: 'msg.send', data: { to: 2, clientId: 'c', text: '' } }, /^data\.text: /],
    [{ id: 1, op: 'msg.send', data: { to: 0, clientId: 'c', text: 'hi' } }, /^data\.to: /],
    [{ id: 1, op: 'msg.send', data: { conv: 'd:2:x', clientId: 'c', text: 'hi' } }, /^data\.conv: /],
    [{ id: 1, op: 'msg.send', data: { to: 2, clientId: 'c'.repeat(65), text: 'hi' } }, /^data\.clientId: /],
    [{ id: 1, op: 'sync', data: { limit: 501 } }, /^data\.limit: /],
    [{ id: 1, op: 'sync', data: { cursors: { 'd:1:2': -1 } } }, /^data\.cursors\.d:1:2: /],
    [{ id: 1, op: 'conv.read', data: { conv: 'd:1:2', seq: 1.5 } }, /^data\.seq: /],
  ];
  for (const [frame, where] of cases) {
    const f = failure(parseRequest(JSON.stringify(frame)));
    assert.equal(f.code, 'invalid_frame', JSON.stringify(frame));
    assert.equal(f.id, 1);
    assert.match(f.message ?? '', where, JSON.stringify(frame));
  }
});

test('parseRequest: a valid frame is returned typed; missing data is {} and unknown members are ignored', () => {
  const send = parseRequest(JSON.stringify({ id: 'a1', op: 'msg.send', data: { to: 2, clientId: 'c1', text: 'hi' } }));
  assert.deepEqual(send, { ok: true, frame: { id: 'a1', op: 'msg.send', data: { to: 2, clientId: 'c1', text: 'hi' } } });
  assert.deepEqual(parseRequest('{"id":2,"op":"ping"}'), { ok: true, frame: { id: 2, op: 'ping', data: {} } });
  const extra = parseRequest('{"id":3,"op":"hello","data":{"protocol":1,"future":true},"trace":"x"}');
  assert.ok(extra.ok);
  assert.equal(extra.frame.op, 'hello');
  assert.equal((extra.frame.data as { protocol: number }).protocol, 1);
});

test('parseRequest accepts a minimal valid frame for every op', () => {
  const minimal: { [O in Op]: unknown } = {
    hello: { protocol: 1 },
    'auth.register': { username: 'alice', password: 'password-1' },
    'auth.login': { username: 'alice', password: 'password-1' },
    'auth.resume': { token: 'wb1_x' },
    'auth.refresh': {},
    'auth.logout': {},
    'account.password': { oldPassword: 'a', newPassword: 'b' },
    'device.list': {},
    'device.revoke': { deviceId: 1 },
    'user.get': { id: 1 },
    'profile.update': {},
    'privacy.update': {},
    'user.search': { q: 'al' },
    'friend.request': { user: 2 },
    'friend.accept': { user: 2 },
    'friend.decline': { user: 2 },
    'friend.remove': { user: 2 },
    'friend.list': {},
    'friend.requests': {},
    'block.add': { user: 2 },
    'block.remove': { user: 2 },
    'block.list': {},
    'presence.watch': { users: [2] },
    'presence.unwatch': { users: [2] },
    typing: { conv: 'd:1:2', typing: true },
    'msg.send': { conv: 'd:1:2', clientId: 'c', text: 't' },
    sync: {},
    'msg.history': { conv: 'd:1:2' },
    'conv.list': {},
    'conv.read': { conv: 'd:1:2', seq: 0 },
    ping: {},
    'msg.edit': { conv: 'd:1:2', seq: 1, text: 't', clientId: 'c' },
    'msg.recall': { conv: 'd:1:2', seq: 1, clientId: 'c' },
    'msg.react': { conv: 'd:1:2', seq: 1, emoji: '👍', on: true, clientId: 'c' },
    'msg.delete': { conv: 'd:1:2', seqs: [1] },
    'msg.forward': { conv: 'd:1:2', seq: 1, to: 3, clientId: 'c' },
    'msg.receipts': { conv: 'd:1:2', seq: 1 },
    'conv.delivered': { conv: 'd:1:2', seq: 0 },
    'conv.update': { conv: 'd:1:2' },
    'group.create': { name: 'g' },
    'group.get': { conv: 'g:1' },
    'group.members': { conv: 'g:1' },
    'group.update': { conv: 'g:1' },
    'group.dissolve': { conv: 'g:1' },
    'group.add': { conv: 'g:1', users: [2] },
    'group.remove': { conv: 'g:1', users: [2] },
    'group.leave': { conv: 'g:1' },
    'group.join': { conv: 'g:1' },
    'group.requests': { conv: 'g:1' },
    'group.approve': { conv: 'g:1', user: 2, accept: true },
    'group.role': { conv: 'g:1', user: 2, role: 'admin' },
    'group.transfer': { conv: 'g:1', user: 2 },
    'group.mute': { conv: 'g:1', user: 2, seconds: 60 },
    'msg.search': { q: 'hello' },
  };
  for (const op of OP_NAMES) {
    const r = parseRequest(JSON.stringify({ id: 1, op, data: minimal[op] }));
    assert.ok(r.ok, `${op}: ${JSON.stringify(r)}`);
  }
});
