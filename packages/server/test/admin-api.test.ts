import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { RawClient, startTestServer, uniqueName, type TestServer } from './helpers.js';

/** A server with one admin; returns the admin's token and a non-admin's token. */
async function setup(
  t: TestContext,
): Promise<{ s: TestServer; admin: string; user: string; post: (body: unknown, token?: string) => Promise<Res> }> {
  const s = await startTestServer();
  t.after(() => s.close());
  const name = uniqueName('admin');
  await s.accounts.createUser({ username: name, password: 'admin-password', isAdmin: true });
  const c = await RawClient.open(s.wsUrl);
  t.after(() => c.close());
  await c.request('hello', { protocol: 1 });
  const login = await c.request('auth.login', { username: name, password: 'admin-password' });
  const other = await RawClient.open(s.wsUrl);
  t.after(() => other.close());
  const plain = await other.registerNew();
  const post = async (body: unknown, token?: string): Promise<Res> => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    const r = await fetch(`${s.url}/api/admin/users`, {
      method: 'POST',
      headers,
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: r.status, body: (await r.json()) as Res['body'] };
  };
  return { s, admin: (login.data as { token: string }).token, user: plain.token, post };
}

interface Res {
  status: number;
  body: { users?: { id: number; username: string; token?: string }[]; error?: { code: string; status: number; message: string } };
}

test('an admin creates users in bulk with tokens; the tokens resume, password-less accounts cannot log in by password', async (t) => {
  const { s, admin, post } = await setup(t);
  const names = Array.from({ length: 250 }, () => uniqueName('bulk'));
  const r = await post(
    {
      users: names.map((username, i) => (i === 0 ? { username, password: 'first-password', displayName: '树莓派 一号' } : { username })),
      issueTokens: true,
      device: 'bench',
    },
    admin,
  );
  assert.equal(r.status, 200);
  assert.deepEqual(
    r.body.users!.map((u) => u.username),
    names,
    'in request order',
  );
  assert.ok(r.body.users!.every((u) => typeof u.token === 'string' && u.token.startsWith('wb1_')));

  const c = await RawClient.open(s.wsUrl);
  t.after(() => c.close());
  await c.request('hello', { protocol: 1 });
  const resumed = await c.request('auth.resume', { token: r.body.users![7]!.token });
  assert.equal(resumed.ok, true);
  assert.equal((resumed.data as { user: { username: string } }).user.username, names[7]);
  const devices = await c.request('device.list', {});
  assert.equal((devices.data as { devices: { name: string }[] }).devices[0]!.name, 'bench');

  const c2 = await RawClient.open(s.wsUrl);
  t.after(() => c2.close());
  await c2.request('hello', { protocol: 1 });
  const noPassword = await c2.request('auth.login', { username: names[1], password: 'anything at all' });
  assert.equal(noPassword.error?.code, 'invalid_credentials');
  const withPassword = await c2.request('auth.login', { username: names[0], password: 'first-password' });
  assert.equal(withPassword.ok, true);
  assert.equal((await s.store.getUserByUsername(names[0]!))!.displayName, '树莓派 一号');

  const noTokens = await post({ users: [{ username: uniqueName('bulk') }] }, admin);
  assert.equal(noTokens.status, 200);
  assert.equal(noTokens.body.users![0]!.token, undefined);
});

test('the admin API refuses missing, bad and non-admin tokens with 401/403 and creates nothing', async (t) => {
  const { s, user, post } = await setup(t);
  const name = uniqueName('x');
  const cases: [string | undefined, number, string][] = [
    [undefined, 401, 'unauthorized'],
    ['wb1_not-a-token', 401, 'token_invalid'],
    [user, 403, 'forbidden'],
  ];
  for (const [token, status, code] of cases) {
    const r = await post({ users: [{ username: name }] }, token);
    assert.equal(r.status, status, code);
    assert.equal(r.body.error?.code, code);
    assert.equal(r.body.error?.status, status);
  }
  assert.equal(await s.store.getUserByUsername(name), undefined);
  const get = await fetch(`${s.url}/api/admin/users`);
  assert.equal(get.status, 405);
});

test('bad bodies get invalid_body, request_too_large, invalid_username or username_taken, and nothing is created', async (t) => {
  const { s, admin, post } = await setup(t);
  const fresh = uniqueName('fresh');
  const taken = uniqueName('taken');
  assert.equal((await post({ users: [{ username: taken }] }, admin)).status, 200);
  const cases: [unknown, number, string, RegExp?][] = [
    ['{not json', 400, 'invalid_body', /JSON/],
    [{}, 400, 'invalid_body', /users/],
    [{ users: [] }, 400, 'invalid_body'],
    [{ users: [{ username: 5 }] }, 400, 'invalid_body', /users\.0\.username/],
    [{ users: [{ username: fresh }], issueTokens: 'yes' }, 400, 'invalid_body', /issueTokens/],
    [{ users: Array.from({ length: 1001 }, (_, i) => ({ username: `${fresh}n${i}` })) }, 413, 'request_too_large', /1000/],
    ['x'.repeat(1024 * 1024 + 10), 413, 'request_too_large'],
    [{ users: [{ username: fresh }, { username: 'Not Valid!' }] }, 400, 'invalid_username', /users\[1\]/],
    [{ users: [{ username: fresh }, { username: fresh.toUpperCase() }] }, 409, 'username_taken'],
    [{ users: [{ username: fresh }, { username: taken }] }, 409, 'username_taken'],
    [{ users: [{ username: fresh, password: 'short' }] }, 400, 'invalid_password'],
  ];
  for (const [body, status, code, msg] of cases) {
    const r = await post(body, admin);
    assert.equal(r.status, status, `${code}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.error?.code, code);
    if (msg) assert.match(r.body.error!.message, msg);
  }
  assert.equal(await s.store.getUserByUsername(fresh), undefined, 'all or nothing: no user of a refused request exists');
});
