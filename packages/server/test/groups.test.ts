import assert from 'node:assert/strict';
import { test } from 'node:test';
import { selfConvId } from '@warbler/protocol';
import { eventually, RawClient, startTestServer, tempDir, type TestServer } from './helpers.js';
import { connect, connectMany, fails, ok, provision, pushed, rawUser, say, shape, syncAll, type WireMsg } from './group-helpers.js';

/** Logs a user in on a new device (password-123, as rawUser registers); returns its token. */
async function secondDevice(s: TestServer, username: string): Promise<string> {
  const c = await RawClient.open(s.wsUrl);
  await c.request('hello', { protocol: 1 });
  const r = await ok<{ token: string }>(c, 'auth.login', { username, password: 'password-123' });
  c.close();
  return r.token;
}

interface Info {
  conv: string;
  name: string;
  avatar?: string;
  description?: string;
  announcement?: string;
  ownerId: number;
  joinPolicy: string;
  mutedAll: boolean;
  memberCount: number;
  role?: string;
  mutedUntil?: number;
}

test('a group of 2000: one message reaches every online member device exactly once, offline members sync it, no gaps', async (t) => {
  // 2000 connections from this one machine, and an owner who adds 2000 strangers: past the per-IP and
  // lookup limits, which other tests check.
  const s = await startTestServer({ groups: { maxMembers: 2000 }, gateway: { maxConnectionsPerIp: 0 }, directory: { lookupBurst: 0 } });
  t.after(() => s.close());
  const users = await provision(s, 2000);
  const [owner, ...others] = users;
  const o = await connect(s, owner!.token);
  t.after(() => o.close());
  // Three in four members are online (the owner too); the rest are offline.
  const online = users.filter((_, i) => i % 4 !== 3);
  const offline = users.filter((_, i) => i % 4 === 3);
  const sockets = await connectMany(
    s,
    online.slice(1).map((u) => u.token),
    48,
  );
  t.after(() => sockets.forEach((c) => c.close()));
  const conns = new Map<number, RawClient>([[owner!.id, o], ...online.slice(1).map((u, i): [number, RawClient] => [u.id, sockets[i]!])]);
  assert.equal(conns.size, 1500);

  const created = await ok<{ group: Info }>(o, 'group.create', { name: 'two thousand', members: others.slice(0, 999).map((u) => u.id) });
  const conv = created.group.conv;
  assert.equal(created.group.memberCount, 1000);
  const added = await ok<{ added: number[] }>(o, 'group.add', { conv, users: others.slice(999).map((u) => u.id) });
  assert.equal(added.added.length, 1000);
  assert.equal((await ok<{ group: Info }>(o, 'group.get', { conv })).group.memberCount, 2000);

  // Ten members of the online ones send at once.
  const senders = online.slice(1, 11);
  const acks = await Promise.all(senders.map((u, i) => say(conns.get(u.id)!, conv, `hello from ${i}`)));
  const seqs = acks.map((a) => a.seq).sort((a, b) => a - b);
  assert.deepEqual(
    seqs,
    Array.from({ length: 10 }, (_, i) => i + 3),
    'created = 1, added = 2, then the ten messages with no gap',
  );
  const senderOf = new Map(acks.map((a, i) => [a.seq, senders[i]!.id]));
  // Every online device gets each message once, but its own (the ack is its copy).
  await eventually(
    () => {
      for (const [id, c] of conns) {
        const texts = pushed(c, conv).filter((m) => m.kind === 'text');
        const want = seqs.filter((q) => senderOf.get(q) !== id);
        assert.equal(texts.length, want.length, `user ${id} got ${texts.length} texts`);
      }
    },
    20_000,
    100,
  );
  await new Promise((r) => setTimeout(r, 200));
  for (const [id, c] of conns) {
    assert.equal(pushed(c, conv).filter((m) => m.event?.type === 'added').length, 1, `user ${id}: the added event once`);
    const got = pushed(c, conv)
      .filter((m) => m.kind === 'text')
      .map((m) => m.seq)
      .sort((a, b) => a - b);
    assert.deepEqual(
      got,
      seqs.filter((q) => senderOf.get(q) !== id),
      `user ${id}: each message once`,
    );
  }
  // The offline members connect afterwards and find everything by sync, gapless from 1.
  const late = await connectMany(
    s,
    offline.map((u) => u.token),
    32,
  );
  t.after(() => late.forEach((c) => c.close()));
  assert.equal(conns.size + late.length, 2000, 'every member had a connection');
  for (const c of late) {
    const got = await syncAll(c, conv);
    assert.deepEqual(
      got.map((m) => m.seq),
      Array.from({ length: 12 }, (_, i) => i + 1),
    );
    assert.deepEqual(
      got
        .filter((m) => m.kind === 'text')
        .map((m) => m.text)
        .sort(),
      senders.map((_, i) => `hello from ${i}`).sort(),
    );
  }
});

