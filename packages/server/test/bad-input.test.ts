import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CLOSE_CODES, ERRORS, LIMITS, directConvId, type ErrorCode } from '@warbler/protocol';
import { hashToken } from '../src/auth/tokens.js';
import { RawClient, eventually, startTestServer, uniqueName, type Frame, type TestServer } from './helpers.js';

const PASSWORD = 'password-123';

/** Sends a frame as is (a Buffer as a binary frame); resolves with the next frame that is not an event. */
async function answer(c: RawClient, frame: string | object | Buffer): Promise<Frame> {
  const n = c.frames.length;
  if (Buffer.isBuffer(frame)) c.ws.send(frame, { binary: true });
  else c.sendRaw(frame);
  return c.waitFor((f) => f.ev === undefined && c.frames.indexOf(f) >= n);
}

/** Asserts that `f` is the registry's error for `code`, echoing `id`. */
function assertError(f: Frame, code: ErrorCode, id: Frame['id'], message?: RegExp): void {
  assert.equal(f.ok, false, JSON.stringify(f));
  assert.ok(f.error, JSON.stringify(f));
  assert.equal(f.error.code, code, JSON.stringify(f));
  assert.equal(f.error.status, ERRORS[code].status);
  assert.equal(f.id, id, 'the error echoes the request id');
  if (message) assert.match(f.error.message, message);
}

/** Sends a request and asserts it fails with `code`. */
async function fails(c: RawClient, op: string, data: unknown, code: ErrorCode, message?: RegExp): Promise<Frame> {
  const f = await c.request(op, data);
  assertError(f, code, f.id, message);
  return f;
}

/** Sends a request and asserts it succeeds; returns its data. */
async function ok(c: RawClient, op: string, data?: unknown): Promise<Record<string, unknown>> {
  const f = await c.request(op, data);
  assert.equal(f.ok, true, `${op}: ${JSON.stringify(f)}`);
  return f.data!;
}

/** The connection still answers: a ping after the bad input is ok. */
async function alive(c: RawClient): Promise<void> {
  await ok(c, 'ping');
}

interface RawUser {
  c: RawClient;
  id: number;
  token: string;
  deviceId: number;
  username: string;
}
async function rawUser(s: TestServer): Promise<RawUser> {
  const c = await RawClient.open(s.wsUrl);
  const username = uniqueName();
  return { c, username, ...(await c.registerNew(username)) };
}

