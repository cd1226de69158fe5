import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { ERRORS, directConvId, type ErrorCode } from '@warbler/protocol';
import { RawClient, startTestServer, tempDir, uniqueName, type Frame, type TestServer } from './helpers.js';
import { onlyOn } from './test-store.js';

interface RawUser {
  c: RawClient;
  id: number;
  token: string;
}

async function rawUser(s: TestServer): Promise<RawUser> {
  const c = await RawClient.open(s.wsUrl);
  return { c, ...(await c.registerNew(uniqueName())) };
}

/** Another connection of an existing user (a second device or tab). */
async function resume(s: TestServer, token: string): Promise<RawClient> {
  const c = await RawClient.open(s.wsUrl);
  await ok(c, 'hello', { protocol: 1 });
  await ok(c, 'auth.resume', { token });
  return c;
}

async function ok(c: RawClient, op: string, data?: unknown): Promise<Record<string, unknown>> {
  const f = await c.request(op, data);
  assert.equal(f.ok, true, `${op}: ${JSON.stringify(f)}`);
  return f.data!;
}

async function fails(c: RawClient, op: string, data: unknown, code: ErrorCode): Promise<void> {
  const f = await c.request(op, data);
  assert.equal(f.ok, false, `${op} should fail with ${code}: ${JSON.stringify(f)}`);
  assert.equal(f.error!.code, code, JSON.stringify(f));
  assert.equal(f.error!.status, ERRORS[code].status);
}

async function befriend(a: RawUser, b: RawUser): Promise<void> {
  await ok(a.c, 'friend.request', { user: b.id });
  await ok(b.c, 'friend.accept', { user: a.id });
}

/** The data of the `ev` events a connection got (about `user`, when given), in order. */
function events(c: RawClient, ev: string, user?: number): Record<string, unknown>[] {
  return c.frames.filter((f: Frame) => f.ev === ev && (user === undefined || f.data?.user === user)).map((f) => f.data!);
}

/** Waits until `c` has `count` `ev` events (about `user`); returns them. */
async function nth(c: RawClient, ev: string, user: number, count: number): Promise<Record<string, unknown>[]> {
  await c.waitFor(() => events(c, ev, user).length >= count);
  return events(c, ev, user);
}

/** Gives pushes that should not come the time to arrive. */
const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 150));

/** Closes a connection and waits until the server has seen it go. */
async function closeAndWait(c: RawClient): Promise<void> {
  c.close();
  await c.closed;
  await new Promise((r) => setTimeout(r, 30));
}

test('presence: a friend sees a user online while any of the user’s connections is open, then offline with last seen, also after a restart', async (t) => {
  const dataDir = tempDir();
  const s = await startTestServer({}, dataDir);
  // The data folder outlives this server: the second one below deletes it.
  t.after(() => s.stop());
  const a = await rawUser(s);
  const b = await rawUser(s);
  await befriend(a, b);

  assert.deepEqual(await ok(b.c, 'presence.watch', { users: [a.id] }), { presence: [{ user: a.id, online: true }] });
  const a2 = await resume(s, a.token);
  await closeAndWait(a.c);
  await settle();
  assert.deepEqual(events(b.c, 'presence', a.id), [], 'still online on the second device');

  const beforeClose = Date.now();
  await closeAndWait(a2);
  const [offline] = await nth(b.c, 'presence', a.id, 1);
  assert.equal(offline!.online, false);
  // lastSeen is wall-clock time, which can step back a little on a shared machine (a CI run saw it 1 ms
  // before the close began); 50 ms of slack still tells the close from the second device's login, made
  // more than 180 ms before it.
  const seenAt = offline!.lastSeen as number;
  assert.ok(seenAt >= beforeClose - 50 && seenAt <= Date.now() + 50, JSON.stringify(offline));

  const a3 = await resume(s, a.token);
  assert.deepEqual((await nth(b.c, 'presence', a.id, 2))[1], { user: a.id, online: true });
  await closeAndWait(a3);
  const lastSeen = (await nth(b.c, 'presence', a.id, 3))[2]!.lastSeen as number;
  // A new watch reports the last-seen time too.
  const b2 = await resume(s, b.token);
  assert.deepEqual(await ok(b2, 'presence.watch', { users: [a.id] }), { presence: [{ user: a.id, online: false, lastSeen }] });
  b.c.close();
  b2.close();

  // The time is written to the device, so a restarted server still knows it.
  await s.stop();
  const s2 = await startTestServer({}, dataDir);
  t.after(() => s2.close());
  const b3 = await resume(s2, b.token);
  t.after(() => b3.close());
  const after = (await ok(b3, 'presence.watch', { users: [a.id] })).presence as { lastSeen: number }[];
  assert.ok(after[0]!.lastSeen >= lastSeen, `${after[0]!.lastSeen} >= ${lastSeen}`);
});