test('every group action end to end: pushed live, and replayed by sync on a device that was offline', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const [o, b, c, d, e, f, g] = await Promise.all(Array.from({ length: 7 }, () => rawUser(s)));
  t.after(() => [o, b, c, d, e, f, g].forEach((u) => u!.c.close()));
  // B has a second device that stays offline during all of it.
  const b2 = await secondDevice(s, b!.username);

  const created = await ok<{ group: Info }>(o!.c, 'group.create', {
    name: 'Team',
    members: [b!.id, c!.id, b!.id],
    description: 'the team',
  });
  const conv = created.group.conv;
  assert.match(conv, /^g:\d+$/);
  assert.deepEqual(
    { ...created.group, createdAt: 0 },
    {
      conv,
      name: 'Team',
      description: 'the team',
      ownerId: o!.id,
      joinPolicy: 'open',
      mutedAll: false,
      memberCount: 3,
      createdAt: 0,
      role: 'owner',
    },
  );
  const updated = await ok<{ group: Info }>(o!.c, 'group.update', {
    conv,
    name: 'Team 2',
    avatar: 'https://img.example/t.png',
    announcement: 'hello all',
  });
  assert.equal(updated.group.name, 'Team 2');
  assert.equal(updated.group.announcement, 'hello all');
  // A plain member invites in an open group.
  assert.deepEqual(await ok(c!.c, 'group.add', { conv, users: [d!.id] }), { added: [d!.id] });
  assert.deepEqual(await ok(e!.c, 'group.join', { conv }), { status: 'joined' });
  await ok(o!.c, 'group.role', { conv, user: c!.id, role: 'admin' });
  const muted = await ok<{ mutedUntil: number }>(c!.c, 'group.mute', { conv, user: d!.id, seconds: 60 });
  assert.ok(muted.mutedUntil > Date.now() + 50_000);
  const err = await fails(d!.c, 'msg.send', { conv, clientId: 'd-muted', text: 'let me speak' }, 'member_muted');
  assert.match(err.message, new RegExp(new Date(muted.mutedUntil).toISOString().slice(0, 16)));
  assert.deepEqual(await ok(c!.c, 'group.mute', { conv, user: d!.id, seconds: 0 }), { mutedUntil: 0 });
  await say(d!.c, conv, 'unmuted');
  await ok(o!.c, 'group.update', { conv, joinPolicy: 'approval' });

  // Approval: the request reaches every admin and the owner through their account logs.
  assert.deepEqual(await ok(f!.c, 'group.join', { conv, message: 'let me in' }), { status: 'pending' });
  assert.deepEqual(await ok(f!.c, 'group.join', { conv, message: 'again' }), { status: 'pending' }, 'a repeat stays pending');
  for (const admin of [o!, c!])
    await eventually(() => {
      const req = pushed(admin.c, selfConvId(admin.id));
      assert.equal(req.length, 1, 'one account event, not one per repeat');
      assert.equal(req[0]!.kind, 'account');
      assert.deepEqual(req[0]!.event, { type: 'group.request', conv, user: f!.id, message: 'let me in' });
    });
  assert.equal(pushed(b!.c, selfConvId(b!.id)).length, 0, 'plain members are not asked');
  const reqs = await ok<{ requests: { user: { id: number }; message?: string }[]; more: boolean }>(c!.c, 'group.requests', { conv });
  assert.deepEqual(
    reqs.requests.map((r) => [r.user.id, r.message]),
    [[f!.id, 'let me in']],
  );
  assert.deepEqual(await ok(c!.c, 'group.approve', { conv, user: f!.id, accept: true }), { status: 'joined' });
  assert.deepEqual(await ok(g!.c, 'group.join', { conv }), { status: 'pending' });
  assert.deepEqual(await ok(o!.c, 'group.approve', { conv, user: g!.id, accept: false }), { status: 'declined' });
  await eventually(() => assert.deepEqual(pushed(g!.c, selfConvId(g!.id))[0]?.event, { type: 'group.declined', conv, actor: o!.id }));
  assert.deepEqual((await ok<{ requests: unknown[] }>(o!.c, 'group.requests', { conv })).requests, []);

  // Mute all: members are silenced, admins are not.
  await ok(o!.c, 'group.update', { conv, mutedAll: true });
  await fails(b!.c, 'msg.send', { conv, clientId: 'b-all-muted', text: 'hi' }, 'group_muted');
  await say(c!.c, conv, 'admins may speak');
  await ok(o!.c, 'group.update', { conv, mutedAll: false });

  await ok(c!.c, 'group.remove', { conv, users: [d!.id] });
  await ok(e!.c, 'group.leave', { conv });
  await ok(o!.c, 'group.transfer', { conv, user: c!.id });
  await say(b!.c, conv, 'the end');

  const expected: [number, string][] = [
    [1, 'created'],
    [2, 'updated'],
    [3, 'added'],
    [4, 'joined'],
    [5, 'role'],
    [6, 'muted'],
    [7, 'muted'],
    [8, 'text'],
    [9, 'updated'],
    [10, 'joined'],
    [11, 'updated'],
    [12, 'text'],
    [13, 'updated'],
    [14, 'removed'],
    [15, 'left'],
    [16, 'transferred'],
    [17, 'text'],
  ];
  // B's online device saw each change live (its own message came as its ack).
  await eventually(() => assert.deepEqual(shape(pushed(b!.c, conv)), expected.slice(0, 16)));
  // B's second device was offline throughout: sync replays every change in order.
  const late = await connect(s, b2);
  t.after(() => late.close());
  const replay = await syncAll(late, conv);
  assert.deepEqual(shape(replay), expected);
  const ev = (seq: number): WireMsg['event'] => replay[seq - 1]!.event;
  assert.deepEqual(ev(1), {
    type: 'created',
    actor: o!.id,
    name: 'Team',
    description: 'the team',
    joinPolicy: 'open',
    users: [o!.id, b!.id, c!.id],
  });
  assert.deepEqual(ev(2), {
    type: 'updated',
    actor: o!.id,
    name: 'Team 2',
    avatar: 'https://img.example/t.png',
    announcement: 'hello all',
  });
  assert.deepEqual(ev(3), { type: 'added', actor: c!.id, users: [d!.id] });
  assert.deepEqual(ev(4), { type: 'joined', actor: e!.id });
  assert.deepEqual(ev(5), { type: 'role', actor: o!.id, users: [c!.id], role: 'admin' });
  assert.deepEqual(ev(6), { type: 'muted', actor: c!.id, users: [d!.id], until: muted.mutedUntil });
  assert.deepEqual(ev(7), { type: 'muted', actor: c!.id, users: [d!.id], until: 0 });
  assert.deepEqual(ev(9), { type: 'updated', actor: o!.id, joinPolicy: 'approval' });
  assert.deepEqual(ev(10), { type: 'joined', actor: f!.id, by: c!.id });
  assert.deepEqual(ev(11), { type: 'updated', actor: o!.id, mutedAll: true });
  assert.deepEqual(ev(14), { type: 'removed', actor: c!.id, users: [d!.id] });
  assert.deepEqual(ev(15), { type: 'left', actor: e!.id });
  assert.deepEqual(ev(16), { type: 'transferred', actor: o!.id, users: [c!.id] });
  assert.equal(replay[0]!.from, o!.id, 'an event is from its actor');

  // The state all of that left behind.
  const info = (await ok<{ group: Info }>(b!.c, 'group.get', { conv })).group;
  assert.deepEqual(
    [info.name, info.avatar, info.announcement, info.ownerId, info.joinPolicy, info.mutedAll, info.memberCount, info.role],
    ['Team 2', 'https://img.example/t.png', 'hello all', c!.id, 'approval', false, 4, 'member'],
  );
  const members = await ok<{ members: { user: { id: number; username: string }; role: string }[]; more: boolean }>(b!.c, 'group.members', {
    conv,
  });
  assert.deepEqual(
    members.members.map((m) => [m.user.id, m.role]),
    [
      [o!.id, 'admin'],
      [b!.id, 'member'],
      [c!.id, 'owner'],
      [f!.id, 'member'],
    ].sort((x, y) => (x[0] as number) - (y[0] as number)),
  );
  assert.equal(members.members.find((m) => m.user.id === b!.id)!.user.username, b!.username);
  // Paging by user id.
  const p1 = await ok<{ members: { user: { id: number } }[]; more: boolean; next: number }>(b!.c, 'group.members', { conv, limit: 3 });
  assert.equal(p1.more, true);
  const p2 = await ok<{ members: { user: { id: number } }[]; more: boolean }>(b!.c, 'group.members', { conv, after: p1.next, limit: 3 });
  assert.deepEqual(
    [...p1.members, ...p2.members].map((m) => m.user.id),
    members.members.map((m) => m.user.id),
  );
  assert.equal(p2.more, false);

  // The conversation list shows the group with its summary.
  const list = await ok<{ conversations: { conv: string; kind: string; group?: unknown; lastSeq: number; unread: number }[] }>(
    late,
    'conv.list',
    {},
  );
  const row = list.conversations.find((x) => x.conv === conv)!;
  assert.deepEqual(
    [row.kind, row.group, row.lastSeq, row.unread],
    ['group', { name: 'Team 2', avatar: 'https://img.example/t.png', memberCount: 4 }, 17, 0],
  );
  const listE = await ok<{ conversations: { conv: string }[] }>(e!.c, 'conv.list', {});
  assert.equal(
    listE.conversations.find((x) => x.conv === conv),
    undefined,
    'a member who left no longer lists it',
  );
  // The owner changed: the old owner is an admin now and the new one may dissolve.
  await fails(o!.c, 'group.dissolve', { conv }, 'owner_required');
});

