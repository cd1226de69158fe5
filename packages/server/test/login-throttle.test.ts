import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import Database from 'better-sqlite3';
import type { ConfigInput } from '../src/config.js';
import { RawClient, eventually, spawnServer, startTestServer, tempDir, uniqueName, type Frame, type TestServer } from './helpers.js';
import { onlyOn } from './test-store.js';

/** `n` raw connections that have said hello; closed when the test ends. */
async function openMany(t: TestContext, s: TestServer, n: number): Promise<RawClient[]> {
  const cs = await Promise.all(Array.from({ length: n }, () => RawClient.open(s.wsUrl)));
  t.after(() => cs.forEach((c) => c.close()));
  await Promise.all(cs.map((c) => c.request('hello', { protocol: 1 })));
  return cs;
}

/** A registered user with `password`; returns its username. */
async function account(t: TestContext, s: TestServer, password: string): Promise<string> {
  const c = await RawClient.open(s.wsUrl);
  t.after(() => c.close());
  const name = uniqueName('victim');
  await c.request('hello', { protocol: 1 });
  const r = await c.request('auth.register', { username: name, password });
  assert.equal(r.ok, true, JSON.stringify(r.error));
  return name;
}

const codeOf = (f: Frame): string => (f.ok ? 'ok' : (f.error?.code ?? '?'));

test('defect 2: a burst of wrong passwords on many connections is throttled while it is in flight; a right password inside it is refused, then works after the delay', async (t) => {
  // The production scrypt cost, so that the hashes of the burst are still running when its last frames arrive.
  const s = await startTestServer({ auth: { scryptCost: 16384 } });
  t.after(() => s.close());
  const name = await account(t, s, 'right-password');
  const wrong = await openMany(t, s, 29);
  const [late] = await openMany(t, s, 1);

  // 29 wrong passwords at the same moment, one per connection.
  const burst = wrong.map((c, i) => c.request('auth.login', { username: name, password: `wrong-${i}` }, 20_000));
  // Attempts in flight count: once the free failures are taken, the next attempts are refused at once,
  // while the first ones are still being hashed.
  await Promise.any(wrong.map((c) => c.waitFor((f) => f.error?.code === 'rate_limited', 10_000))).catch(() =>
    assert.fail('no attempt of the burst was refused while it was in flight: every wrong password was checked'),
  );
  const right = await late!.request('auth.login', { username: name, password: 'right-password' }, 20_000);
  assert.equal(codeOf(right), 'rate_limited', 'the right password inside the burst is refused');

  const codes = (await Promise.all(burst)).map(codeOf);
  assert.equal(codes.filter((c) => c === 'invalid_credentials').length, 5, `only the 5 free failures are checked: ${codes.join(' ')}`);
  assert.equal(codes.filter((c) => c === 'rate_limited').length, 24, codes.join(' '));

  // After the documented delay (1 s after the fifth failure) the right password logs in, and the success
  // resets the count: the next wrong password is checked again (invalid_credentials, not rate_limited).
  await eventually(
    async () => {
      const r = await late!.request('auth.login', { username: name, password: 'right-password' }, 20_000);
      assert.equal(codeOf(r), 'ok');
    },
    10_000,
    250,
  );
  const [again] = await openMany(t, s, 1);
  assert.equal(codeOf(await again!.request('auth.login', { username: name, password: 'wrong-after' }, 20_000)), 'invalid_credentials');
});

/** A server behind a "proxy" at 127.0.0.1: each connection names its client address in X-Forwarded-For. */
const behindProxy = (over: ConfigInput['auth'] = {}): ConfigInput => ({ server: { trustedProxies: ['127.0.0.1'] }, auth: over });

/** A connection from client address `ip` (through the trusted proxy) that has said hello. */
async function from(t: TestContext, url: string, ip: string): Promise<RawClient> {
  const c = await RawClient.open(url, { 'x-forwarded-for': ip });
  t.after(() => c.close());
  await c.request('hello', { protocol: 1 });
  return c;
}

/** One login attempt from `ip` on a new connection; its error code, or 'ok'. */
async function loginFrom(t: TestContext, url: string, ip: string, username: string, password: string): Promise<string> {
  return codeOf(await (await from(t, url, ip)).request('auth.login', { username, password }));
}

/** Registers `username` with `password` from `ip`. */
async function registerFrom(t: TestContext, url: string, ip: string, username: string, password: string): Promise<void> {
  const r = await (await from(t, url, ip)).request('auth.register', { username, password });
  assert.equal(r.ok, true, JSON.stringify(r.error));
}