test(
  'presence privacy: contacts (friends, group mates) by default, everyone, nobody; changes and blocks apply to open watches',
  onlyOn(['sqlite'], 'writes a group straight into the SQLite file'),
  async (t) => {
    const s = await startTestServer();
    t.after(() => s.close());
    const [a, friend, stranger, mate] = [await rawUser(s), await rawUser(s), await rawUser(s), await rawUser(s)];
    t.after(() => [a, friend, stranger, mate].forEach((u) => u.c.close()));
    await befriend(a, friend);
    // A group shared by A and `mate` (groups are made by the groups service; here its rows are written directly).
    const db = new Database(join(s.dataDir, 'warbler.db'));
    db.prepare("INSERT INTO conversations (id, kind, last_seq, created_at, updated_at) VALUES ('g:900001', 'group', 0, 1, 1)").run();
    for (const u of [a, mate]) db.prepare("INSERT INTO members (conv_id, user_id, joined_at) VALUES ('g:900001', ?, 1)").run(u.id);
    db.close();

    const online = { presence: [{ user: a.id, online: true }] };
    const hidden = { presence: [{ user: a.id, online: false }] };
    assert.deepEqual(await ok(friend.c, 'presence.watch', { users: [a.id] }), online);
    assert.deepEqual(await ok(mate.c, 'presence.watch', { users: [a.id] }), online);
    assert.deepEqual(await ok(stranger.c, 'presence.watch', { users: [a.id] }), hidden, 'a stranger sees no presence and no last seen');

    await ok(a.c, 'privacy.update', { presence: 'everyone' });
    assert.deepEqual(await nth(stranger.c, 'presence', a.id, 1), [{ user: a.id, online: true }]);
    await ok(a.c, 'privacy.update', { presence: 'nobody' });
    assert.deepEqual((await nth(stranger.c, 'presence', a.id, 2))[1], { user: a.id, online: false });
    assert.deepEqual(await nth(friend.c, 'presence', a.id, 1), [{ user: a.id, online: false }], 'nobody hides from friends too');
    const friend2 = await resume(s, friend.token);
    t.after(() => friend2.close());
    assert.deepEqual(await ok(friend2, 'presence.watch', { users: [a.id] }), hidden);

    await ok(a.c, 'privacy.update', { presence: 'contacts' });
    assert.deepEqual((await nth(friend.c, 'presence', a.id, 2))[1], { user: a.id, online: true });
    assert.deepEqual((await nth(friend2, 'presence', a.id, 1))[0], { user: a.id, online: true });
    await settle();
    assert.equal(events(stranger.c, 'presence', a.id).length, 2, 'the stranger is told nothing more');

    // Becoming friends shows A to the stranger; blocking hides A from the friend.
    await befriend(stranger, a);
    assert.deepEqual((await nth(stranger.c, 'presence', a.id, 3))[2], { user: a.id, online: true });
    await ok(a.c, 'block.add', { user: friend.id });
    assert.deepEqual((await nth(friend.c, 'presence', a.id, 3))[2], { user: a.id, online: false });

    // A goes offline: those who see A get the last-seen time, the blocked friend nothing.
    await closeAndWait(a.c);
    assert.equal((await nth(mate.c, 'presence', a.id, 1))[0]!.online, false);
    assert.ok((await nth(stranger.c, 'presence', a.id, 4))[3]!.lastSeen);
    await settle();
    assert.equal(events(friend.c, 'presence', a.id).length, 3);
  },
);