test('a removed member stops receiving at once and reads nothing after', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const [o, b, c] = await Promise.all(Array.from({ length: 3 }, () => rawUser(s)));
  t.after(() => [o, b, c].forEach((u) => u!.c.close()));
  const c2 = await connect(s, c!.token);
  t.after(() => c2.close());
  const conv = (await ok<{ group: Info }>(o!.c, 'group.create', { name: 'r', members: [b!.id, c!.id] })).group.conv;
  await say(b!.c, conv, 'before');
  await eventually(() => assert.equal(pushed(c!.c, conv).length, 2));
  await ok(o!.c, 'group.remove', { conv, users: [c!.id] });
  // Both of C's devices get the removal itself.
  for (const dev of [c!.c, c2]) await eventually(() => assert.deepEqual(pushed(dev, conv).at(-1)?.event?.type, 'removed'));
  // The very next message does not reach C.
  await say(b!.c, conv, 'after');
  await eventually(() => assert.equal(pushed(o!.c, conv).at(-1)?.text, 'after'));
  await new Promise((r) => setTimeout(r, 100));
  for (const dev of [c!.c, c2]) {
    assert.deepEqual(shape(pushed(dev, conv)), [
      [1, 'created'],
      [2, 'text'],
      [3, 'removed'],
    ]);
  }
  await fails(c!.c, 'msg.history', { conv }, 'not_member');
  await fails(c!.c, 'msg.send', { conv, clientId: 'c-after', text: 'x' }, 'not_member');
  await fails(c!.c, 'conv.read', { conv, seq: 1 }, 'not_member');
  await fails(c!.c, 'group.members', { conv }, 'not_member');
  const sync = await ok<{ messages: WireMsg[]; left?: string[] }>(c!.c, 'sync', { cursors: { [conv]: 2 } });
  assert.deepEqual(sync.left, [conv]);
  assert.equal(sync.messages.filter((m) => m.conv === conv).length, 0);
  // C can join again (the group is open) and then reads and writes again.
  assert.deepEqual(await ok(c!.c, 'group.join', { conv }), { status: 'joined' });
  await say(c!.c, conv, 'back');
});

