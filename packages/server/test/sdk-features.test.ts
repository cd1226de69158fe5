import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EventData, Message } from '@warbler/protocol';
import { refused } from './chat-helpers.js';
import { eventually, newUser, sdkClient, startTestServer } from './helpers.js';

// The SDK carries the feature set: groups, content kinds, actions, receipts, and sync's `left`.

test('SDK: a group conversation with mentions, edit, reaction and recall reaches every member in order', async (t) => {
  const s = await startTestServer();
  t.after(() => s.stop());
  const [a, b, c] = await Promise.all([newUser(s.wsUrl), newUser(s.wsUrl), newUser(s.wsUrl)]);
  t.after(() => [a, b, c].forEach((u) => u.client.close()));
  const atB: Message[] = [];
  const atC: Message[] = [];
  b.client.on('message', (m) => atB.push(m));
  c.client.on('message', (m) => atC.push(m));

  const { group } = await a.client.groups.create({ name: 'Team 团队', members: [b.id, c.id] });
  const conv = group.conv;
  const hello = await a.client.send({ conv, text: 'hi @b', mentions: [b.id] });
  await a.client.edit(conv, hello.seq, 'hi @b (edited)');
  await b.client.react(conv, hello.seq, '👍');
  await a.client.recall(conv, hello.seq);

  // c sees every entry once, in sequence order: created, the message, edit, reaction, recall.
  await eventually(() =>
    assert.deepEqual(
      atC.map((m) => m.kind),
      ['group', 'text', 'edit', 'reaction', 'recall'],
    ),
  );
  assert.deepEqual(
    atC.map((m) => m.seq),
    [1, 2, 3, 4, 5],
  );
  assert.deepEqual(atC[1]!.mentions, [b.id]);
  assert.equal(atC[2]!.target, hello.seq);
  assert.equal(atC[3]!.emoji, '👍');
  // b's own reaction comes back through its ack, not a push: still exactly once.
  await eventually(() => assert.equal(atB.filter((m) => m.kind === 'reaction').length, 1));

  // History shows the message's state now: recalled, its content gone.
  const h = await c.client.history(conv);
  const original = h.messages.find((m) => m.seq === hello.seq)!;
  assert.equal(original.recalled, true);
  assert.equal(original.text, undefined);

  // The conversation list names the group for everyone.
  const list = await c.client.conversations();
  assert.equal(list.conversations[0]!.kind, 'group');
  assert.equal(list.conversations[0]!.group?.name, 'Team 团队');
  assert.equal(list.conversations[0]!.group?.memberCount, 3);
});

test('SDK: delivery receipts are reported by the recipient and reach the sender as receipt events', async (t) => {
  const s = await startTestServer();
  t.after(() => s.stop());
  const a = await newUser(s.wsUrl);
  const b = await newUser(s.wsUrl, { deliveryReceiptMs: 50 });
  t.after(() => [a, b].forEach((u) => u.client.close()));
  const receipts: EventData<'receipt'>[] = [];
  a.client.on('receipt', (r) => receipts.push(r));

  const m1 = await a.client.send({ to: b.id, text: 'one' });
  const m2 = await a.client.send({ to: b.id, text: 'two' });
  await eventually(() => assert.ok(receipts.some((r) => r.user === b.id && r.delivered === m2.seq)));
  await b.client.markRead(m1.conv, m2.seq);
  await eventually(() => assert.ok(receipts.some((r) => r.user === b.id && r.read === m2.seq)));
  const counts = await a.client.receipts(m1.conv, m1.seq);
  assert.deepEqual({ read: counts.read, delivered: counts.delivered }, { read: 1, delivered: 1 });
});

