import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { test } from 'node:test';
import WebSocket from 'ws';
import { CLOSE_CODES } from '@warbler/protocol';
import { wsTextFrame } from '../src/gateway/gateway.js';
import { RawClient, eventually, startTestServer, uniqueName, type Frame, type TestServer } from './helpers.js';

/** RawClient's constructor is private to helpers.ts; this wraps a socket opened with other options. */
const wrap = (ws: WebSocket): RawClient => new (RawClient as unknown as new (ws: WebSocket) => RawClient)(ws);

/** Opens a raw client with `ws` client options (e.g. `autoPong: false`). */
async function openRaw(url: string, opts: WebSocket.ClientOptions): Promise<RawClient> {
  const ws = new WebSocket(url, opts);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return wrap(ws);
}

/** The HTTP status of a WebSocket upgrade: 101 when the socket opens, else the refusal's status. */
function upgradeStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => {
      ws.close();
      resolve(101);
    });
    ws.once('unexpected-response', (req, res) => {
      resolve(res.statusCode ?? 0);
      req.destroy();
    });
    ws.once('error', reject);
  });
}

/** A registered raw client: handshake and registration done. */
async function rawUser(s: TestServer, opts?: WebSocket.ClientOptions): Promise<RawClient & { id: number; token: string }> {
  const c = opts ? await openRaw(s.wsUrl, opts) : await RawClient.open(s.wsUrl);
  return Object.assign(c, await c.registerNew(uniqueName()));
}

const isOpen = (c: RawClient) => c.ws.readyState === WebSocket.OPEN;

async function pingOk(c: RawClient): Promise<void> {
  const f = await c.request('ping');
  assert.equal(f.ok, true, JSON.stringify(f));
}

test('a connection that does not authenticate within authTimeoutMs is closed with 4003; one that does stays', async (t) => {
  const s = await startTestServer({ gateway: { authTimeoutMs: 300 } });
  t.after(() => s.close());
  const openedAt = Date.now();
  const silent = await RawClient.open(s.wsUrl);
  const helloOnly = await RawClient.open(s.wsUrl);
  const authed = await rawUser(s);
  t.after(() => [silent, helloOnly, authed].forEach((c) => c.close()));
  assert.equal((await helloOnly.request('hello', { protocol: 1 })).ok, true);

  const closed = await silent.closed;
  assert.equal(closed.code, CLOSE_CODES.auth_timeout.code);
  assert.ok(Date.now() - openedAt >= 300, 'not before authTimeoutMs');
  assert.equal((await helloOnly.closed).code, CLOSE_CODES.auth_timeout.code, 'hello alone is not authentication');
  assert.ok(isOpen(authed), 'the authenticated connection is still open');
  await pingOk(authed);
});

test('a client that stops answering pings is closed with 4002 after idleTimeoutMs; one that answers stays open', async (t) => {
  const s = await startTestServer({ gateway: { heartbeatMs: 1000, idleTimeoutMs: 2000 } });
  t.after(() => s.close());
  const answering = await rawUser(s);
  const deaf = await rawUser(s, { autoPong: false });
  t.after(() => [answering, deaf].forEach((c) => c.close()));
  let pingsAnswered = 0;
  let pingsIgnored = 0;
  answering.ws.on('ping', () => pingsAnswered++);
  deaf.ws.on('ping', () => pingsIgnored++);
  const lastFrameAt = Date.now();

  const closed = await deaf.closed;
  assert.equal(closed.code, CLOSE_CODES.idle_timeout.code);
  assert.ok(Date.now() - lastFrameAt >= 2000, 'not before idleTimeoutMs');
  assert.ok(pingsIgnored >= 1, 'the server pinged before giving up');
  // The answering client sent no frame either, for as long, but its pongs kept it alive.
  assert.ok(pingsAnswered >= 1, 'the server pinged the answering client too');
  assert.ok(isOpen(answering));
  await pingOk(answering);
});

test('an Origin not in allowedOrigins is refused with 403; an allowed one or none connects; other paths get 404', async (t) => {
  const s = await startTestServer({ server: { allowedOrigins: ['https://chat.example.com'] } });
  t.after(() => s.close());
  assert.equal(await upgradeStatus(s.wsUrl, { Origin: 'https://evil.example.com' }), 403);
  assert.equal(await upgradeStatus(s.wsUrl, { Origin: 'https://chat.example.com.evil.net' }), 403);
  assert.equal(await upgradeStatus(s.wsUrl, { Origin: 'https://chat.example.com' }), 101);
  assert.equal(await upgradeStatus(s.wsUrl), 101, 'no Origin (not a browser) is allowed');
  await assert.rejects(RawClient.open(s.wsUrl, { Origin: 'null' }), /403/);

  const base = s.wsUrl.replace(/\/ws$/, '');
  assert.equal(await upgradeStatus(`${base}/other`), 404);
  assert.equal(await upgradeStatus(`${base}/ws/more`), 404);
  assert.equal(await upgradeStatus(`${base}/`), 404);
  assert.equal(await upgradeStatus(`${s.wsUrl}?v=1`), 101, 'a query string does not change the path');

  const allowed = await RawClient.open(s.wsUrl, { Origin: 'https://chat.example.com' });
  t.after(() => allowed.close());
  assert.equal((await allowed.request('hello', { protocol: 1 })).ok, true);
});

