import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { test, type TestContext } from 'node:test';
import { loadConfig } from '../src/config.js';
import { createStore } from '../src/store/factory.js';
import { fails, ok, rawUser, say, type WireMsg } from './group-helpers.js';
import { RawClient, adminFetch, apiKey, eventually, startTestServer, tempDir, type Frame, type TestServer } from './helpers.js';

/** A server and a users:write key. */
async function setup(t: TestContext, dataDir?: string): Promise<{ s: TestServer; key: string }> {
  const s = await startTestServer({}, dataDir);
  t.after(() => s.close());
  return { s, key: await apiKey(s, 'users:write') };
}

/** A fresh connection's answer to one auth request. */
async function auth(t: TestContext, s: TestServer, op: 'auth.login' | 'auth.resume', data: object): Promise<Frame> {
  const c = await RawClient.open(s.wsUrl);
  t.after(() => c.close());
  await c.request('hello', { protocol: 1 });
  return c.request(op, data);
}

const errorCode = (f: Frame): string | undefined => f.error?.code;

test('disable closes every session with 4103 and refuses login and resume with account_disabled; enable restores login, not the old tokens', async (t) => {
  const { s, key } = await setup(t);
  const alice = await rawUser(s);
  const bob = await rawUser(s);
  t.after(() => [alice.c, bob.c].forEach((c) => c.close()));
  const second = await RawClient.open(s.wsUrl);
  t.after(() => second.close());
  await second.request('hello', { protocol: 1 });
  assert.equal((await second.request('auth.resume', { token: alice.token })).ok, true);

  const r = await adminFetch(s, `/api/admin/users/${alice.username}/disable`, { key, method: 'POST' });
  assert.equal(r.status, 200);
  assert.deepEqual(r.body.user, {
    id: alice.id,
    username: alice.username,
    displayName: alice.username,
    admin: false,
    disabled: true,
    createdAt: (r.body.user as { createdAt: number }).createdAt,
  });
  for (const c of [alice.c, second]) assert.equal((await c.closed).code, 4103, 'account_disabled: do not reconnect');

  assert.equal(errorCode(await auth(t, s, 'auth.login', { username: alice.username, password: 'password-123' })), 'account_disabled');
  assert.equal(
    errorCode(await auth(t, s, 'auth.login', { username: alice.username, password: 'wrong-password' })),
    'invalid_credentials',
    'a wrong password does not tell that the account is disabled',
  );
  assert.equal(errorCode(await auth(t, s, 'auth.resume', { token: alice.token })), 'account_disabled');
  // Disabling twice is fine; others may still write to a disabled account (it reads them once enabled).
  assert.equal((await adminFetch(s, `/api/admin/users/${alice.id}/disable`, { key, method: 'POST' })).status, 200);
  await ok(bob.c, 'msg.send', { to: alice.id, clientId: 'while-disabled', text: 'are you there?' });

  const enabled = await adminFetch(s, `/api/admin/users/${alice.id}/enable`, { key, method: 'POST' });
  assert.equal((enabled.body.user as { disabled: boolean }).disabled, false);
  const login = await auth(t, s, 'auth.login', { username: alice.username, password: 'password-123' });
  assert.equal(login.ok, true, JSON.stringify(login.error));
  assert.equal(
    errorCode(await auth(t, s, 'auth.resume', { token: alice.token })),
    'token_invalid',
    'tokens revoked by the disable stay revoked',
  );
});

test('disable, enable and delete of an unknown user, a bad key or a stray parameter get their error and change nothing', async (t) => {
  const { s, key } = await setup(t);
  const alice = await rawUser(s);
  t.after(() => alice.c.close());
  const reader = await apiKey(s, 'users:read');
  const cases: [string, string, string | undefined, number, string][] = [
    ['POST', '/api/admin/users/nobody-here/disable', key, 404, 'user_not_found'],
    ['POST', '/api/admin/users/999999/enable', key, 404, 'user_not_found'],
    ['DELETE', '/api/admin/users/999999', key, 404, 'user_not_found'],
    ['DELETE', '/api/admin/users/Not%20A%20Name', key, 404, 'user_not_found'],
    ['POST', '/api/admin/users/%E0%A4%A/disable', key, 400, 'invalid_parameter'],
    ['POST', `/api/admin/users/${alice.id}/disable?now=1`, key, 400, 'invalid_parameter'],
    ['POST', `/api/admin/users/${alice.id}/disable`, undefined, 401, 'unauthorized'],
    ['POST', `/api/admin/users/${alice.id}/disable`, reader, 403, 'scope_missing'],
    ['DELETE', `/api/admin/users/${alice.id}`, reader, 403, 'scope_missing'],
    ['DELETE', `/api/admin/users/${alice.id}`, 'wbk_unknown', 401, 'api_key_invalid'],
  ];
  for (const [method, path, k, status, code] of cases) {
    const r = await adminFetch(s, path, { key: k, method });
    assert.equal(r.status, status, `${method} ${path}`);
    assert.equal(r.body.error?.code, code, `${method} ${path}`);
  }
  // Nothing happened to alice: still connected, still able to log in.
  assert.equal((await alice.c.request('ping', {})).ok, true);
  assert.equal((await auth(t, s, 'auth.login', { username: alice.username, password: 'password-123' })).ok, true);
  assert.equal((await s.store.getUserById(alice.id))?.disabledAt, undefined);
});

