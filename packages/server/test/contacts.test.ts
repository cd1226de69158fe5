import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ERRORS, directConvId, type ErrorCode, type Message } from '@warbler/protocol';
import { WarblerRequestError, type WarblerClient } from '@warbler/sdk';
import { eventually, newUser, sdkClient, startTestServer, tempDir } from './helpers.js';

/** Asserts that `p` fails with the registry's error `code` (and its status). */
async function refused(p: Promise<unknown>, code: ErrorCode): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof WarblerRequestError, String(e));
    assert.equal(e.code, code, e.message);
    assert.equal(e.status, ERRORS[code].status);
    return true;
  });
}

/** The `account` events of the user's log, in order: what a device that syncs from 0 replays. */
async function accountLog(c: WarblerClient, userId: number): Promise<Record<string, unknown>[]> {
  const r = await c.request('sync', { cursors: { [`u:${userId}`]: 0 }, limit: 500 });
  const log = r.messages.filter((m) => m.conv === `u:${userId}`);
  assert.ok(
    log.every((m) => m.kind === 'account'),
    'the account log holds account events only',
  );
  return log.map((m) => m.event!);
}

/** Collects the `account` events a client receives (pushed or synced). */
function accountEvents(c: WarblerClient): Record<string, unknown>[] {
  const got: Record<string, unknown>[] = [];
  c.on('message', (m: Message) => {
    if (m.kind === 'account') got.push(m.event!);
  });
  return got;
}

test('profile.update sets display name, avatar and bio; user.get and the other device see them; bad input changes nothing', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const a = await newUser(s.wsUrl);
  const b = await newUser(s.wsUrl);
  const a2 = await sdkClient(s.wsUrl);
  await a2.resume(a.token);
  t.after(() => [a.client, b.client, a2].forEach((c) => c.close()));
  const atA2 = accountEvents(a2);
  const atA = accountEvents(a.client);

  const r = await a.client.request('profile.update', {
    displayName: '  Ann 安  ',
    avatar: 'https://img.example/ann.png',
    bio: 'Line one\nline two',
  });
  const profile = {
    id: a.id,
    username: a.username,
    displayName: 'Ann 安',
    avatar: 'https://img.example/ann.png',
    bio: 'Line one\nline two',
  };
  assert.deepEqual(r.user, profile);
  assert.deepEqual((await b.client.request('user.get', { id: a.id })).user, profile);
  assert.deepEqual((await b.client.request('user.get', { username: a.username })).user, profile);
  await eventually(() => assert.deepEqual(atA2, [{ type: 'profile', user: profile }]));
  assert.deepEqual(atA, [], 'the acting connection gets its response, not the push');

  // Bad input: each refused with its code, and the profile is as it was.
  await refused(a.client.request('profile.update', { displayName: '   ' }), 'invalid_display_name');
  await refused(a.client.request('profile.update', { displayName: 'x'.repeat(65) }), 'invalid_display_name');
  await refused(a.client.request('profile.update', { avatar: 'has space.png' }), 'invalid_frame');
  await refused(a.client.request('profile.update', { avatar: 'x'.repeat(2049) }), 'invalid_frame');
  await refused(a.client.request('profile.update', { bio: 'b'.repeat(501) }), 'invalid_frame');
  await refused(a.client.request('profile.update', { bio: 'bell\u0007' }), 'invalid_frame');
  await refused(a.client.request('profile.update', { displayName: 'Fine', bio: 'tab\there' }), 'invalid_frame');
  assert.deepEqual((await b.client.request('user.get', { id: a.id })).user, profile);

  // "" clears avatar and bio; an empty update changes nothing and records nothing.
  const cleared = await a.client.request('profile.update', { avatar: '', bio: '' });
  assert.deepEqual(cleared.user, { id: a.id, username: a.username, displayName: 'Ann 安' });
  assert.deepEqual((await a.client.request('profile.update', {})).user, cleared.user);
  assert.deepEqual(
    (await accountLog(a.client, a.id)).map((e) => e.type),
    ['profile', 'profile'],
  );
  // The conversation list's peer carries the profile too.
  await a.client.request('profile.update', { avatar: 'att:42' });
  await a.client.send({ to: b.id, text: 'hi' });
  const list = await b.client.conversations();
  assert.equal(list.conversations[0]!.peer?.avatar, 'att:42');
});

