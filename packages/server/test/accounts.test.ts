import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { hashToken } from '../src/auth/tokens.js';
import { RawClient, startTestServer, tempDir, uniqueName, type Frame, type TestServer } from './helpers.js';

const PASSWORD = 'password-123';

interface Sess {
  user: { id: number; username: string; displayName: string };
  deviceId: number;
  token: string;
}

/** A new raw connection that has said hello; closed when the test ends. */
async function open(t: TestContext, s: TestServer): Promise<RawClient> {
  const c = await RawClient.open(s.wsUrl);
  t.after(() => c.close());
  const h = await c.request('hello', { protocol: 1 });
  assert.equal(h.ok, true, JSON.stringify(h));
  return c;
}

/** Sends `op` and asserts success; returns the result data. */
async function ok<T = Record<string, unknown>>(c: RawClient, op: string, data: unknown = {}): Promise<T> {
  const r = await c.request(op, data);
  assert.equal(r.ok, true, `${op} failed: ${JSON.stringify(r.error)}`);
  return r.data as T;
}

/** Sends `op` and asserts it fails with `code`. */
async function fails(c: RawClient, op: string, data: unknown, code: string): Promise<Frame> {
  const r = await c.request(op, data);
  assert.equal(r.ok, false, `${op} should fail with ${code}, got ${JSON.stringify(r.data)}`);
  assert.equal(r.error?.code, code);
  return r;
}

/** A new connection logged in (or registered, with `register`) as `username`. */
async function connect(
  t: TestContext,
  s: TestServer,
  username: string,
  opts: { register?: boolean; password?: string; displayName?: string; device?: string } = {},
): Promise<{ c: RawClient; sess: Sess }> {
  const c = await open(t, s);
  const op = opts.register ? 'auth.register' : 'auth.login';
  const data = { username, password: opts.password ?? PASSWORD, device: opts.device, displayName: opts.displayName };
  const sess = await ok<Sess>(c, op, data);
  return { c, sess };
}

/** Asserts that `token` no longer authenticates a fresh connection. */
async function tokenRejected(t: TestContext, s: TestServer, token: string): Promise<void> {
  const c = await open(t, s);
  await fails(c, 'auth.resume', { token }, 'token_invalid');
  // The failed attempt leaves the connection unauthenticated.
  await fails(c, 'device.list', {}, 'unauthorized');
}

/** Asserts that `token` authenticates a fresh connection as `userId`. */
async function tokenAccepted(t: TestContext, s: TestServer, token: string, userId: number): Promise<void> {
  const c = await open(t, s);
  const r = await ok<{ user: { id: number } }>(c, 'auth.resume', { token });
  assert.equal(r.user.id, userId);
}

test('register, then login on a second connection: a second device with its own token', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const name = uniqueName();
  const a = await connect(t, s, name, { register: true, device: 'laptop' });
  const b = await connect(t, s, name, { device: 'phone' });
  assert.equal(a.sess.user.id, b.sess.user.id);
  assert.notEqual(a.sess.token, b.sess.token);
  assert.notEqual(a.sess.deviceId, b.sess.deviceId);
  assert.ok(a.sess.token.length >= 32);
  await tokenAccepted(t, s, a.sess.token, a.sess.user.id);
  await tokenAccepted(t, s, b.sess.token, a.sess.user.id);
  // A wrong password and an unknown user get the same answer.
  const c = await open(t, s);
  await fails(c, 'auth.login', { username: name, password: 'wrong-password' }, 'invalid_credentials');
  await fails(c, 'auth.login', { username: uniqueName('nobody'), password: PASSWORD }, 'invalid_credentials');
});

test('usernames are case-insensitive: "Alice" is alice, and ALICE logs in', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const lower = uniqueName('alice');
  const mixed = 'A' + lower.slice(1);
  const a = await connect(t, s, mixed, { register: true });
  assert.equal(a.sess.user.username, lower);
  const b = await connect(t, s, lower.toUpperCase());
  assert.equal(b.sess.user.id, a.sess.user.id);
  assert.equal(b.sess.user.username, lower);
  const c = await open(t, s);
  await fails(c, 'auth.register', { username: lower.toUpperCase(), password: PASSWORD }, 'username_taken');
});

