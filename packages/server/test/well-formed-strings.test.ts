import assert from 'node:assert/strict';
import { test } from 'node:test';
import { directConvId } from '@warbler/protocol';
import { RawClient, apiKey, eventually, startTestServer, uniqueName, type Frame } from './helpers.js';

/** Lone surrogates: a high one with no low one after it, a low one alone. JSON.stringify writes them as `\ud800` escapes. */
const HIGH = '\ud800';
const LOW = '\udfff';
/** A well-formed pair (😀), which must come back unchanged. */
const PAIR = '\ud83d\ude00';

async function user(url: string): Promise<{ c: RawClient; id: number; token: string }> {
  const c = await RawClient.open(url);
  return { c, ...(await c.registerNew()) };
}

test('a lone UTF-16 surrogate in any string of a frame is refused with invalid_frame naming the field; nothing is stored', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const a = await user(s.wsUrl);
  const b = await user(s.wsUrl);
  t.after(() => [a, b].forEach((u) => u.c.close()));
  const conv = directConvId(a.id, b.id);
  const { data: created } = await a.c.request('group.create', { name: 'g' });
  const group = (created as { group: { conv: string } }).group.conv;
  const cases: [string, string, Record<string, unknown>, RegExp][] = [
    ['clientId', 'msg.send', { to: b.id, clientId: `c${HIGH}`, text: 'x' }, /^data\.clientId: /],
    ['text, low alone', 'msg.send', { to: b.id, clientId: 'c1', text: `a${LOW}b` }, /^data\.text: /],
    ['text, high at the end', 'msg.send', { to: b.id, clientId: 'c1', text: `ab${HIGH}` }, /^data\.text: /],
    ['two highs', 'msg.send', { to: b.id, clientId: 'c1', text: `${HIGH}${HIGH}` }, /^data\.text: /],
    ['a media name', 'msg.send', { to: b.id, clientId: 'c1', kind: 'file', media: { url: 'u', name: HIGH } }, /^data\.media\.name: /],
    [
      'deep in custom',
      'msg.send',
      { to: b.id, clientId: 'c1', kind: 'custom', custom: { a: [1, { b: LOW }] } },
      /^data\.custom\.a\.1\.b: /,
    ],
    ['a custom key', 'msg.send', { to: b.id, clientId: 'c1', kind: 'custom', custom: { [`k${HIGH}`]: 1 } }, /^data\.custom: .*key/],
    ['a sync cursor key', 'sync', { cursors: { [`${conv}${LOW}`]: 0 } }, /^data\.cursors: .*key/],
    ['an edit', 'msg.edit', { conv, seq: 1, text: HIGH, clientId: 'e1' }, /^data\.text: /],
    ['an emoji', 'msg.react', { conv, seq: 1, emoji: `${PAIR.slice(0, 1)}`, on: true, clientId: 'r1' }, /^data\.emoji: /],
    ['a group name', 'group.create', { name: `g${HIGH}` }, /^data\.name: /],
    ['a group description', 'group.update', { conv: group, description: LOW }, /^data\.description: /],
    ['a join message', 'group.join', { conv: group, message: HIGH }, /^data\.message: /],
    ['a display name', 'profile.update', { displayName: `A${HIGH}` }, /^data\.displayName: /],
    ['a bio', 'profile.update', { bio: LOW }, /^data\.bio: /],
    ['a friend request message', 'friend.request', { user: b.id, message: HIGH }, /^data\.message: /],
    ['a user lookup', 'user.get', { username: `a${HIGH}` }, /^data\.username: /],
    ['a user search', 'user.search', { q: `ab${LOW}` }, /^data\.q: /],
    ['a message search', 'msg.search', { q: `ab${HIGH}` }, /^data\.q: /],
    ['a conv.list cursor', 'conv.list', { before: `1:${HIGH}` }, /^data\.before: /],
    ['a new password', 'account.password', { oldPassword: 'password-123', newPassword: `new-password${HIGH}` }, /^data\.newPassword: /],
  ];
  for (const [name, op, data, field] of cases) {
    await t.test(name, async () => {
      const f = await a.c.request(op, data);
      assert.equal(f.error?.code, 'invalid_frame', `${op}: ${JSON.stringify(f)}`);
      assert.match(f.error!.message, field);
      assert.match(f.error!.message, /surrogate/);
      assert.equal((await a.c.request('ping')).ok, true, 'the connection goes on');
    });
  }
  // The request id and the op are strings of the frame too.
  a.c.sendRaw(`{"id":"x\\ud800","op":"ping"}`);
  const badId = await a.c.waitFor((f) => f.id === null && f.error?.message.startsWith('id') === true);
  assert.equal(badId.error?.code, 'invalid_frame');
  a.c.sendRaw(`{"id":"op-1","op":"ping\\udc00"}`);
  const badOp = await a.c.waitFor((f) => f.id === 'op-1');
  assert.equal(badOp.error?.code, 'invalid_frame');
  assert.match(badOp.error!.message, /^op: .*surrogate/);

  assert.equal(s.metrics.messagesIn.get(), 1, 'only the group creation was stored');
  assert.equal(await s.store.getConversation(conv), undefined);
  assert.deepEqual((await b.c.request('sync', {})).data, { messages: [], more: false });
  assert.equal(b.c.frames.filter((f) => f.ev !== undefined).length, 0, 'nothing was pushed');
});

