import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { RawClient, adminFetch, apiKey, startTestServer, uniqueName, type TestServer } from './helpers.js';

/** A server, a users:write key, and POST /api/admin/users with a key (or none). */
async function setup(t: TestContext): Promise<{ s: TestServer; key: string; post: (body: unknown, key?: string) => Promise<Res> }> {
  const s = await startTestServer();
  t.after(() => s.close());
  const key = await apiKey(s, 'users:write');
  const post = async (body: unknown, k?: string): Promise<Res> =>
    (await adminFetch(s, '/api/admin/users', { key: k, method: 'POST', body })) as unknown as Res;
  return { s, key, post };
}

interface Res {
  status: number;
  body: { users?: { id: number; username: string; token?: string }[]; error?: { code: string; status: number; message: string } };
}

test('a users:write key creates users in bulk with tokens; the tokens resume, password-less accounts cannot log in by password', async (t) => {
  const { s, key, post } = await setup(t);
  const names = Array.from({ length: 250 }, () => uniqueName('bulk'));
  const r = await post(
    {
      users: names.map((username, i) => (i === 0 ? { username, password: 'first-password', displayName: '树莓派 一号' } : { username })),
      issueTokens: true,
      device: 'bench',
    },
    key,
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

  const noTokens = await post({ users: [{ username: uniqueName('bulk') }] }, key);
  assert.equal(noTokens.status, 200);
  assert.equal(noTokens.body.users![0]!.token, undefined);
});

test('no key is 401 unauthorized; an unknown key, a revoked key and an admin’s device token are 401 api_key_invalid; a key without the scope is 403 scope_missing; nothing is created', async (t) => {
  const { s, post } = await setup(t);
  const adminName = uniqueName('admin');
  await s.accounts.createUser({ username: adminName, password: 'admin-password', isAdmin: true });
  const c = await RawClient.open(s.wsUrl);
  t.after(() => c.close());
  await c.request('hello', { protocol: 1 });
  const deviceToken = ((await c.request('auth.login', { username: adminName, password: 'admin-password' })).data as { token: string })
    .token;
  const revoked = await s.apiKeys.create(['users:write'], 'old', 'cli:test');
  assert.equal(await s.apiKeys.revoke(revoked.id, 'cli:test'), true);
  const readOnly = await apiKey(s, 'users:read', 'audit:read', 'metrics:read', 'invites:write');

  const name = uniqueName('x');
  const cases: [string | undefined, number, string, RegExp][] = [
    [undefined, 401, 'unauthorized', /Bearer <API key>/],
    ['wbk_not-a-key', 401, 'api_key_invalid', /unknown or revoked/],
    [revoked.key, 401, 'api_key_invalid', /unknown or revoked/],
    [deviceToken, 401, 'api_key_invalid', /device token is not an admin credential/],
    [readOnly, 403, 'scope_missing', /users:write/],
  ];
  for (const [key, status, code, message] of cases) {
    const r = await post({ users: [{ username: name }] }, key);
    assert.equal(r.status, status, code);
    assert.deepEqual(Object.keys(r.body), ['error'], 'the one error body');
    assert.equal(r.body.error?.code, code);
    assert.equal(r.body.error?.status, status);
    assert.match(r.body.error!.message, message);
  }
  assert.equal(await s.store.getUserByUsername(name), undefined, 'nothing was created');
  // A malformed header is no key at all.
  const basic = await fetch(`${s.adminUrl}/api/admin/users`, { headers: { authorization: 'Basic YWxpY2U6c2VjcmV0' } });
  assert.equal(basic.status, 401);
  // Every refusal is in the audit log, with the code; never the key that was tried.
  const audit = await adminFetch(s, '/api/admin/audit?event=admin.denied', { key: await apiKey(s, 'audit:read') });
  const denied = audit.body.entries as { detail: { code: string; path: string } }[];
  assert.deepEqual(denied.map((e) => e.detail.code).reverse(), [
    'unauthorized',
    'api_key_invalid',
    'api_key_invalid',
    'api_key_invalid',
    'scope_missing',
    'unauthorized',
  ]);
  assert.ok(denied.every((e) => e.detail.path === '/api/admin/users'));
  assert.doesNotMatch(JSON.stringify(audit.body), new RegExp(`${deviceToken}|${revoked.key}|wbk_not-a-key`));
});

test('bad bodies get invalid_body, request_too_large, invalid_username or username_taken, and nothing is created', async (t) => {
  const { s, key, post } = await setup(t);
  const fresh = uniqueName('fresh');
  const taken = uniqueName('taken');
  assert.equal((await post({ users: [{ username: taken }] }, key)).status, 200);
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
    const r = await post(body, key);
    assert.equal(r.status, status, `${code}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.error?.code, code);
    if (msg) assert.match(r.body.error!.message, msg);
  }
  assert.equal(await s.store.getUserByUsername(fresh), undefined, 'all or nothing: no user of a refused request exists');
});

test('GET /api/admin/users pages the accounts by id with users:read; bad parameters are 400 invalid_parameter', async (t) => {
  const { s, key, post } = await setup(t);
  const names = Array.from({ length: 5 }, () => uniqueName('list'));
  const created = (await post({ users: names.map((username) => ({ username })) }, key)).body.users!;
  const reader = await apiKey(s, 'users:read');
  const first = await adminFetch(s, '/api/admin/users?limit=3', { key: reader });
  assert.equal(first.status, 200);
  const page1 = first.body.users as { id: number; username: string; disabled: boolean; admin: boolean; createdAt: number }[];
  assert.deepEqual(
    page1.map((u) => u.username),
    names.slice(0, 3),
  );
  assert.deepEqual(Object.keys(page1[0]!).sort(), ['admin', 'createdAt', 'disabled', 'displayName', 'id', 'username']);
  assert.equal(first.body.next, created[2]!.id);
  const second = await adminFetch(s, `/api/admin/users?after=${String(first.body.next)}&limit=3`, { key: reader });
  assert.deepEqual(
    (second.body.users as { username: string }[]).map((u) => u.username),
    names.slice(3),
  );
  assert.equal(second.body.next, undefined, 'the last page has no next');

  for (const query of ['limit=0', 'limit=1001', 'limit=abc', 'after=-1', 'after=1.5', 'limit=2&limit=3', 'page=2', 'limit=']) {
    const r = await adminFetch(s, `/api/admin/users?${query}`, { key: reader });
    assert.equal(r.status, 400, query);
    assert.equal(r.body.error?.code, 'invalid_parameter', query);
  }
  // The writer's key cannot read, nor the reader's write.
  assert.equal((await adminFetch(s, '/api/admin/users', { key })).body.error?.code, 'scope_missing');
  assert.equal((await post({ users: [{ username: uniqueName('no') }] }, reader)).body.error?.code, 'scope_missing');
});

test('admin routes: an unknown path is 404 not_found, a wrong method 405 method_not_allowed with Allow, before any key check', async (t) => {
  const { s } = await setup(t);
  const nf = await adminFetch(s, '/api/admin/nope');
  assert.equal(nf.status, 404);
  assert.equal(nf.body.error?.code, 'not_found');
  const put = await fetch(`${s.adminUrl}/api/admin/users`, { method: 'PUT' });
  assert.equal(put.status, 405);
  assert.equal(put.headers.get('allow'), 'POST, GET');
  assert.equal(((await put.json()) as { error: { code: string } }).error.code, 'method_not_allowed');
  const getDisable = await adminFetch(s, '/api/admin/users/1/disable');
  assert.equal(getDisable.status, 405);
});