test('dissolve: every member gets the event, then the group is gone for everyone', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const [o, b, c] = await Promise.all(Array.from({ length: 3 }, () => rawUser(s)));
  t.after(() => [o, b, c].forEach((u) => u!.c.close()));
  const conv = (await ok<{ group: Info }>(o!.c, 'group.create', { name: 'short lived', members: [b!.id, c!.id] })).group.conv;
  await say(b!.c, conv, 'hi');
  await ok(o!.c, 'group.dissolve', { conv });
  for (const u of [o!, b!, c!])
    await eventually(() => assert.deepEqual(pushed(u.c, conv).at(-1)?.event, { type: 'dissolved', actor: o!.id }));
  for (const u of [o!, b!]) {
    await fails(u.c, 'msg.send', { conv, clientId: `after-${u.id}`, text: 'x' }, 'conversation_not_found');
    await fails(u.c, 'msg.history', { conv }, 'conversation_not_found');
    await fails(u.c, 'conv.read', { conv, seq: 1 }, 'conversation_not_found');
    await fails(u.c, 'group.get', { conv }, 'conversation_not_found');
    await fails(u.c, 'group.join', { conv }, 'conversation_not_found');
  }
  const sync = await ok<{ left?: string[] }>(b!.c, 'sync', { cursors: { [conv]: 3 } });
  assert.deepEqual(sync.left, [conv]);
  const list = await ok<{ conversations: { conv: string }[] }>(b!.c, 'conv.list', {});
  assert.equal(
    list.conversations.find((x) => x.conv === conv),
    undefined,
  );
});