test('malformed frames get their documented error, store nothing, and the connection goes on', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const [a, b, c] = [await rawUser(s), await rawUser(s), await rawUser(s)];
  t.after(() => [a, b, c].forEach((u) => u.c.close()));
  const convAB = directConvId(a.id, b.id);
  const send = (data: object) => ({ id: 'send', op: 'msg.send', data: { clientId: 'c-1', ...data } });
  const cases: [string, string | object | Buffer, ErrorCode, Frame['id'], RegExp?][] = [
    ['not JSON', '{"id":7,"op":"ping"', 'bad_json', null],
    ['a JSON array', '[{"id":7,"op":"ping"}]', 'invalid_frame', null, /JSON object/],
    ['a JSON string', '"ping"', 'invalid_frame', null, /JSON object/],
    ['JSON null', 'null', 'invalid_frame', null, /JSON object/],
    ['a binary frame', Buffer.from('{"id":7,"op":"ping"}'), 'invalid_frame', null, /binary/],
    ['no id', { op: 'ping' }, 'invalid_frame', null, /\bid\b/],
    ['an object as id', { id: { n: 1 }, op: 'ping' }, 'invalid_frame', null, /\bid\b/],
    ['a fractional id', { id: 1.5, op: 'ping' }, 'invalid_frame', null, /\bid\b/],
    ['an empty id', { id: '', op: 'ping' }, 'invalid_frame', null, /\bid\b/],
    ['a 65-character id', { id: 'i'.repeat(65), op: 'ping' }, 'invalid_frame', null, /\bid\b/],
    ['no op', { id: 'no-op' }, 'invalid_frame', 'no-op', /\bop\b/],
    ['an unknown op', { id: 'u-1', op: 'msg.teleport', data: {} }, 'unknown_op', 'u-1', /msg\.teleport/],
    ['data that is not an object', { id: 'd-1', op: 'msg.send', data: 'hi' }, 'invalid_frame', 'd-1', /^data\b/],
    ['msg.send without clientId', { id: 9, op: 'msg.send', data: { to: b.id, text: 'x' } }, 'invalid_frame', 9, /data\.clientId/],
    ['msg.send without text', send({ to: b.id }), 'invalid_message', 'send', /data\.text/],
    ['msg.send with a number as text', send({ to: b.id, text: 42 }), 'invalid_frame', 'send', /data\.text/],
    ['msg.send with empty text', send({ to: b.id, text: '' }), 'invalid_frame', 'send', /data\.text/],
    ['msg.send with a string as to', send({ to: String(b.id), text: 'x' }), 'invalid_frame', 'send', /data\.to/],
    ['msg.send with to 0', send({ to: 0, text: 'x' }), 'invalid_frame', 'send', /data\.to/],
    ['msg.send with both to and conv', send({ to: b.id, conv: convAB, text: 'x' }), 'invalid_frame', 'send', /to and conv/],
    ['msg.send with neither to nor conv', send({ text: 'x' }), 'invalid_frame', 'send', /to and conv/],
    ['msg.send with a malformed conv id', send({ conv: 'g:1:2', text: 'x' }), 'invalid_frame', 'send', /data\.conv/],
    ['msg.send with user id 0 in conv', send({ conv: `d:0:${b.id}`, text: 'x' }), 'invalid_frame', 'send', /data\.conv/],
    // Well-formed but not canonical (higher id first): no such conversation.
    ['msg.send with conv ids reversed', send({ conv: `d:${b.id}:${a.id}`, text: 'x' }), 'conversation_not_found', 'send'],
    ['msg.send to a user that does not exist', send({ to: 9_999_999, text: 'x' }), 'user_not_found', 'send'],
    ['msg.send to a conversation of others', send({ conv: directConvId(b.id, c.id), text: 'x' }), 'not_member', 'send'],
    [
      'msg.send with text over maxTextChars',
      send({ to: b.id, text: 'x'.repeat(LIMITS.maxTextChars + 1) }),
      'text_too_long',
      'send',
      /4000/,
    ],
    ['sync with a negative cursor', { id: 's', op: 'sync', data: { cursors: { [convAB]: -1 } } }, 'invalid_frame', 's', /data\.cursors/],
    ['sync with limit 0', { id: 's', op: 'sync', data: { limit: 0 } }, 'invalid_frame', 's', /data\.limit/],
    ['sync with limit 501', { id: 's', op: 'sync', data: { limit: 501 } }, 'invalid_frame', 's', /data\.limit/],
    ['msg.history with limit 501', { id: 'h', op: 'msg.history', data: { conv: convAB, limit: 501 } }, 'invalid_frame', 'h', /data\.limit/],
    ['msg.history with a malformed conv id', { id: 'h', op: 'msg.history', data: { conv: 'd:1' } }, 'invalid_frame', 'h', /data\.conv/],
    ['conv.list with limit 0', { id: 'l', op: 'conv.list', data: { limit: 0 } }, 'invalid_frame', 'l', /data\.limit/],
    ['conv.read with a negative seq', { id: 'r', op: 'conv.read', data: { conv: convAB, seq: -1 } }, 'invalid_frame', 'r', /data\.seq/],
    ['conv.read with a string seq', { id: 'r', op: 'conv.read', data: { conv: convAB, seq: '1' } }, 'invalid_frame', 'r', /data\.seq/],
  ];
  for (const [name, frame, code, id, message] of cases) {
    await t.test(name, async () => {
      assertError(await answer(a.c, frame), code, id, message);
      await alive(a.c);
    });
  }
  assert.equal(s.metrics.messagesIn.get(), 0, 'no message was stored');
  assert.equal(await s.store.getConversation(convAB), undefined);
  assert.deepEqual(await ok(b.c, 'sync', {}), { messages: [], more: false }, 'the recipient has nothing to sync');
  assert.equal(b.c.frames.filter((f) => f.ev === 'msg').length, 0, 'nothing was pushed to the recipient');
});

