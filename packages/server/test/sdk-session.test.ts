import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { Message } from '@warbler/protocol';
import { MemoryStorage, WarblerRequestError, type ConnectionState, type WarblerClient } from '@warbler/sdk';
import { eventually, newUser, RawClient, sdkClient, startTestServer, uniqueName, type TestServer } from './helpers.js';
import { tcpProxy, type TcpProxy } from './tcp-proxy.js';

// The SDK's session life against a real server: timeouts, token refresh, logout, devices, going
// offline and back, and an outbox that outlives the client.

const DAY = 86_400_000;

async function serverAndProxy(t: TestContext, overrides: Parameters<typeof startTestServer>[0] = {}): Promise<[TestServer, TcpProxy]> {
  const s = await startTestServer(overrides);
  t.after(() => s.close());
  const p = await tcpProxy(Number(new URL(s.wsUrl).port));
  t.after(() => p.close());
  return [s, p];
}

/** Every message `c` delivers, to count what arrived. */
function collect(c: WarblerClient): Message[] {
  const got: Message[] = [];
  c.on('message', (m) => got.push(m));
  return got;
}

/**
 * Waits until `marker` (sent after `text` in the same conversation) reached `got`, then counts `text`:
 * a duplicate would have come before the marker, since a conversation is delivered in order.
 */
async function countBefore(sender: WarblerClient, to: number, got: Message[], text: string): Promise<number> {
  const marker = `marker ${uniqueName()}`;
  await sender.send({ to, text: marker });
  await eventually(() => assert.ok(got.some((m) => m.text === marker)));
  return got.filter((m) => m.text === text).length;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('SDK: a request the server does not answer rejects with `timeout`; its late answer is ignored', async (t) => {
  const [s, p] = await serverAndProxy(t);
  const b = await newUser(s.wsUrl);
  const a = await newUser(p.wsUrl);
  t.after(() => [a, b].forEach((u) => u.client.close()));
  const atB = collect(b.client);

  a.client.requestTimeoutMs = 300;
  p.hold(); // the server's answers stop reaching a
  await assert.rejects(a.client.ping(), (e: unknown) => e instanceof WarblerRequestError && e.code === 'timeout');
  const raw = a.client.request('msg.send', { to: b.id, clientId: `late-${uniqueName()}`, text: 'answered late' });
  await assert.rejects(raw, (e: unknown) => e instanceof WarblerRequestError && e.code === 'timeout' && /msg\.send/.test(e.message));
  a.client.requestTimeoutMs = 15_000;
  p.release(); // the two late answers arrive now, and go nowhere

  // The connection carries on: the next request gets its own answer, not a late one.
  const pong = await a.client.ping();
  assert.equal(typeof pong.ts, 'number');
  assert.equal(a.client.state, 'online');
  // The server did take the send it answered late: b has it once.
  assert.equal(await countBefore(a.client, b.id, atB, 'answered late'), 1);
});

test('SDK: a send whose acks are held times out, is resent with the same client id, and arrives once', async (t) => {
  const [s, p] = await serverAndProxy(t);
  const b = await newUser(s.wsUrl);
  const a = await newUser(p.wsUrl, { backoffMs: [50, 100] });
  t.after(() => [a, b].forEach((u) => u.client.close()));
  const atB = collect(b.client);
  const atA = collect(a.client);

  a.client.requestTimeoutMs = 200;
  p.hold();
  const sent = a.client.send({ to: b.id, text: 'held once' });
  await eventually(() => assert.ok(atB.some((m) => m.text === 'held once'))); // stored and pushed to b
  await sleep(700); // several attempts time out meanwhile
  a.client.requestTimeoutMs = 15_000;
  p.release();
  const ack = await sent;
  assert.equal(a.client.pendingSends, 0);
  assert.equal(await countBefore(a.client, b.id, atB, 'held once'), 1);
  // The sender's own copy comes once too (from sync, since its first ack was lost).
  await eventually(() => assert.equal(atA.filter((m) => m.clientId === ack.clientId).length, 1));
});

test('SDK: the token is refreshed before it expires, saved, and the old one stops working', async (t) => {
  const s = await startTestServer({ auth: { tokenTtlDays: 1 } });
  t.after(() => s.close());
  const storage = new MemoryStorage();
  // Refresh when less than a day minus 300 ms is left: 300 ms after login, with a one-day token.
  const a = await newUser(s.wsUrl, { storage, refreshBeforeMs: DAY - 300 });
  t.after(() => a.client.close());
  const first = a.token;
  const next = await new Promise<{ token: string; expiresAt: number }>((resolve) => a.client.on('token', resolve));
  a.client.close();
  assert.notEqual(next.token, first);
  assert.equal(a.client.sessionToken, next.token);
  assert.ok(next.expiresAt > Date.now() + DAY - 60_000);
  const saved = await storage.get<{ token: string }>('session');
  assert.equal(saved?.token, next.token, 'the new token is saved before the app hears of it');

  const raw = await RawClient.open(s.wsUrl);
  t.after(() => raw.close());
  await raw.request('hello', { protocol: 1 });
  assert.equal((await raw.request('auth.resume', { token: first })).error?.code, 'token_invalid');

  // A new client on the same storage resumes with the saved token, no password.
  const again = await sdkClient(s.wsUrl, { storage, autoRefresh: false });
  t.after(() => again.close());
  const r = await again.resume();
  assert.equal(r.user.id, a.id);
});

test('SDK: logout ends the session for good and clears the storage', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const storage = new MemoryStorage();
  const a = await newUser(s.wsUrl, { storage });
  const b = await newUser(s.wsUrl);
  t.after(() => [a, b].forEach((u) => u.client.close()));
  await a.client.send({ to: b.id, text: 'before logout' });
  await a.client.conversations();
  await a.client.flush();
  assert.ok((await storage.entries('')).length > 0);
  const events: string[] = [];
  a.client.on('authLost', () => events.push('authLost'));
  a.client.on('disconnected', (d) => events.push(`disconnected reconnect=${d.reconnect}`));

  await a.client.logout();
  assert.equal(a.client.state, 'closed');
  assert.equal(a.client.sessionToken, undefined);
  assert.deepEqual(await storage.entries(''), []);
  await sleep(200); // the server's 4100 close, were it to come through, would show here
  assert.deepEqual(events, ['disconnected reconnect=false'], 'a logout is not an auth loss and does not reconnect');
  const raw = await RawClient.open(s.wsUrl);
  t.after(() => raw.close());
  await raw.request('hello', { protocol: 1 });
  assert.equal((await raw.request('auth.resume', { token: a.token })).error?.code, 'token_invalid');
});