test('display names in Chinese and with emoji round-trip through user.get', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const names = ['树莓派 小明', 'Zoë 🐦‍🔥 👩‍💻 🇨🇳'];
  const viewer = await connect(t, s, uniqueName(), { register: true });
  for (const displayName of names) {
    const u = await connect(t, s, uniqueName(), { register: true, displayName });
    assert.equal(u.sess.user.displayName, displayName);
    const byId = await ok<{ user: Sess['user'] }>(viewer.c, 'user.get', { id: u.sess.user.id });
    assert.equal(byId.user.displayName, displayName);
  }
});

test('user.get by id and by username; unknown users are user_not_found', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const target = await connect(t, s, uniqueName(), { register: true, displayName: 'Target' });
  const me = await connect(t, s, uniqueName(), { register: true });
  const want = { id: target.sess.user.id, username: target.sess.user.username, displayName: 'Target' };
  assert.deepEqual((await ok<{ user: unknown }>(me.c, 'user.get', { id: want.id })).user, want);
  assert.deepEqual((await ok<{ user: unknown }>(me.c, 'user.get', { username: want.username })).user, want);
  assert.deepEqual((await ok<{ user: unknown }>(me.c, 'user.get', { username: want.username.toUpperCase() })).user, want);
  await fails(me.c, 'user.get', { id: 999_999 }, 'user_not_found');
  await fails(me.c, 'user.get', { username: uniqueName('ghost') }, 'user_not_found');
  await fails(me.c, 'user.get', { username: '!!' }, 'user_not_found');
  // Looking users up needs a login.
  const anon = await open(t, s);
  await fails(anon, 'user.get', { id: want.id }, 'unauthorized');
});

test('device.list shows every device and marks the current one', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const name = uniqueName();
  const conns = [
    await connect(t, s, name, { register: true, device: 'laptop' }),
    await connect(t, s, name, { device: 'phone' }),
    await connect(t, s, name, { device: 'tablet' }),
  ];
  for (const { c, sess } of conns) {
    const { devices } = await ok<{ devices: { id: number; name: string; current: boolean }[] }>(c, 'device.list');
    assert.deepEqual(devices.map((d) => d.name).sort(), ['laptop', 'phone', 'tablet']);
    assert.deepEqual(
      devices.filter((d) => d.current).map((d) => d.id),
      [sess.deviceId],
    );
  }
});

test('device.revoke closes that device with 4101 and its token stops working', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const name = uniqueName();
  const a = await connect(t, s, name, { register: true, device: 'laptop' });
  const b = await connect(t, s, name, { device: 'stolen phone' });
  await ok(a.c, 'device.revoke', { deviceId: b.sess.deviceId });
  const closed = await b.c.closed;
  assert.equal(closed.code, 4101);
  await tokenRejected(t, s, b.sess.token);
  const { devices } = await ok<{ devices: { id: number }[] }>(a.c, 'device.list');
  assert.deepEqual(
    devices.map((d) => d.id),
    [a.sess.deviceId],
  );
  // Revoking it again: it is gone.
  await fails(a.c, 'device.revoke', { deviceId: b.sess.deviceId }, 'device_not_found');
  // Revoking the device in use: answered first, then closed the same way.
  await ok(a.c, 'device.revoke', { deviceId: a.sess.deviceId });
  assert.equal((await a.c.closed).code, 4101);
  await tokenRejected(t, s, a.sess.token);
});

