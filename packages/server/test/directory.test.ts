import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { test, type TestContext } from 'node:test';
import { directConvId } from '@warbler/protocol';
import type { ConfigInput } from '../src/config.js';
import { fails, ok, rawUser } from './group-helpers.js';
import { RawClient, startTestServer, tempDir, uniqueName, type TestServer } from './helpers.js';

type User = Awaited<ReturnType<typeof rawUser>>;

/** A server with `over`, and `n` registered users on raw connections, all torn down after the test. */
async function world(t: TestContext, n: number, over: ConfigInput = {}, dataDir?: string): Promise<{ s: TestServer; users: User[] }> {
  const s = await startTestServer(over, dataDir);
  t.after(() => (dataDir ? s.stop() : s.close()));
  const users: User[] = [];
  for (let i = 0; i < n; i++) users.push(await rawUser(s));
  t.after(() => users.forEach((u) => u.c.close()));
  return { s, users };
}

/** Makes `a` and `b` friends (`b` accepts anyone), at the cost of one lookup for `a`. */
async function befriend(a: User, b: User): Promise<void> {
  await ok(b.c, 'privacy.update', { friendPolicy: 'anyone' });
  assert.equal((await ok<{ status: string }>(a.c, 'friend.request', { user: b.id })).status, 'friends');
}

/** Every message of `conv` the user can sync. */
async function synced(u: User, conv: string): Promise<unknown[]> {
  return (await ok<{ messages: { conv: string }[] }>(u.c, 'sync', { cursors: {}, limit: 500 })).messages.filter((m) => m.conv === conv);
}

test('lookups: strangers and nobody cost one alike; contacts and oneself are free; past the budget every op naming a stranger is rate_limited and changes nothing', async (t) => {
  const { s, users } = await world(t, 4, { directory: { lookupBurst: 5, lookupsPerHour: 1 } });
  const [me, friend, s1, s2] = users as [User, User, User, User];
  await befriend(me, friend); // 4 left
  await ok(me.c, 'user.get', { id: me.id });
  await ok(me.c, 'user.get', { id: friend.id });
  await ok(me.c, 'user.get', { username: friend.username });
  assert.equal((await ok<{ user: { id: number } }>(me.c, 'user.get', { id: s1.id })).user.id, s1.id); // 3 left
  await fails(me.c, 'user.get', { id: 987_654 }, 'user_not_found'); // 2
  await fails(me.c, 'user.get', { username: uniqueName('nobody') }, 'user_not_found'); // 1
  await ok(me.c, 'user.get', { username: s2.username }); // 0
  // Out of lookups: a stranger and nobody get the same answer.
  const stranger = await fails(me.c, 'user.get', { id: s1.id }, 'rate_limited');
  const nobody = await fails(me.c, 'user.get', { id: 987_655 }, 'rate_limited');
  assert.equal(stranger.message.replace(/\d+/g, 'N'), nobody.message.replace(/\d+/g, 'N'));
  assert.match(stranger.message, /not your contacts; retry in \d+ s/);
  // Contacts and oneself stay free.
  await ok(me.c, 'user.get', { id: friend.id });
  await ok(me.c, 'user.get', { id: me.id });
  // Every op that names a stranger is refused and stores nothing.
  await fails(me.c, 'user.search', { q: s1.username.slice(0, 5) }, 'rate_limited');
  await fails(me.c, 'friend.request', { user: s1.id }, 'rate_limited');
  assert.deepEqual((await ok<{ outgoing: unknown[] }>(me.c, 'friend.requests', {})).outgoing, []);
  await fails(me.c, 'block.add', { user: s1.id }, 'rate_limited');
  assert.deepEqual((await ok<{ blocked: unknown[] }>(me.c, 'block.list', {})).blocked, []);
  await fails(me.c, 'group.create', { name: 'g', members: [s1.id] }, 'rate_limited');
  await fails(me.c, 'msg.send', { to: s1.id, clientId: 'x1', text: 'hi' }, 'rate_limited');
  assert.deepEqual(await synced(s1, directConvId(me.id, s1.id)), []);
  const convs = await ok<{ conversations: unknown[] }>(me.c, 'conv.list', {});
  assert.equal(convs.conversations.length, 0, 'no group, no conversation was created');
  // A contact is still written to; the stranger's own budget is theirs.
  await ok(me.c, 'msg.send', { to: friend.id, clientId: 'f1', text: 'hi friend' });
  await ok(s1.c, 'user.get', { id: me.id });
  assert.equal((await s.store.contacts.listBlocked(me.id, 0, 10)).length, 0);
});

test('lookups: the first message to a stranger costs one, the rest of the conversation nothing; a stranger who wrote first can be answered', async (t) => {
  const { users } = await world(t, 3, { directory: { lookupBurst: 1, lookupsPerHour: 1 } });
  const [a, b, c] = users as [User, User, User];
  await ok(a.c, 'msg.send', { to: b.id, clientId: 'a1', text: 'first' });
  for (let i = 2; i <= 4; i++) await ok(a.c, 'msg.send', { to: b.id, clientId: `a${i}`, text: `again ${i}` });
  await fails(a.c, 'msg.send', { to: c.id, clientId: 'a5', text: 'to another stranger' }, 'rate_limited');
  // c spends its only lookup on a; a, with none left, answers in the conversation c opened.
  await ok(c.c, 'msg.send', { to: a.id, clientId: 'c1', text: 'hello a' });
  await ok(a.c, 'msg.send', { to: c.id, clientId: 'a6', text: 'hello c' });
  assert.equal((await synced(a, directConvId(a.id, c.id))).length, 2);
});