test('user.search finds users by username prefix, in username order, at most limit; a short query is invalid_query', async (t) => {
  const s = await startTestServer({ search: { minQueryChars: 3 } });
  t.after(() => s.close());
  const stem = `srch${process.pid}`;
  const users: Awaited<ReturnType<typeof newUser>>[] = [];
  for (const suffix of ['b', 'a', 'c_d', 'cxd']) users.push(await newUser(s.wsUrl, {}, `${stem}${suffix}`));
  const other = await newUser(s.wsUrl);
  t.after(() => [...users, other].forEach((u) => u.client.close()));
  const c = other.client;
  await users[1]!.client.request('profile.update', { bio: 'found me' });

  const names = async (q: string, limit?: number) =>
    (await c.request('user.search', limit === undefined ? { q } : { q, limit })).users.map((u) => u.username);
  assert.deepEqual(await names(stem), [`${stem}a`, `${stem}b`, `${stem}c_d`, `${stem}cxd`]);
  assert.deepEqual(await names(`  ${stem.toUpperCase()}  `, 2), [`${stem}a`, `${stem}b`], 'trimmed, case-insensitive, limited');
  assert.deepEqual(await names(`${stem}c_`), [`${stem}c_d`], '_ is a character, not a wildcard');
  assert.deepEqual(await names(`${stem}%`), []);
  assert.deepEqual(await names('no such prefix'), []);
  const found = (await c.request('user.search', { q: `${stem}a` })).users;
  assert.deepEqual(found, [{ id: users[1]!.id, username: `${stem}a`, displayName: `${stem}a`, bio: 'found me' }]);

  await refused(c.request('user.search', { q: 'ab' }), 'invalid_query');
  await refused(c.request('user.search', { q: '   ' }), 'invalid_query');
  await refused(c.request('user.search', { q: stem, limit: 51 }), 'invalid_frame');
});

test('friend request with approval: pending on both sides, accept makes friends; a device that was offline replays every event by sync', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const a = await newUser(s.wsUrl);
  const b = await newUser(s.wsUrl);
  // B's second device: logged in once, then offline during everything below.
  const b2 = await sdkClient(s.wsUrl);
  await b2.resume(b.token);
  b2.close();
  t.after(() => [a.client, b.client].forEach((c) => c.close()));
  const atB = accountEvents(b.client);

  assert.deepEqual(await a.client.request('friend.request', { user: b.id, message: ' Hi, it’s Ann ' }), { status: 'pending' });
  const request = { type: 'friend.request', from: a.id, to: b.id, message: 'Hi, it’s Ann' };
  await eventually(() => assert.deepEqual(atB, [request]));
  assert.deepEqual(await a.client.request('friend.request', { user: b.id }), { status: 'pending' }, 'asking again changes nothing');
  const bReqs = await b.client.request('friend.requests', {});
  assert.deepEqual(
    bReqs.incoming.map((r) => [r.user.id, r.message]),
    [[a.id, 'Hi, it’s Ann']],
  );
  assert.deepEqual(bReqs.outgoing, []);
  assert.deepEqual(
    (await a.client.request('friend.requests', {})).outgoing.map((r) => r.user.id),
    [b.id],
  );
  assert.deepEqual((await a.client.request('friend.list', {})).friends, []);

  const acc = await b.client.request('friend.accept', { user: a.id });
  assert.equal(acc.user.id, a.id);
  assert.deepEqual(
    (await a.client.request('friend.list', {})).friends.map((f) => f.user.id),
    [b.id],
  );
  assert.deepEqual(
    (await b.client.request('friend.list', {})).friends.map((f) => f.user.id),
    [a.id],
  );
  assert.deepEqual(await b.client.request('friend.requests', {}), { incoming: [], outgoing: [] });
  assert.deepEqual(await a.client.request('friend.request', { user: b.id }), { status: 'already_friends' });

  assert.deepEqual(await a.client.request('friend.remove', { user: b.id }), { removed: true });
  assert.deepEqual(await a.client.request('friend.remove', { user: b.id }), { removed: false });
  assert.deepEqual((await b.client.request('friend.list', {})).friends, []);

  assert.deepEqual(await accountLog(a.client, a.id), [
    request,
    { type: 'friend.accepted', user: b.id },
    { type: 'friend.removed', user: b.id },
  ]);
  // The offline device comes back and catches up on its account log by sync.
  const b3 = await sdkClient(s.wsUrl, { autoSync: false });
  t.after(() => b3.close());
  const replayed = accountEvents(b3);
  await b3.resume(b.token);
  await b3.sync();
  assert.deepEqual(replayed, [request, { type: 'friend.accepted', user: a.id }, { type: 'friend.removed', user: a.id }]);
});