test('SDK: devices are listed by name and one revoked from another loses its session', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const username = uniqueName();
  const laptop = await sdkClient(s.wsUrl, { device: 'laptop' });
  await laptop.register(username, 'password-123');
  const phoneStorage = new MemoryStorage();
  const phone = await sdkClient(s.wsUrl, { device: 'phone', storage: phoneStorage });
  await phone.login(username, 'password-123');
  t.after(() => [laptop, phone].forEach((c) => c.close()));
  const lost = new Promise<{ code: unknown }>((resolve) => phone.on('authLost', resolve));

  const { devices } = await laptop.devices.list();
  assert.deepEqual(devices.map((d) => [d.name, d.current]).sort(), [
    ['laptop', true],
    ['phone', false],
  ]);
  await laptop.devices.revoke(phone.deviceId!);
  assert.deepEqual(await lost, { code: 4101 });
  assert.equal(phone.state, 'closed');
  assert.equal(await phoneStorage.get('session'), undefined, 'the revoked token is not kept');
  assert.deepEqual(
    (await laptop.devices.list()).devices.map((d) => d.name),
    ['laptop'],
  );
  await assert.rejects(
    laptop.devices.revoke(phone.deviceId!),
    (e: unknown) => e instanceof WarblerRequestError && e.code === 'device_not_found',
  );
});

test('SDK: going offline and back shows as state events, and what was sent meanwhile arrives once', async (t) => {
  const [s, p] = await serverAndProxy(t);
  const b = await newUser(s.wsUrl);
  const a = await newUser(p.wsUrl);
  t.after(() => [a, b].forEach((u) => u.client.close()));
  const atB = collect(b.client);
  const states: ConnectionState[] = [];
  a.client.on('state', (st) => states.push(st));
  const reconnected = new Promise((resolve) => a.client.on('reconnected', resolve));

  p.refuse(true);
  p.cut();
  await eventually(() => assert.equal(a.client.state, 'offline'));
  const sent = a.client.send({ to: b.id, text: 'written offline' });
  assert.equal(a.client.pendingSends, 1);
  assert.deepEqual(
    a.client.outbox.map((o) => (o.data as { text?: string }).text),
    ['written offline'],
  );
  p.refuse(false);
  await reconnected;
  await sent;
  assert.equal(a.client.state, 'online');
  assert.equal(states[0], 'offline');
  assert.equal(states.at(-1), 'online');
  assert.ok(states.includes('connecting'));
  assert.equal(await countBefore(a.client, b.id, atB, 'written offline'), 1);
});