/** The group events of `conv` as `[type, actor, users]`, from a sync by a member. */
async function groupEvents(c: RawClient, conv: string): Promise<[string, number, number[] | undefined][]> {
  const msgs = (await ok<{ messages: WireMsg[] }>(c, 'msg.history', { conv, limit: 500 })).messages;
  return msgs.filter((m) => m.kind === 'group').map((m) => [m.event!.type, m.event!.actor!, m.event!.users]);
}

test('deleting an account: sessions closed, groups handed on or dissolved, contacts gone, messages kept from a deleted user, username free', async (t) => {
  const { s, key } = await setup(t);
  const [alice, bob, carol, dave, eve, frank] = [
    await rawUser(s),
    await rawUser(s),
    await rawUser(s),
    await rawUser(s),
    await rawUser(s),
    await rawUser(s),
  ];
  t.after(() => [alice, bob, carol, dave, eve, frank].forEach((u) => u.c.close()));
  type Created = { group: { conv: string } };
  // G1: alice owns it, carol is its admin: carol inherits. G2: alice alone: dissolved. G3: bob owns it.
  // G4: alice owns it, no admin: the member who joined first inherits (bob and dave joined together; lower id first).
  const g1 = (await ok<Created>(alice.c, 'group.create', { name: 'g1', members: [bob.id, carol.id] })).group.conv;
  await ok(alice.c, 'group.role', { conv: g1, user: carol.id, role: 'admin' });
  const g2 = (await ok<Created>(alice.c, 'group.create', { name: 'g2' })).group.conv;
  const g3 = (await ok<Created>(bob.c, 'group.create', { name: 'g3', members: [alice.id] })).group.conv;
  const g4 = (await ok<Created>(alice.c, 'group.create', { name: 'g4', members: [dave.id, bob.id] })).group.conv;
  await say(alice.c, g1, 'hi group');
  await ok(alice.c, 'msg.send', { to: bob.id, clientId: 'to-bob', text: 'hello bob' });
  assert.equal((await ok<{ status: string }>(dave.c, 'friend.request', { user: alice.id })).status, 'pending');
  await ok(alice.c, 'friend.accept', { user: dave.id });
  await ok(eve.c, 'block.add', { user: alice.id });
  await ok(alice.c, 'block.add', { user: carol.id });
  assert.equal((await ok<{ status: string }>(frank.c, 'friend.request', { user: alice.id })).status, 'pending');

  const r = await adminFetch(s, `/api/admin/users/${alice.username}`, { key, method: 'DELETE' });
  assert.equal(r.status, 200);
  assert.deepEqual(r.body, { id: alice.id, deleted: true });
  assert.equal((await alice.c.closed).code, 4103);

  await eventually(async () => {
    const info = (await ok<{ group: { ownerId: number; memberCount: number } }>(bob.c, 'group.get', { conv: g1 })).group;
    assert.deepEqual([info.ownerId, info.memberCount], [carol.id, 2], 'the admin inherits G1');
  });
  assert.deepEqual(await groupEvents(bob.c, g1), [
    ['created', alice.id, [alice.id, bob.id, carol.id]],
    ['role', alice.id, [carol.id]],
    ['transferred', alice.id, [carol.id]],
    ['left', alice.id, undefined],
  ]);
  await eventually(async () => assert.notEqual((await s.store.groups.getGroup(Number(g2.slice(2))))?.dissolvedAt ?? null, null));
  await eventually(async () => {
    const g3Info = (await ok<{ group: { ownerId: number; memberCount: number } }>(bob.c, 'group.get', { conv: g3 })).group;
    assert.deepEqual([g3Info.ownerId, g3Info.memberCount], [bob.id, 1]);
    const g4Info = (await ok<{ group: { ownerId: number; memberCount: number } }>(dave.c, 'group.get', { conv: g4 })).group;
    assert.deepEqual([g4Info.ownerId, g4Info.memberCount], [Math.min(bob.id, dave.id), 2], 'the member who joined first');
  });

  // Contacts: dave's friendship ended (he is told), eve's block and frank's request are gone.
  await eventually(async () => assert.deepEqual((await ok<{ friends: unknown[] }>(dave.c, 'friend.list', {})).friends, []));
  await eventually(() =>
    assert.ok(
      dave.c.frames.some((f) => f.ev === 'msg' && (f.data as { event?: { type: string; user: number } }).event?.type === 'friend.removed'),
    ),
  );
  assert.deepEqual((await ok<{ blocked: unknown[] }>(eve.c, 'block.list', {})).blocked, []);
  assert.deepEqual((await ok<{ outgoing: unknown[] }>(frank.c, 'friend.requests', {})).outgoing, []);

  // Messages stay, from a user nobody can look up or write to any more.
  const direct = `d:${Math.min(alice.id, bob.id)}:${Math.max(alice.id, bob.id)}`;
  const history = (await ok<{ messages: WireMsg[] }>(bob.c, 'msg.history', { conv: direct })).messages;
  assert.deepEqual(
    history.map((m) => [m.from, m.text]),
    [[alice.id, 'hello bob']],
  );
  assert.ok((await groupEvents(bob.c, g1)).length > 0);
  const g1Texts = (await ok<{ messages: WireMsg[] }>(bob.c, 'msg.history', { conv: g1 })).messages.filter((m) => m.kind === 'text');
  assert.deepEqual(
    g1Texts.map((m) => [m.from, m.text]),
    [[alice.id, 'hi group']],
  );
  await fails(bob.c, 'user.get', { id: alice.id }, 'user_not_found');
  await fails(bob.c, 'user.get', { username: alice.username }, 'user_not_found');
  await fails(bob.c, 'msg.send', { to: alice.id, clientId: 'after-delete', text: 'still there?' }, 'user_not_found');
  await fails(bob.c, 'msg.send', { conv: direct, clientId: 'after-delete-2', text: 'still there?' }, 'conversation_not_found');
  await fails(bob.c, 'friend.request', { user: alice.id }, 'user_not_found');
  await fails(bob.c, 'group.add', { conv: g3, users: [alice.id] }, 'user_not_found');
  const convs = (
    await ok<{ conversations: { conv: string; peer?: { id: number; username: string; displayName: string } }[] }>(bob.c, 'conv.list', {})
  ).conversations;
  assert.deepEqual(convs.find((c) => c.conv === direct)?.peer, { id: alice.id, username: '', displayName: '' });

  // The account is gone for good; its name is free.
  assert.equal(errorCode(await auth(t, s, 'auth.resume', { token: alice.token })), 'token_invalid');
  assert.equal(errorCode(await auth(t, s, 'auth.login', { username: alice.username, password: 'password-123' })), 'invalid_credentials');
  assert.equal((await adminFetch(s, `/api/admin/users/${alice.id}`, { key, method: 'DELETE' })).body.error?.code, 'user_not_found');
  assert.equal((await adminFetch(s, `/api/admin/users/${alice.id}/enable`, { key, method: 'POST' })).body.error?.code, 'user_not_found');
  const listed = await adminFetch(s, '/api/admin/users?limit=1000', { key: await apiKey(s, 'users:read') });
  assert.ok(!(listed.body.users as { id: number }[]).some((u) => u.id === alice.id));
  const again = await RawClient.open(s.wsUrl);
  t.after(() => again.close());
  const reborn = await again.registerNew(alice.username);
  assert.notEqual(reborn.id, alice.id, 'a new account, not the old one');
});