test('friend policies: anyone makes friends at once, nobody refuses and stores nothing; a mutual request makes friends', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const [a, b, c, d] = [await newUser(s.wsUrl), await newUser(s.wsUrl), await newUser(s.wsUrl), await newUser(s.wsUrl)];
  t.after(() => [a, b, c, d].forEach((u) => u.client.close()));

  assert.deepEqual(await b.client.request('privacy.update', {}), { friendPolicy: 'approval', presence: 'contacts' }, 'the defaults');
  assert.deepEqual(await b.client.request('privacy.update', { friendPolicy: 'anyone' }), { friendPolicy: 'anyone', presence: 'contacts' });
  assert.deepEqual(await a.client.request('friend.request', { user: b.id, message: 'hello' }), { status: 'friends' });
  assert.deepEqual(
    (await b.client.request('friend.list', {})).friends.map((f) => f.user.id),
    [a.id],
  );
  assert.deepEqual(await accountLog(b.client, b.id), [
    { type: 'privacy', friendPolicy: 'anyone', presence: 'contacts' },
    { type: 'friend.accepted', user: a.id, message: 'hello' },
  ]);

  await c.client.request('privacy.update', { friendPolicy: 'nobody' });
  const before = await accountLog(c.client, c.id);
  await refused(a.client.request('friend.request', { user: c.id }), 'friend_requests_closed');
  assert.deepEqual(await c.client.request('friend.requests', {}), { incoming: [], outgoing: [] });
  assert.deepEqual((await c.client.request('friend.list', {})).friends, []);
  assert.deepEqual(await accountLog(c.client, c.id), before, 'nothing recorded');
  // But when C asks, C's own request is fine, and A's answering request makes them friends.
  assert.deepEqual(await c.client.request('friend.request', { user: a.id }), { status: 'pending' });
  assert.deepEqual(await a.client.request('friend.request', { user: c.id }), { status: 'friends' });

  // Mutual requests under approval.
  assert.deepEqual(await d.client.request('friend.request', { user: b.id }), { status: 'friends' });
  await b.client.request('privacy.update', { friendPolicy: 'approval' });
  assert.deepEqual(await b.client.request('friend.remove', { user: d.id }), { removed: true });
  assert.deepEqual(await b.client.request('friend.request', { user: d.id }), { status: 'pending' });
  assert.deepEqual(await d.client.request('friend.request', { user: b.id }), { status: 'friends' });
  assert.deepEqual(await d.client.request('friend.requests', {}), { incoming: [], outgoing: [] });

  await refused(a.client.request('friend.request', { user: a.id }), 'forbidden');
  await refused(a.client.request('friend.request', { user: 987_654_321 }), 'user_not_found');
  await refused(a.client.request('friend.request', { user: b.id, message: 'm'.repeat(201) }), 'invalid_frame');
  await refused(a.client.request('privacy.update', { friendPolicy: 'everybody' as 'anyone' }), 'invalid_frame');
  assert.deepEqual(await a.client.request('privacy.update', {}), { friendPolicy: 'approval', presence: 'contacts' });
});

test('accept or decline without a request is request_not_found and changes nothing; a decline is not told to the sender', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const [a, b] = [await newUser(s.wsUrl), await newUser(s.wsUrl)];
  t.after(() => [a, b].forEach((u) => u.client.close()));

  await refused(b.client.request('friend.accept', { user: a.id }), 'request_not_found');
  await refused(b.client.request('friend.decline', { user: a.id }), 'request_not_found');
  await refused(b.client.request('friend.accept', { user: 987_654_321 }), 'request_not_found');
  assert.deepEqual((await b.client.request('friend.list', {})).friends, []);
  assert.deepEqual(await accountLog(b.client, b.id), []);

  await a.client.request('friend.request', { user: b.id });
  await refused(a.client.request('friend.accept', { user: b.id }), 'request_not_found');
  assert.deepEqual(await b.client.request('friend.decline', { user: a.id }), {});
  await refused(b.client.request('friend.accept', { user: a.id }), 'request_not_found');
  assert.deepEqual(await a.client.request('friend.requests', {}), { incoming: [], outgoing: [] });
  assert.deepEqual((await a.client.request('friend.list', {})).friends, []);
  assert.deepEqual(
    (await accountLog(a.client, a.id)).map((e) => e.type),
    ['friend.request'],
  );
  assert.deepEqual(
    (await accountLog(b.client, b.id)).map((e) => e.type),
    ['friend.request', 'friend.declined'],
  );
});

