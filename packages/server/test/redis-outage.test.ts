import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Message } from '@warbler/protocol';
import type { WarblerClient } from '@warbler/sdk';
import type { WarblerServer } from '../src/index.js';
import { eventually, newUser, sdkClient } from './helpers.js';
import { PrivateRedis, keysUnder, startRedisCluster } from './redis-helpers.js';

/** Every text message a client's app got, as `conv:seq:text`, and the close codes it saw. */
function watch(c: WarblerClient): { got: string[]; closes: number[] } {
  const got: string[] = [];
  const closes: number[] = [];
  c.on('message', (m: Message) => {
    if (m.kind === 'text') got.push(`${m.conv}:${m.seq}:${m.text}`);
  });
  c.on('disconnected', (d) => closes.push(d.code));
  return { got, closes };
}

/** Lines grouped by conversation (`conv:seq:text` → conv), each in the order given. */
function byConv(lines: readonly string[]): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const l of lines) {
    const conv = l.slice(0, l.lastIndexOf(':', l.lastIndexOf(':') - 1));
    m.set(conv, [...(m.get(conv) ?? []), l]);
  }
  return m;
}

test('Redis killed and restarted under two servers: local chat goes on, every send is acked and stored, then every client resyncs and gets all of it exactly once, in order', async (t) => {
  const redis = await PrivateRedis.start();
  t.after(() => redis.stop());
  const { servers, settings, stop } = await startRedisCluster(2, redis.url, 1500);
  t.after(stop);
  const [s1, s2] = servers as [WarblerServer, WarblerServer];
  const a = await newUser(s1.wsUrl);
  const local = await newUser(s1.wsUrl); // on a's server
  const b = await newUser(s2.wsUrl); // on the other one
  t.after(() => [a, local, b].forEach((u) => u.client.close()));
  const seen = new Map([a, local, b].map((u) => [u, watch(u.client)]));

  // Every acknowledged message, with its two users (the SDK gives a sender its own sends as messages too).
  const acked: { users: (typeof a)[]; line: string }[] = [];
  const send = async (from: typeof a, to: typeof a, text: string) => {
    const ack = await from.client.send({ to: to.id, text });
    acked.push({ users: [from, to], line: `${ack.conv}:${ack.seq}:${text}` });
  };
  const expected = (u: typeof a) => byConv(acked.filter((x) => x.users.includes(u)).map((x) => x.line));
  const allArrived = (u: typeof a) => assert.deepEqual(byConv(seen.get(u)!.got), expected(u));
  await send(a, b, 'before the outage');
  await eventually(() => allArrived(b));

  await redis.kill();
  // Sends are stored and acknowledged; between two users of one server, pushes go on.
  for (let i = 0; i < 5; i++) await send(a, b, `to the other server, during the outage ${i}`);
  await send(b, a, 'from the other server, during the outage');
  await send(a, local, 'to the same server, during the outage');
  await eventually(() => allArrived(local));

  await redis.restart();
  // Both servers see the link back and close their clients with resync (4005); they reconnect and sync.
  const closes = () => [a, b].map((u) => seen.get(u)!.closes);
  await eventually(
    () =>
      assert.ok(
        closes().every((c) => c.includes(4005)),
        JSON.stringify(closes()),
      ),
    15_000,
  );
  for (const u of [a, local, b]) await eventually(() => allArrived(u), 15_000);

  // Cross-server pushes work again, and the registry is rebuilt: both nodes and all three users are back.
  await send(b, a, 'after the outage');
  await send(a, b, 'after the outage, back');
  for (const u of [a, b]) await eventually(() => allArrived(u));
  await eventually(async () => {
    const keys = await keysUnder(redis.url, settings.keyPrefix);
    for (const u of [a, local, b]) assert.ok(keys.includes(`${settings.keyPrefix}u:${u.id}`), `user ${u.id} online: ${keys.join(' ')}`);
    assert.equal(keys.filter((k) => k.startsWith(`${settings.keyPrefix}alive:`)).length, 2);
  });

  // Nothing acknowledged was lost: a new device of each user, logging in, syncs every one of its messages.
  for (const u of [a, local, b]) {
    const device = await sdkClient(s2.wsUrl);
    const got = watch(device).got;
    await device.login(u.username, 'password-123');
    await eventually(() => assert.deepEqual(byConv(got), expected(u)));
    device.close();
  }
});
