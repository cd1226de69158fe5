import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { startTestServer, type RawClient, type TestServer } from './helpers.js';
import { fails, ok, pushed, rawUser, say, type WireMsg } from './group-helpers.js';

type User = Awaited<ReturnType<typeof rawUser>>;

/** A server, a group owned by `owner` with `admin` (an admin), `member` and `member2`, and an outsider. */
async function setup(t: TestContext, overrides = {}, joinPolicy = 'open') {
  const s: TestServer = await startTestServer(overrides);
  t.after(() => s.close());
  const [owner, admin, member, member2, outsider] = (await Promise.all(Array.from({ length: 5 }, () => rawUser(s)))) as User[] as [
    User,
    User,
    User,
    User,
    User,
  ];
  t.after(() => [owner, admin, member, member2, outsider].forEach((u) => u.c.close()));
  const conv = (
    await ok<{ group: { conv: string } }>(owner.c, 'group.create', { name: 'den', members: [admin.id, member.id, member2.id], joinPolicy })
  ).group.conv;
  await ok(owner.c, 'group.role', { conv, user: admin.id, role: 'admin' });
  await say(member.c, conv, 'a message to act on');
  /** Everything a refused request must leave as it was: settings, members with roles and mutes, the sequence, requests. */
  const snapshot = async (): Promise<unknown> => {
    const info = await ok(owner.c, 'group.get', { conv });
    const members = await ok(owner.c, 'group.members', { conv, limit: 500 });
    const history = await ok<{ messages: WireMsg[] }>(owner.c, 'msg.history', { conv, limit: 1 });
    const requests = await ok(owner.c, 'group.requests', { conv });
    return { info, members, lastSeq: history.messages[0]?.seq, requests };
  };
  /** Runs a refused request: it must fail with `code` and change nothing. */
  const refused = async (c: RawClient, op: string, data: unknown, code: string): Promise<void> => {
    const before = await snapshot();
    await fails(c, op, data, code);
    assert.deepEqual(await snapshot(), before, `${op} refused with ${code} changed nothing`);
  };
  return { s, conv, owner, admin, member, member2, outsider, refused, snapshot };
}

test('a non-member can neither read nor write a group: send, history, conv.read, members, sync', async (t) => {
  const { conv, outsider, owner, refused } = await setup(t);
  await refused(outsider.c, 'msg.send', { conv, clientId: 'x1', text: 'let me in' }, 'not_member');
  await refused(outsider.c, 'msg.history', { conv }, 'not_member');
  await refused(outsider.c, 'conv.read', { conv, seq: 1 }, 'not_member');
  await refused(outsider.c, 'group.members', { conv }, 'not_member');
  await refused(outsider.c, 'group.leave', { conv }, 'not_member');
  await refused(outsider.c, 'group.add', { conv, users: [outsider.id] }, 'not_member');
  // A sync cursor for a group the user is not in: listed in `left`, no messages.
  const sync = await ok<{ messages: WireMsg[]; left?: string[] }>(outsider.c, 'sync', { cursors: { [conv]: 0 } });
  assert.deepEqual(sync.left, [conv]);
  assert.deepEqual(sync.messages, []);
  // Nothing of the group was pushed to the outsider either.
  await say(owner.c, conv, 'members only');
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(pushed(outsider.c, conv), []);
  // A group that does not exist.
  await fails(outsider.c, 'msg.send', { conv: 'g:987654', clientId: 'x2', text: 'anyone?' }, 'conversation_not_found');
  await fails(outsider.c, 'group.get', { conv: 'g:987654' }, 'conversation_not_found');
  await fails(outsider.c, 'group.join', { conv: 'g:987654' }, 'conversation_not_found');
});

test('a non-member sees an open group’s public part, and nothing of an invite-only group', async (t) => {
  const { s, conv, outsider, owner } = await setup(t);
  await ok(owner.c, 'group.update', { conv, announcement: 'members only', description: 'public' });
  const info = (await ok<{ group: Record<string, unknown> }>(outsider.c, 'group.get', { conv })).group;
  assert.equal(info.description, 'public');
  assert.equal(info.announcement, undefined);
  assert.equal(info.role, undefined);
  assert.equal(info.memberCount, 4);
  const hidden = await setup(t, {}, 'invite');
  await fails(hidden.outsider.c, 'group.get', { conv: hidden.conv }, 'not_member');
  assert.ok(s);
});