test('SDK: a removed member is told by sync that it left, and the cursor is dropped', async (t) => {
  const s = await startTestServer();
  t.after(() => s.stop());
  const a = await newUser(s.wsUrl);
  const b = await newUser(s.wsUrl);
  t.after(() => [a, b].forEach((u) => u.client.close()));
  const { group } = await a.client.groups.create({ name: 'g', members: [b.id] });
  await a.client.send({ conv: group.conv, text: 'before' });
  await eventually(() => assert.ok((b.client.cursors[group.conv] ?? 0) >= 2));

  // b's second device, offline while b is removed, learns it from sync.
  const cursors = b.client.cursors;
  b.client.close();
  await a.client.groups.remove(group.conv, [b.id]);
  const again = await sdkClient(s.wsUrl, { cursors });
  t.after(() => again.close());
  const left: string[] = [];
  again.on('left', (conv) => left.push(conv));
  await again.resume(b.token);
  assert.deepEqual(left, [group.conv]);
  assert.equal(again.cursors[group.conv], undefined);
  await refused(again.send({ conv: group.conv, text: 'after' }), 'not_member');
});

test('group rules for actions: admins recall any message, only admins mention all, who-read stops at the size limit', async (t) => {
  const s = await startTestServer({ groups: { whoReadMaxMembers: 3 } });
  t.after(() => s.stop());
  const [owner, m1, m2, m3] = await Promise.all([newUser(s.wsUrl), newUser(s.wsUrl), newUser(s.wsUrl), newUser(s.wsUrl)]);
  t.after(() => [owner, m1, m2, m3].forEach((u) => u.client.close()));
  const { group } = await owner.client.groups.create({ name: 'small', members: [m1.id, m2.id] });
  const conv = group.conv;

  await refused(m1.client.send({ conv, text: '@all', mentionAll: true }), 'admin_required');
  const all = await owner.client.send({ conv, text: '@all', mentionAll: true });
  await eventually(async () => {
    const row = (await m1.client.conversations()).conversations.find((c) => c.conv === conv)!;
    assert.equal(row.mentioned, true);
  });

  // A member's message: another member may not recall it, the owner may, any time.
  const said = await m1.client.send({ conv, text: 'oops' });
  await refused(m2.client.recall(conv, said.seq), 'not_author');
  await owner.client.recall(conv, said.seq);

  // Who read: named while the group has at most 3 members, counted only above that.
  await m1.client.markRead(conv, all.seq);
  const small = await owner.client.receipts(conv, all.seq);
  assert.equal(small.read, 1);
  assert.deepEqual(small.readBy, [m1.id]);
  await owner.client.groups.add(conv, [m3.id]);
  const large = await owner.client.receipts(conv, all.seq);
  // A member who joins starts with everything before as read (nothing old shows as unread), so m3 counts.
  assert.equal(large.read, 2);
  assert.equal(large.readBy, undefined);

  // No receipt events in groups: reading there tells nobody but the reader's own devices.
  const receipts: unknown[] = [];
  owner.client.on('receipt', (r) => receipts.push(r));
  await m2.client.markRead(conv, all.seq);
  await owner.client.send({ conv, text: 'later' });
  await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(receipts, []);
});

test('SDK: friends, blocking, presence of a group mate and typing in a group', async (t) => {
  const s = await startTestServer();
  t.after(() => s.stop());
  const [a, b, c] = await Promise.all([newUser(s.wsUrl), newUser(s.wsUrl), newUser(s.wsUrl)]);
  t.after(() => [a, b, c].forEach((u) => u.client.close()));

  // Friend request under the default approval policy: b's devices learn it from the account log.
  const accountEvents: Message[] = [];
  b.client.on('message', (m) => {
    if (m.kind === 'account') accountEvents.push(m);
  });
  assert.equal((await a.client.friends.request(b.id, 'hi')).status, 'pending');
  await eventually(() => assert.equal(accountEvents[0]?.event?.type, 'friend.request'));
  await b.client.friends.accept(a.id);
  assert.deepEqual(
    (await a.client.friends.list()).friends.map((f) => f.user.id),
    [b.id],
  );

  // A group mate's presence is visible under the default 'contacts' privacy; offline when they leave.
  const { group } = await a.client.groups.create({ name: 'mates', members: [b.id, c.id] });
  const seen: EventData<'presence'>[] = [];
  a.client.on('presence', (p) => seen.push(p));
  const now = await a.client.presence.watch([c.id]);
  assert.equal(now.presence[0]?.online, true);
  c.client.close();
  await eventually(() => assert.ok(seen.some((p) => p.user === c.id && !p.online)));

  // Typing in a group reaches the other members, never the typist.
  const typing: EventData<'typing'>[] = [];
  b.client.on('typing', (e) => typing.push(e));
  await a.client.typing(group.conv);
  await eventually(() => assert.deepEqual(typing, [{ conv: group.conv, user: a.id, typing: true }]));

  // b blocks a: a's messages to b are refused; the friendship ends.
  await b.client.blocks.add(a.id);
  await refused(a.client.send({ to: b.id, text: 'still there?' }), 'blocked');
  assert.deepEqual((await a.client.friends.list()).friends, []);
});

