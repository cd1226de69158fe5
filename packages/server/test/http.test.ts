import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { test, type TestContext } from 'node:test';
import { apiKey, eventually, newUser, RawClient, startTestServer, type TestServer } from './helpers.js';

/** Parses Prometheus text into `name{labels}` → value, the `node` label (on every series) left out. */
function parseMetrics(text: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    const key = line
      .slice(0, i)
      .replace(/(,?)node="[^"]*"(,?)/, (_, a: string, b: string) => (a && b ? ',' : ''))
      .replace('{}', '');
    m.set(key, Number(line.slice(i + 1)));
  }
  return m;
}

/** Reads /metrics where it is served by default: the admin listener, without a key. */
async function scrape(s: TestServer): Promise<Map<string, number>> {
  const r = await fetch(`${s.adminUrl}/metrics`);
  assert.equal(r.status, 200);
  return parseMetrics(await r.text());
}

function metric(m: Map<string, number>, name: string): number {
  const v = m.get(name);
  assert.ok(v !== undefined, `metric ${name} is missing`);
  return v;
}

/** A TCP connection to the server, closed when the test ends. */
async function tcp(t: TestContext, s: TestServer, port = s.port): Promise<Socket> {
  const sock = connect(port, '127.0.0.1');
  t.after(() => sock.destroy());
  await new Promise<void>((resolve, reject) => sock.once('connect', resolve).once('error', reject));
  return sock;
}

/** Reads from `sock` until `pattern` appears in what arrived; returns all of it. */
function readUntil(sock: Socket, pattern: RegExp, timeoutMs = 5000): Promise<string> {
  let got = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern}; got ${JSON.stringify(got)}`)), timeoutMs);
    const onData = (d: Buffer) => {
      got += d.toString('latin1');
      if (pattern.test(got)) {
        clearTimeout(timer);
        sock.off('data', onData);
        resolve(got);
      }
    };
    sock.on('data', onData);
  });
}

test('GET /healthz is 200; /readyz is 200 while running', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const h = await fetch(`${s.url}/healthz`);
  assert.equal(h.status, 200);
  assert.deepEqual(await h.json(), { status: 'ok' });
  const r = await fetch(`${s.url}/readyz`);
  assert.equal(r.status, 200);
  assert.deepEqual(await r.json(), { status: 'ready' });
  // Query strings do not change the route (probes often add them).
  assert.equal((await fetch(`${s.url}/healthz?probe=1`)).status, 200);
  assert.equal((await fetch(`${s.url}/healthz`, { method: 'HEAD' })).status, 200);
});

test('/metrics is Prometheus text with the server’s metrics', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const r = await fetch(`${s.adminUrl}/metrics`);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  const text = await r.text();
  const types: Record<string, string> = {
    warbler_connections: 'gauge',
    warbler_messages_in_total: 'counter',
    warbler_messages_out_total: 'counter',
    warbler_ack_latency_seconds: 'histogram',
    warbler_event_loop_lag_seconds: 'gauge',
    warbler_store_latency_seconds: 'histogram',
  };
  for (const [name, type] of Object.entries(types)) {
    assert.match(text, new RegExp(`^# HELP ${name} \\S`, 'm'));
    assert.match(text, new RegExp(`^# TYPE ${name} ${type}$`, 'm'));
  }
  const m = parseMetrics(text);
  for (const [k, v] of m) assert.ok(Number.isFinite(v), `${k} has a numeric value`);
  assert.equal(metric(m, 'warbler_connections'), 0);
  assert.equal(metric(m, 'warbler_messages_in_total'), 0);
  assert.equal(metric(m, 'warbler_ack_latency_seconds_bucket{le="+Inf"}'), 0);
  assert.ok(metric(m, 'warbler_event_loop_lag_seconds') >= 0);
  assert.equal(metric(m, 'warbler_store_latency_seconds_count'), 0);
});

test('after 3 messages between two online users the counters and the connection gauge add up', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const a = await newUser(s.wsUrl);
  const b = await newUser(s.wsUrl);
  t.after(() => [a.client, b.client].forEach((c) => c.close()));
  const atB: string[] = [];
  b.client.on('message', (msg) => atB.push(msg.text ?? ''));

  for (const text of ['one', 'two', 'three']) await a.client.send({ to: b.id, text });
  await eventually(() => assert.deepEqual(atB, ['one', 'two', 'three']));

  const m = await scrape(s);
  assert.equal(metric(m, 'warbler_messages_in_total'), 3);
  assert.ok(metric(m, 'warbler_messages_out_total') >= 3);
  assert.equal(metric(m, 'warbler_ack_latency_seconds_count'), 3);
  assert.equal(metric(m, 'warbler_ack_latency_seconds_bucket{le="+Inf"}'), 3);
  assert.ok(metric(m, 'warbler_ack_latency_seconds_sum') > 0);
  assert.ok(metric(m, 'warbler_store_latency_seconds_count') >= 1);
  assert.equal(metric(m, 'warbler_connections'), 2);

  // The gauge follows sockets opening and closing, logged in or not.
  const raw = await RawClient.open(s.wsUrl);
  t.after(() => raw.close());
  await eventually(async () => assert.equal(metric(await scrape(s), 'warbler_connections'), 3));
  b.client.close();
  raw.close();
  await eventually(async () => assert.equal(metric(await scrape(s), 'warbler_connections'), 1));
});