test('lookups: adding strangers to a group is all or nothing; more than the burst at once is refused whatever the wait; group mates are free', async (t) => {
  const { users } = await world(t, 6, { directory: { lookupBurst: 3, lookupsPerHour: 1 } });
  const [owner, s1, s2, s3, s4, s5] = users as [User, User, User, User, User, User];
  const { group } = await ok<{ group: { conv: string } }>(owner.c, 'group.create', { name: 'lab' });
  const tooMany = await fails(owner.c, 'group.add', { conv: group.conv, users: [s1.id, s2.id, s3.id, s4.id] }, 'rate_limited');
  assert.match(tooMany.message, /at most 3 users who are not your contacts at once/);
  await ok(owner.c, 'group.add', { conv: group.conv, users: [s1.id, s2.id] }); // 1 left
  await fails(owner.c, 'group.add', { conv: group.conv, users: [s3.id, s4.id] }, 'rate_limited');
  const members = await ok<{ members: unknown[] }>(owner.c, 'group.members', { conv: group.conv });
  assert.equal(members.members.length, 3, 'the refused add added nobody');
  // s1 and s2 are group mates now: a second group with them costs nothing.
  await ok(owner.c, 'group.create', { name: 'lab 2', members: [s1.id, s2.id] });
  await ok(owner.c, 'group.add', { conv: group.conv, users: [s5.id] });
});

test('user.search: at least directory.searchMinChars characters, at most directory.searchMaxResults users whatever limit asks', async (t) => {
  const { s, users } = await world(t, 1);
  const [me] = users as [User];
  const prefix = uniqueName('zq').slice(0, 12);
  await s.accounts.createUsers(
    Array.from({ length: 25 }, (_, i) => ({ username: `${prefix}${String(i).padStart(2, '0')}` })),
    { issueTokens: false },
  );
  await fails(me.c, 'user.search', { q: 'zq' }, 'invalid_query');
  await fails(me.c, 'user.search', { q: '  z ' }, 'invalid_query');
  const all = await ok<{ users: { username: string }[] }>(me.c, 'user.search', { q: prefix, limit: 50 });
  assert.equal(all.users.length, 20);
  assert.deepEqual(
    all.users.map((u) => u.username),
    Array.from({ length: 20 }, (_, i) => `${prefix}${String(i).padStart(2, '0')}`),
  );
  assert.equal((await ok<{ users: unknown[] }>(me.c, 'user.search', { q: prefix, limit: 5 })).users.length, 5);
});

test('presence.watch answers ids that belong to nobody exactly like hidden users: the answer does not say how many exist', async (t) => {
  const { users } = await world(t, 3);
  const [watcher, hidden, open] = users as [User, User, User];
  await ok(hidden.c, 'privacy.update', { presence: 'nobody' });
  await ok(open.c, 'privacy.update', { presence: 'everyone' });
  const r = await ok<{ presence: unknown[] }>(watcher.c, 'presence.watch', { users: [hidden.id, 987_001, open.id, 987_002] });
  assert.deepEqual(r.presence, [
    { user: hidden.id, online: false },
    { user: 987_001, online: false },
    { user: open.id, online: true },
    { user: 987_002, online: false },
  ]);
});

test('messages.directFrom = contacts: a stranger’s first message is not_contact and stores nothing; friends and group mates write; conversations that exist keep working', async (t) => {
  const dataDir = tempDir();
  // Under `anyone`, a and old start a conversation; then the server restarts with `contacts`.
  const before = await world(t, 2, {}, dataDir);
  const [a0, old0] = before.users as [User, User];
  await ok(a0.c, 'msg.send', { to: old0.id, clientId: 'o1', text: 'from before' });
  before.users.forEach((u) => u.c.close());
  await before.s.stop();

  const { s, users } = await world(t, 4, { messages: { directFrom: 'contacts' } }, dataDir);
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const [stranger, friend, mate, target] = users as [User, User, User, User];
  const conv = directConvId(stranger.id, target.id);
  const refused = await fails(stranger.c, 'msg.send', { to: target.id, clientId: 's1', text: 'hello?' }, 'not_contact');
  assert.equal(refused.status, 403);
  await fails(stranger.c, 'msg.send', { conv, clientId: 's2', text: 'by conv' }, 'not_contact');
  await fails(stranger.c, 'typing', { conv, typing: true }, 'not_contact');
  await ok(stranger.c, 'msg.send', { to: stranger.id, clientId: 'self', text: 'a note to myself' });
  await fails(
    stranger.c,
    'msg.forward',
    { conv: directConvId(stranger.id, stranger.id), seq: 1, to: target.id, clientId: 's3' },
    'not_contact',
  );
  assert.deepEqual(await synced(target, conv), [], 'nothing was stored');
  assert.equal(await s.store.getConversation(conv), undefined);

  await befriend(friend, target);
  await ok(friend.c, 'msg.send', { to: target.id, clientId: 'f1', text: 'hi friend' });
  await ok(mate.c, 'group.create', { name: 'club', members: [target.id] });
  await ok(target.c, 'msg.send', { to: mate.id, clientId: 't1', text: 'hi mate' });
  assert.equal((await synced(mate, directConvId(mate.id, target.id))).length, 1);

  // The conversation from before the change works both ways, though the two are strangers.
  const a = await rawLogin(t, s, a0.token);
  const oldPeer = await rawLogin(t, s, old0.token);
  await ok(a, 'msg.send', { to: old0.id, clientId: 'o2', text: 'still here' });
  await ok(oldPeer, 'msg.send', { to: a0.id, clientId: 'o3', text: 'me too' });
});

/** A raw connection resumed with `token`. */
async function rawLogin(t: TestContext, s: TestServer, token: string): Promise<RawClient> {
  const c = await RawClient.open(s.wsUrl);
  t.after(() => c.close());
  await c.request('hello', { protocol: 1 });
  await ok(c, 'auth.resume', { token });
  return c;
}