test('search follows the real actions and group membership: edits, recalls, deletions for me, removal', async (t) => {
  const s = await startTestServer();
  t.after(() => s.stop());
  const [a, b, outsider] = await Promise.all([newUser(s.wsUrl), newUser(s.wsUrl), newUser(s.wsUrl)]);
  t.after(() => [a, b, outsider].forEach((u) => u.client.close()));
  const { group } = await a.client.groups.create({ name: '树莓派 club', members: [b.id] });
  const conv = group.conv;
  const texts = async (c: typeof a.client, q: string, extra: { conv?: string } = {}) =>
    (await c.search({ q, ...extra })).messages.map((m) => m.text);

  await a.client.send({ conv, text: '我们在树莓派上运行 Warbler' });
  const typo = await a.client.send({ conv, text: 'meeting at nine' });
  const secret = await a.client.send({ conv, text: 'the secret plan' });
  const mine = await b.client.send({ conv, text: 'my own note about the plan' });

  // Found by members, in a group; never by someone outside it, even with a conv filter.
  assert.deepEqual(await texts(b.client, '树莓派'), ['我们在树莓派上运行 Warbler']);
  assert.deepEqual(await texts(outsider.client, '树莓派'), []);
  await refused(outsider.client.search({ q: 'plan', conv }), 'not_member');

  // An edit is found by its new text only; a recalled message is found by nobody.
  await a.client.edit(conv, typo.seq, 'meeting at ten');
  assert.deepEqual(await texts(b.client, 'meeting'), ['meeting at ten']);
  assert.deepEqual(await texts(b.client, 'nine'), []);
  await a.client.recall(conv, secret.seq);
  assert.deepEqual(await texts(b.client, 'plan'), ['my own note about the plan']);

  // Deleted for me: gone from b's results, still in a's.
  await b.client.deleteForMe(conv, [mine.seq]);
  assert.deepEqual(await texts(b.client, 'plan'), []);
  assert.deepEqual(await texts(a.client, 'plan'), ['my own note about the plan']);

  // Removed from the group: b finds nothing of it any more.
  await a.client.groups.remove(conv, [b.id]);
  assert.deepEqual(await texts(b.client, '树莓派'), []);
  assert.deepEqual(await texts(a.client, '树莓派'), ['我们在树莓派上运行 Warbler']);
});

test('presence follows group membership: a stranger becomes visible when a group is shared, hidden when it ends', async (t) => {
  const s = await startTestServer();
  t.after(() => s.stop());
  const [a, d] = await Promise.all([newUser(s.wsUrl), newUser(s.wsUrl)]);
  t.after(() => [a, d].forEach((u) => u.client.close()));
  const seen: EventData<'presence'>[] = [];
  a.client.on('presence', (p) => seen.push(p));

  // d's default privacy shows presence to contacts only: a stranger sees d offline.
  assert.equal((await a.client.presence.watch([d.id])).presence[0]?.online, false);
  const { group } = await a.client.groups.create({ name: 'now we share one', members: [d.id] });
  await eventually(() => assert.deepEqual(seen.at(-1), { user: d.id, online: true }));
  await a.client.groups.remove(group.conv, [d.id]);
  await eventually(() => assert.deepEqual(seen.at(-1), { user: d.id, online: false }));
});