test('SDK: the outbox outlives the client: a new client on the same storage sends it, and it is stored once', async (t) => {
  const [s, p] = await serverAndProxy(t);
  const b = await newUser(s.wsUrl);
  const storage = new MemoryStorage();
  const a = await newUser(p.wsUrl, { storage });
  t.after(() => [a, b].forEach((u) => u.client.close()));
  const atB = collect(b.client);

  // The server stores the send but its ack never reaches the client, which then stops.
  p.hold();
  const lostAck = a.client.send({ to: b.id, text: 'sent before the restart' });
  await eventually(() => assert.ok(atB.some((m) => m.text === 'sent before the restart')));
  a.client.close();
  await assert.rejects(lostAck, (e: unknown) => e instanceof WarblerRequestError && e.code === 'disconnected');
  assert.equal((await storage.entries('o:')).length, 1, 'still in the outbox');

  // The next start on the same storage resumes the saved session and resends with the same client id.
  const again = await sdkClient(s.wsUrl, { storage });
  t.after(() => again.close());
  const sent = new Promise<{ ack: { duplicate: boolean } }>((resolve) => again.on('sent', resolve));
  const restored = await again.start();
  assert.equal(restored.session?.user.id, a.id);
  assert.deepEqual(
    restored.outbox.map((o) => (o.data as { text?: string }).text),
    ['sent before the restart'],
  );
  assert.equal((await sent).ack.duplicate, true, 'the server knew it: stored once');
  assert.equal(await countBefore(again, b.id, atB, 'sent before the restart'), 1);
  assert.deepEqual(await storage.entries('o:'), []);
});

test('SDK: a client opens from its cache: conversations, recent messages and cursors, then syncs what came since', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const storage = new MemoryStorage();
  const a = await newUser(s.wsUrl, { storage });
  const b = await newUser(s.wsUrl);
  t.after(() => [a, b].forEach((u) => u.client.close()));
  const first = await b.client.send({ to: a.id, text: 'one' });
  await eventually(() => assert.equal(a.client.cachedMessages(first.conv).length, 1));
  await a.client.conversations();
  a.client.close();
  await b.client.send({ to: a.id, text: 'two' }); // while a is away

  const again = await sdkClient(s.wsUrl, { storage });
  t.after(() => again.close());
  const got = collect(again);
  const restored = await again.restore(); // before any network
  assert.deepEqual(
    restored.conversations.map((c) => c.conv),
    [first.conv],
  );
  assert.equal(restored.cursors[first.conv], first.seq);
  assert.deepEqual(
    again.cachedMessages(first.conv).map((m) => m.text),
    ['one'],
  );
  await again.resume();
  // Sync brings only what came after the cursor.
  await eventually(() =>
    assert.deepEqual(
      got.map((m) => m.text),
      ['two'],
    ),
  );
  assert.deepEqual(
    again.cachedMessages(first.conv).map((m) => m.text),
    ['one', 'two'],
  );
});

test('SDK: another user logging in on the same storage does not inherit the first user’s data', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const storage = new MemoryStorage();
  const a = await newUser(s.wsUrl, { storage });
  const b = await newUser(s.wsUrl);
  t.after(() => [a, b].forEach((u) => u.client.close()));
  await b.client.send({ to: a.id, text: 'for a only' });
  await eventually(async () => {
    await a.client.flush();
    assert.ok((await storage.entries('c:')).length > 0);
  });
  a.client.close();

  const c = await sdkClient(s.wsUrl, { storage });
  t.after(() => c.close());
  await c.restore();
  await c.register(uniqueName(), 'password-123');
  assert.deepEqual(c.cursors, {});
  assert.equal((await storage.get<{ user: { id: number } }>('session'))?.user.id, c.user!.id);
  assert.deepEqual(await storage.entries('c:'), []);
});