test('password spraying: failed logins from one address across usernames are limited; other addresses are not; a refused login creates nothing', async (t) => {
  const s = await startTestServer(behindProxy({ failedLoginsPerIpPerHour: 5 }));
  t.after(() => s.close());
  const names = Array.from({ length: 6 }, () => uniqueName('spray'));
  for (const n of names) await registerFrom(t, s.wsUrl, '198.51.100.50', n, 'right-password');
  const sprayer = '198.51.100.1';
  for (const n of names.slice(0, 5)) assert.equal(await loginFrom(t, s.wsUrl, sprayer, n, 'Summer2026!'), 'invalid_credentials');
  const target = (await s.store.getUserByUsername(names[5]!))!;
  const devices = (await s.store.listDevices(target.id)).length;
  // The budget is spent: every login from the address waits, a right password too, and nothing is created.
  assert.equal(await loginFrom(t, s.wsUrl, sprayer, names[5]!, 'Summer2026!'), 'rate_limited');
  assert.equal(await loginFrom(t, s.wsUrl, sprayer, names[5]!, 'right-password'), 'rate_limited');
  assert.equal((await s.store.listDevices(target.id)).length, devices, 'no device was made');
  // Another address (another household behind another NAT) logs in as usual.
  assert.equal(await loginFrom(t, s.wsUrl, '198.51.100.2', names[5]!, 'right-password'), 'ok');
  // A client that sends its own X-Forwarded-For to the proxy gets it ignored: the proxy appends the real one.
  assert.equal(await loginFrom(t, s.wsUrl, `203.0.113.5, ${sprayer}`, names[0]!, 'right-password'), 'rate_limited');
});

test('logins per address per minute: past auth.loginsPerIpPerMinute even right passwords wait; other addresses do not', async (t) => {
  const s = await startTestServer(behindProxy({ loginsPerIpPerMinute: 3 }));
  t.after(() => s.close());
  const name = uniqueName('rate');
  await registerFrom(t, s.wsUrl, '198.51.100.60', name, 'right-password');
  for (let i = 0; i < 3; i++) assert.equal(await loginFrom(t, s.wsUrl, '198.51.100.61', name, 'right-password'), 'ok');
  const c = await from(t, s.wsUrl, '198.51.100.61');
  const r = await c.request('auth.login', { username: name, password: 'right-password' });
  assert.equal(r.error?.code, 'rate_limited');
  assert.match(r.error!.message, /too many logins from this address; retry in \d+ s/);
  assert.equal((await c.request('device.list', {})).error?.code, 'unauthorized', 'the connection stays logged out');
  assert.equal(await loginFrom(t, s.wsUrl, '198.51.100.62', name, 'right-password'), 'ok');
});

test('the throttle survives a graceful restart: a username’s failures and an address’s failed logins carry on', async (t) => {
  const dataDir = tempDir();
  const config = behindProxy({ failedLoginsPerIpPerHour: 3 });
  const s1 = await startTestServer(config, dataDir);
  const name = uniqueName('persist');
  await registerFrom(t, s1.wsUrl, '198.51.100.70', name, 'right-password');
  // Four failures for the username, each from its own address; three from one address for another name.
  for (let i = 0; i < 4; i++) assert.equal(await loginFrom(t, s1.wsUrl, `198.51.100.${80 + i}`, name, 'wrong'), 'invalid_credentials');
  for (let i = 0; i < 3; i++)
    assert.equal(await loginFrom(t, s1.wsUrl, '198.51.100.90', uniqueName('nobody'), 'wrong'), 'invalid_credentials');
  await s1.stop();

  const s2 = await startTestServer(config, dataDir);
  t.after(() => s2.close());
  assert.equal(
    await loginFrom(t, s2.wsUrl, '198.51.100.90', name, 'right-password'),
    'rate_limited',
    "the address's budget is still spent",
  );
  // The fifth failure is the last free one only if the first four were kept: then the next attempt waits.
  assert.equal(await loginFrom(t, s2.wsUrl, '198.51.100.84', name, 'wrong'), 'invalid_credentials');
  assert.equal(await loginFrom(t, s2.wsUrl, '198.51.100.85', name, 'right-password'), 'rate_limited');
});

test(
  'the throttle survives a crash: its state reaches the database within about a second',
  onlyOn(['sqlite'], 'reads the SQLite file'),
  async (t) => {
    const dataDir = tempDir();
    const env = { WARBLER_SERVER_TRUSTED_PROXIES: '127.0.0.1', WARBLER_AUTH_FAILED_LOGINS_PER_IP_PER_HOUR: '3' };
    const s1 = await spawnServer(dataDir, env);
    t.after(() => {
      if (s1.proc.exitCode === null && s1.proc.signalCode === null) s1.proc.kill('SIGKILL');
    });
    const ip = '198.51.100.77';
    for (let i = 0; i < 3; i++) assert.equal(await loginFrom(t, s1.wsUrl, ip, uniqueName('ghost'), 'wrong'), 'invalid_credentials');
    const db = new Database(join(dataDir, 'warbler.db'), { readonly: true });
    t.after(() => db.close());
    const row = () => db.prepare('SELECT hits FROM auth_limits WHERE limit_key = ?').get(`login:ip:${ip}`) as { hits: number } | undefined;
    await eventually(() => assert.equal(row()?.hits, 3), 5000, 50);
    s1.proc.kill('SIGKILL');
    await s1.exited;

    const s2 = await spawnServer(dataDir, env);
    t.after(async () => {
      s2.proc.kill('SIGKILL');
      await s2.exited;
      rmSync(dataDir, { recursive: true, force: true });
    });
    assert.equal(await loginFrom(t, s2.wsUrl, ip, uniqueName('ghost'), 'wrong'), 'rate_limited');
    assert.equal(await loginFrom(t, s2.wsUrl, '198.51.100.78', uniqueName('ghost'), 'wrong'), 'invalid_credentials');
  },
);