test('a muted member cannot send until unmuted; mute-all silences members but not admins', async (t) => {
  const { conv, owner, admin, member, refused } = await setup(t);
  const { mutedUntil } = await ok<{ mutedUntil: number }>(admin.c, 'group.mute', { conv, user: member.id, seconds: 3600 });
  const err = await fails(member.c, 'msg.send', { conv, clientId: 'm1', text: 'hello?' }, 'member_muted');
  assert.ok(err.message.includes(new Date(mutedUntil).toISOString()), err.message);
  await refused(member.c, 'msg.send', { conv, clientId: 'm2', text: 'hello?' }, 'member_muted');
  await ok(admin.c, 'group.mute', { conv, user: member.id, seconds: 0 });
  await say(member.c, conv, 'free again');

  await ok(owner.c, 'group.update', { conv, mutedAll: true });
  await refused(member.c, 'msg.send', { conv, clientId: 'm3', text: 'hello?' }, 'group_muted');
  await say(admin.c, conv, 'admins may');
  await say(owner.c, conv, 'the owner may');
});

test('plain members cannot do admin actions; admins cannot do owner actions', async (t) => {
  const { conv, owner, admin, member, member2, outsider, refused } = await setup(t, {}, 'approval');
  await ok(outsider.c, 'group.join', { conv });
  // Plain member.
  await refused(member.c, 'group.update', { conv, name: 'mine now' }, 'admin_required');
  await refused(member.c, 'group.update', { conv, mutedAll: true }, 'admin_required');
  await refused(member.c, 'group.remove', { conv, users: [member2.id] }, 'admin_required');
  await refused(member.c, 'group.mute', { conv, user: member2.id, seconds: 60 }, 'admin_required');
  await refused(member.c, 'group.requests', { conv }, 'admin_required');
  await refused(member.c, 'group.approve', { conv, user: outsider.id, accept: true }, 'admin_required');
  await refused(member.c, 'group.add', { conv, users: [outsider.id] }, 'admin_required');
  await refused(member.c, 'group.role', { conv, user: member2.id, role: 'admin' }, 'owner_required');
  await refused(member.c, 'group.transfer', { conv, user: member.id }, 'owner_required');
  await refused(member.c, 'group.dissolve', { conv }, 'owner_required');
  // Admin.
  await refused(admin.c, 'group.role', { conv, user: member.id, role: 'admin' }, 'owner_required');
  await refused(admin.c, 'group.transfer', { conv, user: admin.id }, 'owner_required');
  await refused(admin.c, 'group.dissolve', { conv }, 'owner_required');
  await refused(admin.c, 'group.remove', { conv, users: [owner.id] }, 'owner_required');
  await refused(admin.c, 'group.remove', { conv, users: [member.id, owner.id] }, 'owner_required');
  await ok(owner.c, 'group.role', { conv, user: member2.id, role: 'admin' });
  await refused(admin.c, 'group.remove', { conv, users: [member2.id] }, 'owner_required');
  await refused(admin.c, 'group.mute', { conv, user: member2.id, seconds: 60 }, 'owner_required');
  await refused(admin.c, 'group.mute', { conv, user: owner.id, seconds: 60 }, 'forbidden');
  // Nobody: the owner cannot be muted or demoted, removing oneself is leaving.
  await refused(owner.c, 'group.mute', { conv, user: owner.id, seconds: 60 }, 'forbidden');
  await refused(owner.c, 'group.role', { conv, user: owner.id, role: 'member' }, 'forbidden');
  await refused(admin.c, 'group.remove', { conv, users: [admin.id] }, 'forbidden');
  // Targets that are not members.
  await refused(owner.c, 'group.role', { conv, user: outsider.id, role: 'admin' }, 'not_member');
  await refused(owner.c, 'group.transfer', { conv, user: outsider.id }, 'not_member');
  await refused(owner.c, 'group.mute', { conv, user: outsider.id, seconds: 60 }, 'not_member');
  await refused(owner.c, 'group.remove', { conv, users: [member.id, outsider.id] }, 'not_member');
  // The owner may remove and mute admins.
  await ok(owner.c, 'group.mute', { conv, user: member2.id, seconds: 60 });
  await ok(owner.c, 'group.remove', { conv, users: [member2.id] });
});