test('a deletion the server did not finish (made while it was stopped) is finished at the next start', async (t) => {
  const dataDir = tempDir();
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const first = await startTestServer({}, dataDir);
  const alice = await rawUser(first);
  const bob = await rawUser(first);
  const conv = (await ok<{ group: { conv: string } }>(alice.c, 'group.create', { name: 'left behind', members: [bob.id] })).group.conv;
  alice.c.close();
  bob.c.close();
  await first.stop();

  // What `warbler user delete` does when no server runs: only the tombstone.
  const config = loadConfig({ overrides: { dataDir, store: { sqlite: { synchronous: 'normal' } } } });
  const store = await createStore(config);
  assert.equal(await store.admin.deleteUser(alice.id, Date.now()), true);
  assert.deepEqual(await store.admin.unfinishedDeletions(), [alice.id]);
  await store.close();

  const second = await startTestServer({}, dataDir);
  t.after(() => second.close());
  assert.deepEqual(await second.store.admin.unfinishedDeletions(), [], 'finished before the server listens');
  const b = await RawClient.open(second.wsUrl);
  t.after(() => b.close());
  await b.request('hello', { protocol: 1 });
  assert.equal((await b.request('auth.resume', { token: bob.token })).ok, true);
  const info = (await ok<{ group: { ownerId: number; memberCount: number } }>(b, 'group.get', { conv })).group;
  assert.deepEqual([info.ownerId, info.memberCount], [bob.id, 1]);
});