test('an unknown path is 404 not_found, a POST to a GET route 405 method_not_allowed, in the registry body', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  for (const base of [s.url, s.adminUrl!]) {
    const nf = await fetch(`${base}/nope`);
    assert.equal(nf.status, 404);
    assert.deepEqual(await nf.json(), { error: { code: 'not_found', status: 404, message: 'no such HTTP route' } });
    const paths = base === s.url ? ['/healthz', '/readyz', '/'] : ['/healthz', '/readyz', '/metrics'];
    for (const path of paths) {
      const r = await fetch(`${base}${path}`, { method: 'POST', body: 'x' });
      assert.equal(r.status, 405, path);
      assert.equal(((await r.json()) as { error: { code: string } }).error.code, 'method_not_allowed');
    }
    const post = await fetch(`${base}/nope`, { method: 'POST', body: 'x' });
    assert.equal(post.status, 404);
    await post.body?.cancel();
  }
});

test('during a graceful stop /readyz turns 503 (draining) and clients are told to reconnect', async (t) => {
  const s = await startTestServer({ server: { shutdownTimeoutMs: 3000 } });
  t.after(() => s.close());

  // A client that never answers the close handshake keeps the stop draining for a while.
  const slow = await tcp(t, s);
  slow.write(
    `GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  await readUntil(slow, /^HTTP\/1\.1 101 /);
  const polite = await RawClient.open(s.wsUrl);
  t.after(() => polite.close());
  await eventually(async () => assert.equal(metric(await scrape(s), 'warbler_connections'), 2));

  // A load balancer's probe whose request is still arriving when the stop begins.
  const probe = await tcp(t, s);
  probe.write('GET /readyz HTTP/1.1\r\nHost: x\r\n');
  let stopped = false;
  const stopping = s.stop().then(() => (stopped = true));
  probe.write('Connection: close\r\n\r\n');
  const res = await readUntil(probe, /\r\n\r\n[\s\S]*\}/);
  assert.equal(stopped, false, 'the answer came while the server was still draining');
  assert.match(res, /^HTTP\/1\.1 503 /);
  assert.match(res, /"status":"draining"/);

  assert.equal((await polite.closed).code, 4000, 'a connected client gets the reconnect close code');
  await stopping;
  // Once stopped, the port refuses new connections.
  await assert.rejects(fetch(`${s.url}/healthz`));
});

/** One HTTP request on a connection of its own (opened now); resolves with everything the server sent before closing it. */
async function freshRequest(t: TestContext, s: TestServer, head: string, body = '', port = s.port): Promise<string> {
  const sock = await tcp(t, s, port);
  let got = '';
  sock.on('data', (d: Buffer) => (got += d.toString('utf8')));
  const ended = new Promise<void>((resolve) => sock.once('close', () => resolve()));
  sock.write(`${head}\r\nHost: x\r\nConnection: close\r\n${body ? `Content-Length: ${Buffer.byteLength(body)}\r\n` : ''}\r\n${body}`);
  await ended;
  return got;
}

test('while a client that does not read holds a graceful stop open, new connections are answered: 503 for readiness, upgrades and the API; healthz 200', async (t) => {
  const s = await startTestServer({ server: { shutdownTimeoutMs: 2500 } });
  t.after(() => s.close());
  const key = await apiKey(s, 'users:write');
  const adminPort = Number(new URL(s.adminUrl!).port);
  // Upgraded, then never reads and never answers the close handshake: the stop waits the whole timeout for it.
  const slow = await tcp(t, s);
  slow.write(
    `GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  await readUntil(slow, /^HTTP\/1\.1 101 /);
  slow.pause();
  await eventually(async () => assert.equal(metric(await scrape(s), 'warbler_connections'), 1));

  let stopped = false;
  const stopping = s.stop().then(() => (stopped = true));
  await new Promise((r) => setImmediate(r));

  const ready = await freshRequest(t, s, 'GET /readyz HTTP/1.1');
  assert.match(ready, /^HTTP\/1\.1 503 /, 'a load balancer probing readiness is told 503, not refused');
  assert.match(ready, /"status":"draining"/);
  const upgrade = await freshRequest(
    t,
    s,
    `GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13`,
  );
  assert.match(upgrade, /^HTTP\/1\.1 503 /, 'a new WebSocket is refused with 503');
  const health = await freshRequest(t, s, 'GET /healthz HTTP/1.1');
  assert.match(health, /^HTTP\/1\.1 200 /, 'the process is alive');
  const admin = await freshRequest(
    t,
    s,
    `POST /api/admin/users HTTP/1.1\r\nContent-Type: application/json\r\nAuthorization: Bearer ${key}`,
    '{"users":[{"username":"late"}]}',
    adminPort,
  );
  const adminReady = await freshRequest(t, s, 'GET /readyz HTTP/1.1', '', adminPort);
  assert.match(adminReady, /^HTTP\/1\.1 503 /, 'the admin listener drains too');
  assert.match(admin, /^HTTP\/1\.1 503 /);
  assert.match(admin, /"code":"unavailable"/);
  assert.equal(stopped, false, 'all of that while the stop was still waiting for the slow client');
  assert.equal(await s.store.getUserByUsername('late'), undefined);

  await stopping;
  await assert.rejects(fetch(`${s.url}/healthz`), 'once stopped, the port refuses connections');
  await assert.rejects(fetch(`${s.adminUrl}/healthz`), 'and so does the admin port');
});