test('before hello only hello and ping work; before login only public ops; a second login is refused', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const b = await rawUser(s);
  const c = await RawClient.open(s.wsUrl);
  t.after(() => [b.c, c].forEach((x) => x.close()));
  const name = uniqueName();
  const msg = { to: b.id, clientId: 'early', text: 'too early' };

  await fails(c, 'auth.register', { username: name, password: PASSWORD }, 'hello_required');
  await fails(c, 'auth.login', { username: b.username, password: PASSWORD }, 'hello_required');
  await fails(c, 'msg.send', msg, 'hello_required');
  await alive(c);
  assert.equal(await s.store.getUserByUsername(name), undefined, 'no account was made');

  await ok(c, 'hello', { protocol: 1 });
  for (const [op, data] of [
    ['msg.send', msg],
    ['sync', {}],
    ['device.list', {}],
    ['conv.list', {}],
    ['auth.logout', {}],
  ] as const)
    await fails(c, op, data, 'unauthorized');
  await alive(c);
  assert.equal(s.metrics.messagesIn.get(), 0);
  assert.deepEqual(await ok(b.c, 'sync', {}), { messages: [], more: false });

  await ok(c, 'auth.login', { username: b.username, password: PASSWORD });
  await fails(c, 'auth.login', { username: b.username, password: PASSWORD }, 'already_authenticated');
  await fails(c, 'auth.register', { username: name, password: PASSWORD }, 'already_authenticated');
  await fails(c, 'auth.resume', { token: b.token }, 'already_authenticated');
  assert.equal((await s.store.listDevices(b.id)).length, 2, 'the refused logins made no device');
  assert.equal(await s.store.getUserByUsername(name), undefined);
  await alive(c);
});

test('hello with another protocol version gets protocol_unsupported, then close 4102', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const c = await RawClient.open(s.wsUrl);
  t.after(() => c.close());
  await fails(c, 'hello', { protocol: 2 }, 'protocol_unsupported');
  assert.equal((await c.closed).code, CLOSE_CODES.protocol_unsupported.code);
});

test('impossible sequences: cursors past the end or in other people’s conversations change nothing', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const [a, b, c] = [await rawUser(s), await rawUser(s), await rawUser(s)];
  t.after(() => [a, b, c].forEach((u) => u.c.close()));
  const convAB = directConvId(a.id, b.id);
  const convBC = directConvId(b.id, c.id);
  for (let i = 1; i <= 3; i++) await ok(a.c, 'msg.send', { to: b.id, clientId: `ab${i}`, text: `ab${i}` });
  await ok(b.c, 'msg.send', { to: c.id, clientId: 'bc1', text: 'bc1' });

  await fails(b.c, 'sync', { cursors: { [convAB]: 4 } }, 'invalid_cursor', /beyond/);
  assert.deepEqual(await ok(b.c, 'sync', { cursors: { [convAB]: 3, [convBC]: 1 } }), { messages: [], more: false }, 'at the end is fine');
  // A conversation the user is not in: with a cursor > 0 it is not found for this user; with 0 it is forbidden.
  await fails(a.c, 'sync', { cursors: { [convBC]: 1 } }, 'conversation_not_found');
  await fails(a.c, 'sync', { cursors: { [convBC]: 0 } }, 'not_member');
  await fails(a.c, 'sync', { cursors: { 'no-such-conv': 1 } }, 'conversation_not_found');

  await fails(b.c, 'msg.history', { conv: convAB, before: 5 }, 'invalid_cursor');
  assert.equal(((await ok(b.c, 'msg.history', { conv: convAB, before: 4 })).messages as unknown[]).length, 3, 'lastSeq + 1 is fine');
  await fails(a.c, 'msg.history', { conv: convBC }, 'not_member');

  await fails(b.c, 'conv.read', { conv: convAB, seq: 4 }, 'invalid_cursor');
  await fails(a.c, 'conv.read', { conv: convBC, seq: 1 }, 'not_member');
  const list = (await ok(b.c, 'conv.list', {})).conversations as { conv: string; readSeq: number; unread: number }[];
  const ab = list.find((x) => x.conv === convAB);
  assert.deepEqual([ab?.readSeq, ab?.unread], [0, 3], 'the refused read moved no cursor');
  assert.equal(c.c.frames.filter((f) => f.ev === 'read').length, 0);
  assert.equal(s.metrics.messagesIn.get(), 4);
  await alive(a.c);
  await alive(b.c);
});