test('revoking an unknown device or another user’s device is device_not_found and changes nothing', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const me = await connect(t, s, uniqueName(), { register: true });
  const other = await connect(t, s, uniqueName(), { register: true });
  await fails(me.c, 'device.revoke', { deviceId: 987_654 }, 'device_not_found');
  await fails(me.c, 'device.revoke', { deviceId: other.sess.deviceId }, 'device_not_found');
  // The other user's connection and token are untouched.
  const { devices } = await ok<{ devices: { id: number }[] }>(other.c, 'device.list');
  assert.deepEqual(
    devices.map((d) => d.id),
    [other.sess.deviceId],
  );
  await tokenAccepted(t, s, other.sess.token, other.sess.user.id);
});

test('auth.logout answers ok, closes with 4100, and the token no longer works', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const name = uniqueName();
  const a = await connect(t, s, name, { register: true });
  const other = await connect(t, s, name);
  const r = await a.c.request('auth.logout', {});
  assert.equal(r.ok, true);
  assert.equal((await a.c.closed).code, 4100);
  await tokenRejected(t, s, a.sess.token);
  // Only that device is logged out.
  await ok(other.c, 'ping');
  await tokenAccepted(t, s, other.sess.token, other.sess.user.id);
});

test('auth.refresh gives a new token that works; the old one is token_invalid', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const a = await connect(t, s, uniqueName(), { register: true });
  const r = await ok<{ token: string; expiresAt: number }>(a.c, 'auth.refresh');
  assert.notEqual(r.token, a.sess.token);
  assert.ok(r.expiresAt > Date.now());
  await tokenRejected(t, s, a.sess.token);
  await tokenAccepted(t, s, r.token, a.sess.user.id);
  // The connection that refreshed stays logged in, as the same device.
  const { devices } = await ok<{ devices: { id: number; current: boolean }[] }>(a.c, 'device.list');
  assert.deepEqual(devices, [{ ...devices[0]!, id: a.sess.deviceId, current: true }]);
});

test('account.password with the wrong old password is invalid_credentials and changes nothing', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const name = uniqueName();
  const a = await connect(t, s, name, { register: true });
  const b = await connect(t, s, name);
  await fails(a.c, 'account.password', { oldPassword: 'not-my-password', newPassword: 'new-password-456' }, 'invalid_credentials');
  // A too-short new password is refused too, even with the right old one.
  await fails(a.c, 'account.password', { oldPassword: PASSWORD, newPassword: 'short' }, 'invalid_password');
  await ok(b.c, 'ping');
  const { devices } = await ok<{ devices: unknown[] }>(b.c, 'device.list');
  assert.equal(devices.length, 2);
  await connect(t, s, name); // the old password still logs in
  const c = await open(t, s);
  await fails(c, 'auth.login', { username: name, password: 'new-password-456' }, 'invalid_credentials');
});

test('account.password revokes the other devices (4101), keeps this one, and swaps the password', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const name = uniqueName();
  const a = await connect(t, s, name, { register: true });
  const b = await connect(t, s, name);
  const c = await connect(t, s, name);
  const r = await ok<{ revokedDevices: number }>(a.c, 'account.password', { oldPassword: PASSWORD, newPassword: 'new-password-456' });
  assert.equal(r.revokedDevices, 2);
  assert.equal((await b.c.closed).code, 4101);
  assert.equal((await c.c.closed).code, 4101);
  await tokenRejected(t, s, b.sess.token);
  await tokenRejected(t, s, c.sess.token);
  // The connection that changed it stays usable, and its token still resumes.
  const { devices } = await ok<{ devices: { id: number }[] }>(a.c, 'device.list');
  assert.deepEqual(
    devices.map((d) => d.id),
    [a.sess.deviceId],
  );
  await tokenAccepted(t, s, a.sess.token, a.sess.user.id);
  const x = await open(t, s);
  await fails(x, 'auth.login', { username: name, password: PASSWORD }, 'invalid_credentials');
  const y = await connect(t, s, name, { password: 'new-password-456' });
  assert.equal(y.sess.user.id, a.sess.user.id);
});