test('the member cap: create, add, join and approve over groups.maxMembers are group_full', async (t) => {
  const { s, conv, owner, admin, outsider, refused } = await setup(t, { groups: { maxMembers: 5 } });
  const [x, y, z] = await Promise.all(Array.from({ length: 3 }, () => rawUser(s)));
  t.after(() => [x, y, z].forEach((u) => u!.c.close()));
  // 4 members now; 2 more would make 6.
  await refused(owner.c, 'group.add', { conv, users: [x!.id, y!.id] }, 'group_full');
  await fails(owner.c, 'group.create', { name: 'big', members: [admin.id, outsider.id, x!.id, y!.id, z!.id] }, 'group_full');
  await ok(owner.c, 'group.add', { conv, users: [x!.id] });
  await refused(y!.c, 'group.join', { conv }, 'group_full');
  await refused(owner.c, 'group.add', { conv, users: [y!.id] }, 'group_full');
  // Approval: a request made while there was room cannot be approved once the group is full.
  await ok(owner.c, 'group.remove', { conv, users: [x!.id] });
  await ok(owner.c, 'group.update', { conv, joinPolicy: 'approval' });
  await ok(y!.c, 'group.join', { conv });
  await ok(owner.c, 'group.update', { conv, joinPolicy: 'open' });
  await ok(z!.c, 'group.join', { conv });
  await refused(owner.c, 'group.approve', { conv, user: y!.id, accept: true }, 'group_full');
  // Nothing of the refused create exists: the owner is in one group only.
  const list = await ok<{ conversations: { conv: string }[] }>(owner.c, 'conv.list', {});
  assert.deepEqual(
    list.conversations.map((c) => c.conv),
    [conv],
  );
});

test('join refusals, owner leave, unknown requests, users and too many users change nothing', async (t) => {
  const { s, conv, owner, admin, member, outsider, refused } = await setup(t, {}, 'invite');
  await refused(outsider.c, 'group.join', { conv }, 'invite_only');
  await refused(member.c, 'group.join', { conv }, 'already_member');
  await refused(owner.c, 'group.leave', { conv }, 'owner_required');
  await refused(admin.c, 'group.approve', { conv, user: outsider.id, accept: true }, 'request_not_found');
  await refused(admin.c, 'group.approve', { conv, user: outsider.id, accept: false }, 'request_not_found');
  await refused(owner.c, 'group.add', { conv, users: [outsider.id, member.id] }, 'already_member');
  await refused(owner.c, 'group.add', { conv, users: [outsider.id, 987654] }, 'user_not_found');
  await refused(owner.c, 'group.add', { conv, users: Array.from({ length: 1001 }, (_, i) => i + 1) }, 'request_too_large');
  await fails(owner.c, 'group.create', { name: 'x', members: [987654] }, 'user_not_found');
  await fails(owner.c, 'group.create', { name: 'x', members: Array.from({ length: 1001 }, (_, i) => i + 1) }, 'request_too_large');
  // Bad fields are invalid_frame, naming the field.
  for (const [op, data, field] of [
    ['group.create', { name: '   ' }, 'data.name'],
    ['group.create', { name: 'x', joinPolicy: 'anyone' }, 'data.joinPolicy'],
    ['group.get', { conv: 'd:1:2' }, 'data.conv'],
    ['group.add', { conv, users: [] }, 'data.users'],
    ['group.mute', { conv, user: member.id, seconds: -1 }, 'data.seconds'],
    ['group.role', { conv, user: member.id, role: 'owner' }, 'data.role'],
  ] as const) {
    const e = await fails(owner.c, op, data, 'invalid_frame');
    assert.ok(e.message.includes(field), `${op}: ${e.message}`);
  }
  // An invite-only group still takes members added by its members.
  await ok(member.c, 'group.add', { conv, users: [outsider.id] });
  const list = await ok<{ conversations: { conv: string }[] }>(owner.c, 'conv.list', {});
  assert.equal(list.conversations.length, 1, 'no group was created by the refused creates');
  assert.ok(s);
});

test('concurrent joins and adds never go over the member cap', async (t) => {
  const { s, conv, owner, admin, snapshot } = await setup(t, { groups: { maxMembers: 6 } });
  const others = await Promise.all(Array.from({ length: 6 }, () => rawUser(s)));
  t.after(() => others.forEach((u) => u.c.close()));
  // 4 members, room for 2: four joins and two adds race for it.
  const results = await Promise.all([
    ...others.slice(0, 4).map((u) => u.c.request('group.join', { conv })),
    owner.c.request('group.add', { conv, users: [others[4]!.id] }),
    admin.c.request('group.add', { conv, users: [others[5]!.id] }),
  ]);
  assert.equal(results.filter((r) => r.ok).length, 2);
  assert.deepEqual(
    results.filter((r) => !r.ok).map((r) => r.error!.code),
    ['group_full', 'group_full', 'group_full', 'group_full'],
  );
  const after = (await snapshot()) as { info: { group: { memberCount: number } }; lastSeq: number };
  assert.equal(after.info.group.memberCount, 6);
  assert.equal(after.lastSeq, 5, 'created, role, a message, then the two changes that won');
});