test('a frame over gateway.maxFrameBytes closes the connection with 1009 and stores nothing', async (t) => {
  const s = await startTestServer({ gateway: { maxFrameBytes: 4096 }, limits: { maxTextChars: 100_000 } });
  t.after(() => s.close());
  const [a, b] = [await rawUser(s), await rawUser(s)];
  t.after(() => [a, b].forEach((u) => u.c.close()));
  await ok(a.c, 'msg.send', { to: b.id, clientId: 'fits', text: 'y'.repeat(3000) });
  a.c.sendRaw({ id: 'big', op: 'msg.send', data: { to: b.id, clientId: 'big', text: 'x'.repeat(5000) } });
  assert.equal((await a.c.closed).code, CLOSE_CODES.frame_too_large.code);
  assert.equal(
    a.c.frames.find((f) => f.id === 'big'),
    undefined,
    'no answer to the oversized frame',
  );
  assert.equal(s.metrics.messagesIn.get(), 1);
  assert.equal((await s.store.getConversation(directConvId(a.id, b.id)))?.lastSeq, 1);
  const synced = (await ok(b.c, 'sync', {})).messages as { clientId: string }[];
  assert.deepEqual(
    synced.map((m) => m.clientId),
    ['fits'],
  );
});

test('a burst over framesBurst gets rate_limited; refused sends are not stored', async (t) => {
  const s = await startTestServer({ gateway: { framesPerSecond: 1, framesBurst: 5 } });
  t.after(() => s.close());
  const [a, b] = [await rawUser(s), await rawUser(s)];
  t.after(() => [a, b].forEach((u) => u.c.close()));
  const replies = await Promise.all(
    Array.from({ length: 12 }, (_, i) => a.c.request('msg.send', { to: b.id, clientId: `r${i}`, text: `r${i}` })),
  );
  const limited = replies.filter((f) => f.error?.code === 'rate_limited');
  const acked = replies.filter((f) => f.ok);
  assert.ok(limited.length >= 12 - 5, `at most a burst gets through (${acked.length} did)`);
  assert.equal(acked.length + limited.length, 12);
  for (const f of limited) assertError(f, 'rate_limited', f.id, /per second/);
  await eventually(() => alive(a.c), 5000, 250);
  const stored = (await ok(b.c, 'sync', {})).messages as { clientId: string }[];
  assert.deepEqual(
    stored.map((m) => m.clientId).sort(),
    acked.map((f) => f.data!.clientId as string).sort(),
    'exactly the acknowledged messages are stored',
  );
  assert.equal(s.metrics.messagesIn.get(), acked.length);

  // Malformed frames count too: a flood of them cannot get around the limit.
  await eventually(() => alive(a.c), 5000, 250);
  const n = a.c.frames.length;
  for (let i = 0; i < 12; i++) a.c.sendRaw('{not json');
  await a.c.waitFor(() => a.c.frames.length >= n + 12);
  const codes = a.c.frames.slice(n).map((f) => f.error?.code);
  assert.ok(codes.filter((code) => code === 'rate_limited').length >= 12 - 5, JSON.stringify(codes));
});

