import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { RawClient, eventually, startTestServer, uniqueName } from './helpers.js';

/** Opens a connection with `xff` as its X-Forwarded-For; closed when the test ends. */
async function open(t: TestContext, url: string, xff?: string): Promise<RawClient> {
  const c = await RawClient.open(url, xff === undefined ? undefined : { 'x-forwarded-for': xff });
  t.after(() => c.close());
  return c;
}

/** Asserts that a connection with `xff` is refused at the upgrade with HTTP 429. */
async function refused429(url: string, xff?: string): Promise<void> {
  await assert.rejects(RawClient.open(url, xff === undefined ? undefined : { 'x-forwarded-for': xff }), /Unexpected server response: 429/);
}

test('connections per address: past gateway.maxConnectionsPerIp the upgrade gets HTTP 429; the open ones work; a close frees a place', async (t) => {
  const s = await startTestServer({ gateway: { maxConnectionsPerIp: 3 }, server: { trustedProxies: ['127.0.0.1'] } });
  t.after(() => s.close());
  const mine = [await open(t, s.wsUrl, '198.51.100.1'), await open(t, s.wsUrl, '198.51.100.1'), await open(t, s.wsUrl, '198.51.100.1')];
  await refused429(s.wsUrl, '198.51.100.1');
  await refused429(s.wsUrl, '198.51.100.1');
  for (const c of mine) assert.equal((await c.request('ping', {})).ok, true, 'the open connections are untouched');
  // Another address has places of its own; so has each IPv6 /64.
  assert.equal((await (await open(t, s.wsUrl, '198.51.100.2')).request('ping', {})).ok, true);
  for (let i = 1; i <= 3; i++) await open(t, s.wsUrl, `2001:db8:7:7::${i}`);
  await refused429(s.wsUrl, '2001:db8:7:7:ffff::1');
  // The refused upgrades took no place: closing one connection lets exactly one more in.
  mine[0]!.close();
  await mine[0]!.closed;
  const again = await eventually(() => open(t, s.wsUrl, '198.51.100.1'));
  assert.equal((await again.request('ping', {})).ok, true);
  await refused429(s.wsUrl, '198.51.100.1');
});

test('without trusted proxies X-Forwarded-For is ignored: a client cannot pick its own address', async (t) => {
  const s = await startTestServer({ gateway: { maxConnectionsPerIp: 2 } });
  t.after(() => s.close());
  await open(t, s.wsUrl, '198.51.100.11');
  await open(t, s.wsUrl, '198.51.100.12');
  await refused429(s.wsUrl, '198.51.100.13');
  await refused429(s.wsUrl);
});

test('registrations per address: past auth.registrationsPerIpPerHour auth.register is rate_limited and creates nothing', async (t) => {
  const s = await startTestServer({ server: { trustedProxies: ['127.0.0.1'] }, auth: { registrationsPerIpPerHour: 2 } });
  t.after(() => s.close());
  const register = async (ip: string, username: string) => {
    const c = await open(t, s.wsUrl, ip);
    await c.request('hello', { protocol: 1 });
    return c.request('auth.register', { username, password: 'password-123' });
  };
  assert.equal((await register('198.51.100.21', uniqueName('r'))).ok, true);
  // A failed attempt counts too: the limit is on attempts (so names and invite codes cannot be probed fast).
  assert.equal((await register('198.51.100.21', 'x')).error?.code, 'invalid_username');
  const late = uniqueName('r');
  const r = await register('198.51.100.21', late);
  assert.equal(r.error?.code, 'rate_limited');
  assert.match(r.error!.message, /too many registrations from this address; retry in \d+ s/);
  assert.equal(await s.store.getUserByUsername(late), undefined, 'nothing was created');
  assert.equal((await register('198.51.100.22', late)).ok, true, 'another address registers');
});