test('presence.watch: at most presence.maxWatched users per connection (request_too_large, nothing added); unknown ids answered offline and counted; unwatch stops events', async (t) => {
  const s = await startTestServer({ presence: { maxWatched: 3 } });
  t.after(() => s.close());
  const w = await rawUser(s);
  const us = [await rawUser(s), await rawUser(s), await rawUser(s), await rawUser(s)];
  t.after(() => [w, ...us].forEach((u) => u.c.close()));
  for (const u of us) await ok(u.c, 'privacy.update', { presence: 'everyone' });
  const [u1, u2, u3, u4] = us.map((u) => u.id) as [number, number, number, number];

  await fails(w.c, 'presence.watch', { users: [u1, u2, u3, u4] }, 'request_too_large');
  await ok(w.c, 'presence.watch', { users: [u1, u1] });
  await fails(w.c, 'presence.watch', { users: [u2, u3, u4] }, 'request_too_large');
  // Nothing of the refused watch was added: u2 coming back online is not reported.
  await closeAndWait(us[1]!.c);
  us[1]!.c = await resume(s, us[1]!.token);
  await settle();
  assert.deepEqual(events(w.c, 'presence', u2), []);

  // An id that belongs to nobody is answered like a user who hides their presence, and counts as a watch.
  const r = await ok(w.c, 'presence.watch', { users: [u2, 987_654_321, u1] });
  assert.deepEqual(r.presence, [
    { user: u2, online: true },
    { user: 987_654_321, online: false },
    { user: u1, online: true },
  ]);
  await fails(w.c, 'presence.watch', { users: [u3] }, 'request_too_large');
  await ok(w.c, 'presence.unwatch', { users: [u1, 987_654_321] });
  await ok(w.c, 'presence.watch', { users: [u4] });

  await closeAndWait(us[0]!.c);
  await closeAndWait(us[3]!.c);
  assert.equal((await nth(w.c, 'presence', u4, 1))[0]!.online, false);
  await settle();
  assert.deepEqual(events(w.c, 'presence', u1), [], 'no events after unwatch');

  await fails(w.c, 'presence.watch', { users: [] }, 'invalid_frame');
  const anon = await RawClient.open(s.wsUrl);
  t.after(() => anon.close());
  await ok(anon, 'hello', { protocol: 1 });
  await fails(anon, 'presence.watch', { users: [u1] }, 'unauthorized');
});

test('typing: pushed to the other members only, never stored; faster than presence.typingIntervalMs is rate_limited; non-members, account logs and blocked senders are refused', async (t) => {
  const s = await startTestServer({ presence: { typingIntervalMs: 300 } });
  t.after(() => s.close());
  const [a, b, c] = [await rawUser(s), await rawUser(s), await rawUser(s)];
  const a2 = await resume(s, a.token);
  t.after(() => [a.c, a2, b.c, c.c].forEach((x) => x.close()));
  const ab = directConvId(a.id, b.id);

  assert.deepEqual(await ok(a.c, 'typing', { conv: ab, typing: true }), {});
  assert.deepEqual(await nth(b.c, 'typing', a.id, 1), [{ conv: ab, user: a.id, typing: true }]);
  await fails(a.c, 'typing', { conv: ab, typing: false }, 'rate_limited');
  await ok(a.c, 'typing', { conv: directConvId(a.id, c.id), typing: true });
  await ok(a2, 'typing', { conv: ab, typing: true });
  await nth(b.c, 'typing', a.id, 2);
  await new Promise((r) => setTimeout(r, 300));
  await ok(a.c, 'typing', { conv: ab, typing: false });
  assert.deepEqual((await nth(b.c, 'typing', a.id, 3))[2], { conv: ab, user: a.id, typing: false });
  await settle();
  assert.deepEqual(events(a.c, 'typing'), [], 'the typing user’s own connections get nothing');
  assert.deepEqual(events(a2, 'typing'), []);
  assert.deepEqual(events(c.c, 'typing'), [{ conv: directConvId(a.id, c.id), user: a.id, typing: true }]);

  await fails(c.c, 'typing', { conv: ab, typing: true }, 'not_member');
  await fails(a.c, 'typing', { conv: `u:${a.id}`, typing: true }, 'forbidden');
  await fails(a.c, 'typing', { conv: `u:${b.id}`, typing: true }, 'not_member');
  await fails(a.c, 'typing', { conv: `d:${Math.max(a.id, b.id)}:${Math.min(a.id, b.id)}`, typing: true }, 'conversation_not_found');
  await fails(a.c, 'typing', { conv: 'g:900002', typing: true }, 'conversation_not_found');
  await ok(b.c, 'block.add', { user: a.id });
  await new Promise((r) => setTimeout(r, 300));
  await fails(a.c, 'typing', { conv: ab, typing: true }, 'blocked');
  await settle();
  assert.equal(events(b.c, 'typing').length, 3, 'refused typing frames reach nobody');

  // Never stored: the conversation has no messages.
  assert.deepEqual(await ok(b.c, 'msg.history', { conv: ab }), { messages: [], more: false });
});