test('passwords and tokens are stored only as hashes', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const name = uniqueName();
  const password = 'correct horse battery staple';
  const a = await connect(t, s, name, { register: true, password });
  const row = await s.store.getUserByUsername(name);
  assert.ok(row);
  assert.ok(row.passwordHash.startsWith('scrypt$'), row.passwordHash);
  assert.ok(!row.passwordHash.includes(password));
  const devices = await s.store.listDevices(a.sess.user.id);
  assert.equal(devices.length, 1);
  assert.notEqual(devices[0]!.tokenHash, a.sess.token);
  assert.ok(!devices[0]!.tokenHash.includes(a.sess.token));
  // What the database holds cannot be used as a token.
  await tokenRejected(t, s, devices[0]!.tokenHash);
  // Two users with the same password get different hashes (salted).
  const b = await connect(t, s, uniqueName(), { register: true, password });
  const rowB = await s.store.getUserById(b.sess.user.id);
  assert.notEqual(rowB!.passwordHash, row.passwordHash);
});

test('login throttling: after 5 failures a username is refused for a while, even with the right password; others are not', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const victim = await RawClient.open(s.wsUrl);
  t.after(() => victim.close());
  const name = uniqueName('victim');
  await victim.request('hello', { protocol: 1 });
  await victim.request('auth.register', { username: name, password: 'right-password' });
  const c = await RawClient.open(s.wsUrl);
  t.after(() => c.close());
  await c.request('hello', { protocol: 1 });
  for (let i = 0; i < 5; i++)
    assert.equal((await c.request('auth.login', { username: name, password: `wrong-${i}` })).error?.code, 'invalid_credentials');
  const sixth = await c.request('auth.login', { username: name, password: 'wrong-again' });
  assert.equal(sixth.error?.code, 'rate_limited');
  assert.match(sixth.error!.message, /retry in \d+ s/);
  assert.equal((await c.request('auth.login', { username: name.toUpperCase(), password: 'right-password' })).error?.code, 'rate_limited');
  // Unknown usernames are throttled alike, so the throttle does not tell which names exist.
  const ghost = uniqueName('ghost');
  for (let i = 0; i < 5; i++)
    assert.equal((await c.request('auth.login', { username: ghost, password: 'x' })).error?.code, 'invalid_credentials');
  assert.equal((await c.request('auth.login', { username: ghost, password: 'x' })).error?.code, 'rate_limited');
  // Another account logs in as usual, and the throttled one's token sessions are untouched.
  const other = await RawClient.open(s.wsUrl);
  t.after(() => other.close());
  const o = await other.registerNew();
  assert.equal((await other.request('ping', {})).ok, true);
  const c2 = await RawClient.open(s.wsUrl);
  t.after(() => c2.close());
  await c2.request('hello', { protocol: 1 });
  assert.equal((await c2.request('auth.resume', { token: o.token })).ok, true);
  assert.equal((await victim.request('ping', {})).ok, true);
});

test('a resumed device’s last-seen time shows in device.list at once and is stored by a graceful stop', async (t) => {
  const dataDir = tempDir();
  const s1 = await startTestServer({}, dataDir);
  const a = await RawClient.open(s1.wsUrl);
  const reg = await a.registerNew();
  const b = await RawClient.open(s1.wsUrl);
  await b.request('hello', { protocol: 1 });
  const before = Date.now();
  assert.equal((await b.request('auth.resume', { token: reg.token })).ok, true);
  const list = await a.request('device.list', {});
  const seen = (list.data as { devices: { id: number; lastSeenAt: number }[] }).devices.find((d) => d.id === reg.deviceId)!;
  assert.ok(seen.lastSeenAt >= before, 'device.list includes the not yet written touch');
  a.close();
  b.close();
  await s1.stop();
  const s2 = await startTestServer({}, dataDir);
  t.after(() => s2.close());
  const row = await s2.store.getDeviceByTokenHash(hashToken(reg.token));
  assert.ok(row!.lastSeenAt >= before, 'the stop wrote it to the store');
});