test('by default only pages of the server itself (or behind its proxy) may open a WebSocket; "*" allows any', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const self = new URL(s.url);
  assert.equal(await upgradeStatus(s.wsUrl, { Origin: `http://${self.host}` }), 101, 'a page this server served');
  assert.equal(await upgradeStatus(s.wsUrl, { Origin: `https://${self.host}` }), 101, 'the same host behind a TLS proxy');
  assert.equal(await upgradeStatus(s.wsUrl, { Origin: 'https://evil.example.com' }), 403, "another site's page");
  assert.equal(await upgradeStatus(s.wsUrl, { Origin: `http://${self.hostname}:1` }), 403, 'another port is another origin');
  assert.equal(await upgradeStatus(s.wsUrl, { Origin: 'null' }), 403, 'a sandboxed page or a file');
  assert.equal(await upgradeStatus(s.wsUrl), 101, 'no Origin (not a browser) is allowed');
  const open = await startTestServer({ server: { allowedOrigins: ['*'] } });
  t.after(() => open.close());
  assert.equal(await upgradeStatus(open.wsUrl, { Origin: 'https://evil.example.com' }), 101);
});

test('a slow consumer is closed with 4001, counted, and catches up by sync without losing anything', async (t) => {
  const s = await startTestServer({
    gateway: { maxBufferedBytes: 65536, maxFrameBytes: 256 * 1024 },
    limits: { maxTextChars: 60000 },
  });
  t.after(() => s.close());
  const sender = await rawUser(s);
  const receiver = await rawUser(s);
  t.after(() => [sender, receiver].forEach((c) => c.close()));
  const socket = (receiver.ws as unknown as { _socket: Socket })._socket;
  socket.pause();

  const N = 200;
  const text = (i: number) => `${i}:`.padEnd(60000, 'x');
  const acks = await Promise.all(
    // 12 MB of sends: a busy machine needs more than the helper's default 5 s for them all.
    Array.from({ length: N }, (_, i) => sender.request('msg.send', { to: receiver.id, clientId: `m${i}`, text: text(i) }, 30_000)),
  );
  assert.deepEqual(
    acks.filter((f) => !f.ok),
    [],
    'every send is acknowledged',
  );
  await eventually(() => assert.equal(s.metrics.slowConsumers.get(), 1));

  socket.resume();
  const closed = await receiver.closed;
  assert.equal(closed.code, CLOSE_CODES.slow_consumer.code);
  const pushed = receiver.frames.filter((f) => f.ev === 'msg').map((f) => f.data as { seq: number; text: string });
  assert.ok(pushed.length < N, `the receiver fell behind (${pushed.length} pushed)`);
  assert.ok(isOpen(sender), 'the sender is not affected');

  // Reconnect with the saved token and pull everything after the last pushed sequence.
  const again = await RawClient.open(s.wsUrl);
  t.after(() => again.close());
  assert.equal((await again.request('hello', { protocol: 1 })).ok, true);
  assert.equal((await again.request('auth.resume', { token: receiver.token })).ok, true);
  const conv = acks[0]!.data!.conv as string;
  let cursor = pushed.at(-1)?.seq ?? 0;
  const synced: { seq: number; text: string }[] = [];
  for (let page = 0; page < N; page++) {
    const r: Frame = await Promise.race([
      again.request('sync', { cursors: { [conv]: cursor } }),
      again.closed.then((c) => assert.fail(`closed with ${c.code} while catching up`)),
    ]);
    assert.equal(r.ok, true, JSON.stringify(r).slice(0, 300));
    const messages = r.data!.messages as { seq: number; text: string }[];
    synced.push(...messages);
    cursor = messages.at(-1)?.seq ?? cursor;
    if (!r.data!.more) break;
  }
  const all = [...pushed, ...synced];
  assert.deepEqual(
    all.map((m) => m.seq),
    Array.from({ length: N }, (_, i) => i + 1),
    'every acknowledged message arrives once, in order',
  );
  assert.ok(all.every((m) => m.text === text(m.seq - 1)));
  assert.equal(s.metrics.slowConsumers.get(), 1, 'catching up did not count as slow again');
});

test('a shared push frame is one unmasked, final text frame, at every length encoding', () => {
  for (const [text, head] of [
    ['{"ev":"msg"}', 2],
    ['é'.repeat(100), 4],
    ['x'.repeat(70_000), 10],
  ] as const) {
    const f = wsTextFrame(text);
    assert.equal(f[0], 0x81, 'FIN and opcode 1 (text)');
    assert.equal(f[1]! & 0x80, 0, 'not masked');
    const len = head === 2 ? f[1]! : head === 4 ? f.readUInt16BE(2) : f.readUInt32BE(2) * 2 ** 32 + f.readUInt32BE(6);
    assert.equal(len, Buffer.byteLength(text));
    assert.equal(f.length, head + len);
    assert.equal(f.subarray(head).toString(), text);
  }
});