test('groups survive a restart: membership, roles and mutes are loaded back from the store', async (t) => {
  const dataDir = tempDir();
  const s1 = await startTestServer({}, dataDir);
  const [o, b, c] = await Promise.all(Array.from({ length: 3 }, () => rawUser(s1)));
  const conv = (await ok<{ group: Info }>(o!.c, 'group.create', { name: 'durable', members: [b!.id, c!.id] })).group.conv;
  await ok(o!.c, 'group.role', { conv, user: b!.id, role: 'admin' });
  await ok(o!.c, 'group.mute', { conv, user: c!.id, seconds: 600 });
  await ok(o!.c, 'group.update', { conv, mutedAll: true });
  [o, b, c].forEach((u) => u!.c.close());
  await s1.stop();

  const s2 = await startTestServer({}, dataDir);
  t.after(() => s2.close());
  const [o2, b2, c2] = await Promise.all([o!, b!, c!].map((u) => connect(s2, u.token)));
  t.after(() => [o2, b2, c2].forEach((x) => x!.close()));
  // The first thing after the restart is a send: its access check loads the group.
  await say(b2!, conv, 'admins speak while all are muted');
  await fails(c2!, 'msg.send', { conv, clientId: 'c-restart', text: 'x' }, 'member_muted');
  const info = (await ok<{ group: Info }>(c2!, 'group.get', { conv })).group;
  assert.equal(info.memberCount, 3);
  assert.equal(info.role, 'member');
  assert.ok(info.mutedUntil! > Date.now());
  await eventually(() => assert.equal(pushed(o2!, conv).at(-1)?.text, 'admins speak while all are muted'));
});