test('registration input is checked; a refused registration makes no account and leaves the connection usable', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const taken = await rawUser(s);
  const c = await RawClient.open(s.wsUrl);
  t.after(() => [taken.c, c].forEach((x) => x.close()));
  await ok(c, 'hello', { protocol: 1 });
  const name = uniqueName();
  for (const bad of ['ab', '1abc', 'has space', 'x'.repeat(33), 'émile'])
    await fails(c, 'auth.register', { username: bad, password: PASSWORD }, 'invalid_username');
  await fails(c, 'auth.register', { username: name, password: 'short' }, 'invalid_password', /8/);
  await fails(c, 'auth.register', { username: name, password: PASSWORD, displayName: 'bell\u0007' }, 'invalid_display_name');
  await fails(c, 'auth.register', { username: name, password: PASSWORD, displayName: '   ' }, 'invalid_display_name');
  await fails(c, 'auth.register', { username: taken.username.toUpperCase(), password: 'other-password' }, 'username_taken');
  assert.equal(await s.store.getUserByUsername(name), undefined, 'no account was made');
  assert.equal((await s.store.getUserByUsername(taken.username))?.id, taken.id, 'the taken account is untouched');
  await fails(c, 'auth.login', { username: taken.username, password: 'other-password' }, 'invalid_credentials');
  await fails(c, 'device.list', {}, 'unauthorized');
  const r = await ok(c, 'auth.register', { username: name, password: PASSWORD });
  assert.equal((r.user as { username: string }).username, name, 'the same connection can still register');
});

test('with registration closed, auth.register gets registration_closed and accounts made by the admin still log in', async (t) => {
  const s = await startTestServer({ auth: { registration: 'closed' } });
  t.after(() => s.close());
  const c = await RawClient.open(s.wsUrl);
  t.after(() => c.close());
  await ok(c, 'hello', { protocol: 1 });
  const name = uniqueName();
  await fails(c, 'auth.register', { username: name, password: PASSWORD }, 'registration_closed');
  assert.equal(await s.store.getUserByUsername(name), undefined);
  await s.accounts.createUser({ username: name, password: PASSWORD });
  await ok(c, 'auth.login', { username: name, password: PASSWORD });
});

test('a wrong password and an unknown user get the identical error frame', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const u = await rawUser(s);
  const c = await RawClient.open(s.wsUrl);
  t.after(() => [u.c, c].forEach((x) => x.close()));
  await ok(c, 'hello', { protocol: 1 });
  const wrong = await fails(c, 'auth.login', { username: u.username, password: 'not-the-password' }, 'invalid_credentials');
  const unknown = await fails(c, 'auth.login', { username: uniqueName(), password: 'not-the-password' }, 'invalid_credentials');
  const invalid = await fails(c, 'auth.login', { username: '!!', password: 'not-the-password' }, 'invalid_credentials');
  assert.deepEqual(wrong.error, unknown.error);
  assert.deepEqual(wrong.error, invalid.error);
  assert.equal((await s.store.listDevices(u.id)).length, 1, 'no device was made');
  await fails(c, 'device.list', {}, 'unauthorized');
});

test('auth.resume refuses garbage, revoked and expired tokens', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const a = await rawUser(s);
  const c = await RawClient.open(s.wsUrl);
  const other = await RawClient.open(s.wsUrl);
  t.after(() => [a.c, c, other].forEach((x) => x.close()));
  await ok(c, 'hello', { protocol: 1 });
  await fails(c, 'auth.resume', { token: 'wb1_garbage' }, 'token_invalid');
  await fails(c, 'auth.resume', { token: a.token.slice(0, -1) + (a.token.endsWith('A') ? 'B' : 'A') }, 'token_invalid');

  // Revoked from another device: the revoked connection is closed and its token stops working.
  await ok(other, 'hello', { protocol: 1 });
  await ok(other, 'auth.login', { username: a.username, password: PASSWORD });
  await ok(other, 'device.revoke', { deviceId: a.deviceId });
  assert.equal((await a.c.closed).code, CLOSE_CODES.token_revoked.code);
  await fails(c, 'auth.resume', { token: a.token }, 'token_invalid');

  // Expired: the store says so.
  const login = await ok(c, 'auth.login', { username: a.username, password: PASSWORD });
  const fresh = await RawClient.open(s.wsUrl);
  t.after(() => fresh.close());
  await ok(fresh, 'hello', { protocol: 1 });
  await s.store.setDeviceToken(login.deviceId as number, hashToken(login.token as string), Date.now() - 1000);
  await fails(fresh, 'auth.resume', { token: login.token }, 'token_expired');
  await fails(fresh, 'device.list', {}, 'unauthorized');
  await alive(fresh);
});
