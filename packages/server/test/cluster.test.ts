import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { test } from 'node:test';
import type { Message } from '@warbler/protocol';
import { WarblerRequestError } from '@warbler/sdk';
import { MemoryNetwork } from '../src/bus/bus-memory.js';
import { createLogger, loadConfig, startServer, type WarblerServer } from '../src/index.js';
import { RawClient, eventually, newUser, sdkClient, tempDir } from './helpers.js';

/**
 * Three servers in this process, each on port 0 with its own Bus on one memory network, all on one
 * SQLite file: a cluster as several processes behind a load balancer would be (with Redis instead).
 */
async function startCluster(n: number): Promise<{ servers: WarblerServer[]; stop: () => Promise<void> }> {
  const dataDir = tempDir();
  const net = new MemoryNetwork();
  const servers: WarblerServer[] = [];
  const stop = async () => {
    for (const s of servers) await s.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < n; i++) {
      const config = loadConfig({
        overrides: {
          dataDir,
          server: { port: 0, host: '127.0.0.1' },
          admin: { port: 0 },
          auth: { scryptCost: 1024, registration: 'open' },
          store: { sqlite: { synchronous: 'normal' } },
          log: { level: 'silent' },
        },
      });
      servers.push(await startServer(config, createLogger('silent'), [], { bus: net.join() }));
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return { servers, stop };
}

/** Resolves with the error code `p` is refused with, or undefined when it succeeds. */
async function refusal(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (e) {
    if (e instanceof WarblerRequestError) return e.code;
    throw e;
  }
}

test('three servers, one store, one bus network: messages cross servers; kicks, blocks, group changes and presence made on one reach the others', async (t) => {
  const { servers, stop } = await startCluster(3);
  t.after(stop);
  const [s1, s2, s3] = servers as [WarblerServer, WarblerServer, WarblerServer];
  const a = await newUser(s1.wsUrl);
  const b = await newUser(s2.wsUrl);
  const b3 = await sdkClient(s3.wsUrl);
  await b3.resume(b.token);
  t.after(() => [a.client, b.client, b3].forEach((c) => c.close()));

  // A user on server 1 messages a user on server 2, whose devices on servers 2 and 3 both get the push.
  const atB: Message[] = [];
  const atB3: Message[] = [];
  b.client.on('message', (m: Message) => atB.push(m));
  b3.on('message', (m: Message) => atB3.push(m));
  const ack = await a.client.send({ to: b.id, text: 'across the cluster' });
  await eventually(() =>
    assert.deepEqual(
      atB.map((m) => m.text),
      ['across the cluster'],
    ),
  );
  await eventually(() =>
    assert.deepEqual(
      atB3.map((m) => m.text),
      ['across the cluster'],
    ),
  );
  assert.equal(atB[0]!.seq, ack.seq);

  // A device of the sender's on server 3, revoked from server 1, is closed on server 3 (4101).
  const a3 = await RawClient.open(s3.wsUrl);
  t.after(() => a3.close());
  await a3.request('hello', { protocol: 1 });
  const login = await a3.request('auth.login', { username: a.username, password: 'password-123' });
  await a.client.request('device.revoke', { deviceId: (login.data as { deviceId: number }).deviceId });
  assert.equal((await a3.closed).code, 4101);

  // A group made on server 1; its member on server 2 sends there (server 2 now holds the group's state);
  // the member is removed on server 1, and server 2 refuses the next send.
  const { group } = await a.client.request('group.create', { name: 'cluster', members: [b.id] });
  await b.client.request('msg.send', { conv: group.conv, clientId: 'g-1', text: 'hi group' });
  await a.client.request('group.remove', { conv: group.conv, users: [b.id] });
  await eventually(async () =>
    assert.equal(
      await refusal(b.client.request('msg.send', { conv: group.conv, clientId: `g-${Date.now()}`, text: 'still in?' })),
      'not_member',
    ),
  );

  // The user blocks the sender from server 3; the sender's next message on server 1 is refused.
  await b3.request('block.add', { user: a.id });
  const send = (text: string) => a.client.request('msg.send', { to: b.id, clientId: `${text}-${Date.now()}`, text });
  await eventually(async () => assert.equal(await refusal(send('blocked?')), 'blocked'));
  // And unblocked on server 2, it goes through on server 1 again.
  await b.client.request('block.remove', { user: a.id });
  await eventually(async () => assert.equal(await refusal(send('unblocked')), undefined));

  // Presence: a friend watching from server 3 sees the user go offline when their last connection
  // anywhere closes: not when the one on server 3 closes while server 2 still holds one.
  const friend = await newUser(s3.wsUrl);
  t.after(() => friend.client.close());
  await friend.client.request('friend.request', { user: b.id });
  await b.client.request('friend.accept', { user: friend.id });
  const seen: [number, boolean][] = [];
  friend.client.on('presence', (p) => seen.push([p.user, p.online]));
  const watched = await friend.client.request('presence.watch', { users: [b.id] });
  assert.deepEqual(watched.presence, [{ user: b.id, online: true }]);
  b3.close();
  await new Promise((r) => setTimeout(r, 150)); // gives a wrong offline push the time to arrive
  assert.deepEqual(seen, [], 'still online on server 2');
  assert.deepEqual((await friend.client.request('presence.watch', { users: [b.id] })).presence, [{ user: b.id, online: true }]);
  b.client.close();
  await eventually(() => assert.deepEqual(seen, [[b.id, false]]));
});
