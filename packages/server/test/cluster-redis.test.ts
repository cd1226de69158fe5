import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Message } from '@warbler/protocol';
import type { WarblerClient } from '@warbler/sdk';
import type { WarblerServer } from '../src/index.js';
import { RawClient, eventually, newUser } from './helpers.js';
import { startRedisCluster } from './redis-helpers.js';

/** The text messages a client gets, as `conv:seq:text`, in the order its `message` event gave them. */
function inbox(c: WarblerClient): string[] {
  const got: string[] = [];
  c.on('message', (m: Message) => {
    if (m.kind === 'text') got.push(`${m.conv}:${m.seq}:${m.text}`);
  });
  return got;
}

test('three servers on the Redis bus and one store: users on different servers chat one-to-one and in a group, with presence and typing', async (t) => {
  const { servers, stop } = await startRedisCluster(3);
  t.after(stop);
  const [s1, s2, s3] = servers as [WarblerServer, WarblerServer, WarblerServer];
  const a = await newUser(s1.wsUrl);
  const b = await newUser(s2.wsUrl);
  const c = await newUser(s3.wsUrl);
  t.after(() => [a, b, c].forEach((u) => u.client.close()));
  const [atA, atB, atC] = [inbox(a.client), inbox(b.client), inbox(c.client)];

  // One-to-one, both ways, across servers 1 and 2 (the SDK gives its own sends as messages too).
  const ab = await a.client.send({ to: b.id, text: 'hi b, from server 1' });
  await eventually(() => assert.deepEqual(atB, [`${ab.conv}:${ab.seq}:hi b, from server 1`]));
  const ba = await b.client.send({ to: a.id, text: 'hi a, from server 2' });
  assert.equal(ba.conv, ab.conv);
  const chat = [`${ab.conv}:${ab.seq}:hi b, from server 1`, `${ab.conv}:${ba.seq}:hi a, from server 2`];
  await eventually(() => assert.deepEqual(atA, chat));
  await eventually(() => assert.deepEqual(atB, chat));

  // A group of the three: each one's messages reach the two others; each sees them all exactly once, in order.
  const { group } = await a.client.request('group.create', { name: 'across', members: [b.id, c.id] });
  const sent: string[] = [];
  for (const [u, text] of [
    [a, 'from 1'],
    [b, 'from 2'],
    [c, 'from 3'],
    [a, 'from 1 again'],
  ] as const) {
    const ack = await u.client.send({ conv: group.conv, text });
    sent.push(`${group.conv}:${ack.seq}:${text}`);
  }
  const ofGroup = (got: string[]) => got.filter((x) => x.startsWith(`${group.conv}:`));
  for (const got of [atA, atB, atC]) await eventually(() => assert.deepEqual(ofGroup(got), sent));

  // Typing on server 3 shows on servers 1 and 2.
  const typing: string[] = [];
  a.client.on('typing', (d) => typing.push(`a:${d.user}:${d.typing}`));
  b.client.on('typing', (d) => typing.push(`b:${d.user}:${d.typing}`));
  await c.client.typing(group.conv, true);
  await eventually(() => assert.deepEqual(typing.sort(), [`a:${c.id}:true`, `b:${c.id}:true`]));

  // Presence: a friend on server 3 watches a user connected on servers 1 and 2; offline only when the
  // last connection anywhere closes, online again when one opens on any server.
  const friend = await newUser(s3.wsUrl);
  t.after(() => friend.client.close());
  await friend.client.request('friend.request', { user: b.id });
  await b.client.request('friend.accept', { user: friend.id });
  const bOn1 = await RawClient.open(s1.wsUrl);
  await bOn1.request('hello', { protocol: 1 });
  await bOn1.request('auth.login', { username: b.username, password: 'password-123' });
  const seen: [number, boolean][] = [];
  friend.client.on('presence', (p) => seen.push([p.user, p.online]));
  assert.deepEqual((await friend.client.request('presence.watch', { users: [b.id] })).presence, [{ user: b.id, online: true }]);
  b.client.close();
  await new Promise((r) => setTimeout(r, 200)); // gives a wrong offline push the time to arrive
  assert.deepEqual(seen, [], 'still online on server 1');
  bOn1.close();
  await eventually(() => assert.deepEqual(seen, [[b.id, false]]));
  const back = await RawClient.open(s2.wsUrl);
  t.after(() => back.close());
  await back.request('hello', { protocol: 1 });
  await back.request('auth.login', { username: b.username, password: 'password-123' });
  await eventually(() =>
    assert.deepEqual(seen, [
      [b.id, false],
      [b.id, true],
    ]),
  );
});

test('Redis bus: pushes of one conversation from two servers arrive out of sequence order; the SDK holds the later one and fills the gap by sync', async (t) => {
  const { servers, buses, stop } = await startRedisCluster(3);
  t.after(stop);
  const [s1, s2, s3] = servers as [WarblerServer, WarblerServer, WarblerServer];
  const x = await newUser(s1.wsUrl);
  const y = await newUser(s2.wsUrl);
  const r = await newUser(s3.wsUrl);
  t.after(() => [x, y, r].forEach((u) => u.client.close()));
  const { group } = await x.client.request('group.create', { name: 'two writers', members: [y.id, r.id] });

  // The reader's second device, raw, records the pushes as they come off the wire.
  const raw = await RawClient.open(s3.wsUrl);
  t.after(() => raw.close());
  await raw.request('hello', { protocol: 1 });
  await raw.request('auth.login', { username: r.username, password: 'password-123' });
  const wire = () =>
    raw.frames.flatMap((f) => {
      const d = f.data as { conv?: string; seq?: number; kind?: string } | undefined;
      return f.ev === 'msg' && d?.conv === group.conv && d.kind === 'text' ? [d.seq] : [];
    });
  const got = inbox(r.client);

  // Server 1 is slow to publish (held here; a loaded process, a slow link): its push comes late.
  const bus1 = buses[0]!;
  const held: (() => void)[] = [];
  const deliver = bus1.deliver.bind(bus1);
  bus1.deliver = (users, payload, except) => {
    const copy = [...users];
    held.push(() => deliver(copy, payload, except));
  };
  const first = await x.client.send({ conv: group.conv, text: 'first, via server 1' });
  const second = await y.client.send({ conv: group.conv, text: 'second, via server 2' });
  assert.equal(second.seq, first.seq + 1);

  // Only the second push arrived; the SDK saw the gap, synced, and delivered both in order.
  await eventually(() => assert.deepEqual(wire(), [second.seq]));
  const expected = [`${group.conv}:${first.seq}:first, via server 1`, `${group.conv}:${second.seq}:second, via server 2`];
  await eventually(() => assert.deepEqual(got, expected));

  // The late push arrives out of order on the wire and changes nothing for the app.
  bus1.deliver = deliver;
  for (const h of held) h();
  await eventually(() => assert.deepEqual(wire(), [second.seq, first.seq]));
  const marker = await y.client.send({ conv: group.conv, text: 'marker' });
  await eventually(() => assert.deepEqual(got, [...expected, `${group.conv}:${marker.seq}:marker`]));
});