test('blocking: the blocked user’s messages and friend requests get blocked and store nothing; the friendship ends; only the blocker’s log says why', async (t) => {
  const dataDir = tempDir();
  const s = await startTestServer({}, dataDir);
  // The data folder outlives this server: the second one below deletes it.
  t.after(() => s.stop());
  const [a, b] = [await newUser(s.wsUrl), await newUser(s.wsUrl)];
  t.after(() => [a, b].forEach((u) => u.client.close()));
  const conv = directConvId(a.id, b.id);
  await a.client.request('friend.request', { user: b.id });
  await b.client.request('friend.accept', { user: a.id });
  await b.client.send({ to: a.id, text: 'before' });
  const atB = accountEvents(b.client);

  assert.deepEqual(await a.client.request('block.add', { user: b.id }), {});
  assert.deepEqual(await a.client.request('block.add', { user: b.id }), {}, 'blocking again is fine');
  await refused(b.client.request('msg.send', { to: a.id, clientId: 'blocked-1', text: 'hello?' }), 'blocked');
  await refused(b.client.request('msg.send', { conv, clientId: 'blocked-2', text: 'hello?' }), 'blocked');
  await refused(b.client.request('friend.request', { user: a.id }), 'blocked');
  assert.deepEqual(
    (await a.client.history(conv)).messages.map((m) => m.text),
    ['before'],
    'nothing stored',
  );
  assert.deepEqual(await a.client.request('friend.requests', {}), { incoming: [], outgoing: [] });
  assert.deepEqual((await a.client.request('friend.list', {})).friends, []);
  assert.deepEqual((await b.client.request('friend.list', {})).friends, []);
  assert.deepEqual(
    (await a.client.request('block.list', {})).blocked.map((x) => x.user.id),
    [b.id],
  );
  assert.deepEqual((await b.client.request('block.list', {})).blocked, []);
  // The blocked user learns only that the friendship ended, like after a plain removal.
  await eventually(() => assert.deepEqual(atB.at(-1), { type: 'friend.removed', user: a.id }));
  assert.ok(!atB.some((e) => e.type === 'blocked'), 'the blocked user is never told of the block');
  const bLog = await accountLog(b.client, b.id);
  assert.deepEqual(bLog.at(-1), { type: 'friend.removed', user: a.id });
  assert.ok(!bLog.some((e) => e.type === 'blocked'));
  assert.deepEqual((await accountLog(a.client, a.id)).at(-1), { type: 'blocked', user: b.id });
  // The blocker may still write; a friend request to the blocked user needs an unblock first.
  await a.client.send({ to: b.id, text: 'I can still write' });
  await refused(a.client.request('friend.request', { user: b.id }), 'forbidden');
  await refused(a.client.request('block.add', { user: a.id }), 'forbidden');
  await refused(a.client.request('block.add', { user: 987_654_321 }), 'user_not_found');

  // The block is stored: a restarted server refuses the same.
  await s.stop();
  const s2 = await startTestServer({}, dataDir);
  t.after(() => s2.close());
  const b2 = await sdkClient(s2.wsUrl);
  const a2 = await sdkClient(s2.wsUrl);
  t.after(() => [a2, b2].forEach((c) => c.close()));
  await b2.resume(b.token);
  await a2.resume(a.token);
  await refused(b2.request('msg.send', { to: a.id, clientId: 'blocked-3', text: 'after restart' }), 'blocked');

  assert.deepEqual(await a2.request('block.remove', { user: b.id }), {});
  assert.deepEqual(await a2.request('block.remove', { user: b.id }), {}, 'unblocking again is fine');
  assert.equal((await b2.send({ to: a.id, text: 'after unblock' })).seq, 3);
  assert.deepEqual((await a2.request('block.list', {})).blocked, []);
  assert.deepEqual((await accountLog(a2, a.id)).at(-1), { type: 'unblocked', user: b.id });
  assert.deepEqual((await a2.request('friend.list', {})).friends, [], 'unblocking does not restore the friendship');
  assert.deepEqual(await b2.request('friend.request', { user: a.id }), { status: 'pending' });
});

test('friend.list and block.list page by user id', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const a = await newUser(s.wsUrl);
  t.after(() => a.client.close());
  await a.client.request('privacy.update', { friendPolicy: 'anyone' });
  const pals: Awaited<ReturnType<typeof newUser>>[] = [];
  for (let i = 0; i < 5; i++) pals.push(await newUser(s.wsUrl));
  t.after(() => pals.forEach((u) => u.client.close()));
  const ids = pals.map((u) => u.id).sort((x, y) => x - y);
  for (const u of pals) assert.deepEqual(await u.client.request('friend.request', { user: a.id }), { status: 'friends' });
  const p1 = await a.client.request('friend.list', { limit: 3 });
  assert.deepEqual(
    p1.friends.map((f) => f.user.id),
    ids.slice(0, 3),
  );
  assert.equal(p1.more, true);
  const p2 = await a.client.request('friend.list', { limit: 3, after: p1.friends.at(-1)!.user.id });
  assert.deepEqual(
    p2.friends.map((f) => f.user.id),
    ids.slice(3),
  );
  assert.equal(p2.more, false);
  for (const id of ids) await a.client.request('block.add', { user: id });
  const b1 = await a.client.request('block.list', { limit: 4 });
  assert.deepEqual([b1.blocked.map((x) => x.user.id), b1.more], [ids.slice(0, 4), true]);
  const b2 = await a.client.request('block.list', { after: ids[3]! });
  assert.deepEqual([b2.blocked.map((x) => x.user.id), b2.more], [ids.slice(4), false]);
});