test('registration and login with a lone surrogate are refused and make no account', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const c = await RawClient.open(s.wsUrl);
  t.after(() => c.close());
  await c.request('hello', { protocol: 1, client: 'test' });
  const name = uniqueName();
  for (const data of [
    { username: `${name}${HIGH}`, password: 'password-123' },
    { username: name, password: `password-123${LOW}` },
    { username: name, password: 'password-123', displayName: `N${HIGH}` },
    { username: name, password: 'password-123', device: `phone${LOW}` },
  ]) {
    const f = await c.request('auth.register', data);
    assert.equal(f.error?.code, 'invalid_frame', JSON.stringify(f));
    assert.match(f.error!.message, /surrogate/);
  }
  assert.equal((await c.request('auth.login', { username: name, password: `x${HIGH}` })).error?.code, 'invalid_frame');
  assert.equal((await c.request('hello', { protocol: 1, client: `t${HIGH}` })).error?.code, 'invalid_frame');
  assert.equal(await s.store.getUserByUsername(name), undefined, 'no account was made');
  const ok = await c.request('auth.register', { username: name, password: 'password-123', displayName: `N${PAIR}` });
  assert.equal(ok.ok, true, 'the connection can still register');
});

test('well-formed surrogate pairs come back unchanged from the ack, the push, sync and history', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const a = await user(s.wsUrl);
  const b = await user(s.wsUrl);
  t.after(() => [a, b].forEach((u) => u.c.close()));
  const clientId = `id-${PAIR}-𠀀`;
  const text = `smile ${PAIR} 𝄞`;
  const ack = await a.c.request('msg.send', { to: b.id, clientId, text });
  assert.equal((ack.data as { clientId: string }).clientId, clientId);
  const pushed = await b.c.waitFor((f) => f.ev === 'msg');
  const conv = directConvId(a.id, b.id);
  const synced = ((await b.c.request('sync', {})).data as { messages: Frame['data'][] }).messages[0]!;
  const history = ((await b.c.request('msg.history', { conv })).data as { messages: Frame['data'][] }).messages[0]!;
  for (const m of [pushed.data!, synced, history]) assert.deepEqual([m.clientId, m.text], [clientId, text]);
  await eventually(() => assert.equal(s.metrics.messagesIn.get(), 1));
});

test('the admin API refuses a body string with a lone surrogate with invalid_body naming the field', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const token = await apiKey(s, 'users:write');
  const post = async (body: string) => {
    const r = await fetch(`${s.adminUrl}/api/admin/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body,
    });
    return { status: r.status, body: (await r.json()) as { error?: { code: string; message: string } } };
  };
  const fresh = uniqueName('bulk');
  for (const [body, field] of [
    [`{"users":[{"username":"${fresh}","displayName":"x\\ud800"}]}`, /^body\.users\.0\.displayName: /],
    [`{"users":[{"username":"${fresh}"}],"device":"\\udc00"}`, /^body\.device: /],
    [`{"users":[{"username":"${fresh}","password":"p\\ud800assword"}]}`, /^body\.users\.0\.password: /],
  ] as const) {
    const r = await post(body);
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.equal(r.body.error?.code, 'invalid_body');
    assert.match(r.body.error!.message, field);
  }
  assert.equal(await s.store.getUserByUsername(fresh), undefined, 'nothing was created');
});
