import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { test, type TestContext } from 'node:test';
import type { ConfigInput } from '../src/config.js';
import { dropTestStore } from './test-store.js';
import { hashToken } from '../src/auth/tokens.js';
import {
  RawClient,
  apiKey,
  eventually,
  newUser,
  runCli,
  sdkClient,
  spawnServer,
  startTestServer,
  tempDir,
  uniqueName,
  type ChildServer,
  type Frame,
  type TestServer,
} from './helpers.js';

interface Invite {
  id: number;
  state: string;
  uses: number;
  maxUses: number;
  createdAt: number;
  expiresAt: number;
  note?: string;
  createdBy?: number;
  revokedAt?: number;
}
interface Res {
  status: number;
  body: { invite?: Invite; code?: string; invites?: Invite[]; more?: boolean; error?: { code: string; message: string } };
}

/**
 * A server with `registration` (default `invite`) and two API keys: one with `invites:write`, one without;
 * `api` calls the admin HTTP API on the admin listener, with the first key unless told otherwise.
 */
async function setup(t: TestContext, registration: 'open' | 'invite' | 'closed' = 'invite', over: ConfigInput = {}) {
  const s = await startTestServer({ ...over, auth: { registration, ...over.auth } });
  t.after(() => s.close());
  const key = await apiKey(s, 'invites:write');
  const otherKey = await apiKey(s, 'users:read');
  const api = async (method: string, path: string, body?: unknown, token: string | null = key): Promise<Res> => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    const init: RequestInit = { method, headers };
    if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
    const r = await fetch(`${s.adminUrl}${path}`, init);
    return { status: r.status, body: (await r.json()) as Res['body'] };
  };
  const create = async (body: unknown = {}): Promise<{ invite: Invite; code: string }> => {
    const r = await api('POST', '/api/admin/invites', body);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body as { invite: Invite; code: string };
  };
  return { s, api, create, otherKey };
}

/** One `auth.register` on a new connection. */
async function register(t: TestContext, s: TestServer, data: Record<string, unknown>): Promise<Frame> {
  const c = await RawClient.open(s.wsUrl);
  t.after(() => c.close());
  await c.request('hello', { protocol: 1 });
  return c.request('auth.register', { password: 'password-123', ...data });
}

const exists = async (s: TestServer, username: string): Promise<boolean> => (await s.store.getUserByUsername(username)) !== undefined;

test('invite policy: no code is invite_required, an unknown one invite_invalid; neither creates anything', async (t) => {
  const { s } = await setup(t);
  const a = uniqueName('inv');
  const r = await register(t, s, { username: a });
  assert.equal(r.error?.code, 'invite_required');
  assert.equal(r.error?.status, 403);
  const bad = await register(t, s, { username: a, invite: 'wbi_not-a-real-code' });
  assert.equal(bad.error?.code, 'invite_invalid');
  assert.match(bad.error!.message, /no such invite code/);
  assert.equal(await exists(s, a), false);
  const empty = await register(t, s, { username: a, invite: '' });
  assert.equal(empty.error?.code, 'invalid_frame', 'an empty code is a malformed frame');
});

test('an invite admits its number of accounts; a taken username does not use it up; then used_up; the list shows its state', async (t) => {
  const { s, api, create } = await setup(t);
  const { invite, code } = await create({ uses: 2, note: 'class 7b' });
  assert.match(code, /^wbi_[A-Za-z0-9_-]{22}$/);
  assert.deepEqual(
    { ...invite, createdAt: 0, expiresAt: 0 },
    { id: invite.id, state: 'live', uses: 0, maxUses: 2, createdAt: 0, expiresAt: 0, note: 'class 7b' },
  );
  assert.ok(Math.abs(invite.expiresAt - invite.createdAt - 7 * 86_400_000) < 1000, 'seven days by default');
  const [a, b, c] = [uniqueName('inv'), uniqueName('inv'), uniqueName('inv')];
  const first = await register(t, s, { username: a, invite: code, displayName: 'Ann' });
  assert.equal(first.ok, true, JSON.stringify(first.error));
  assert.equal((await register(t, s, { username: a, invite: code })).error?.code, 'username_taken');
  assert.equal((await api('GET', '/api/admin/invites')).body.invites!.find((i) => i.id === invite.id)!.uses, 1);
  assert.equal((await register(t, s, { username: b, invite: code })).ok, true);
  const third = await register(t, s, { username: c, invite: code });
  assert.equal(third.error?.code, 'invite_invalid');
  assert.match(third.error!.message, /used up/);
  assert.equal(await exists(s, c), false);
  const listed = (await api('GET', '/api/admin/invites')).body.invites!.find((i) => i.id === invite.id)!;
  assert.equal(listed.state, 'used_up');
  assert.equal(listed.uses, 2);
  // The code itself is never listed.
  assert.ok(!JSON.stringify((await api('GET', '/api/admin/invites')).body).includes(code));
});

test('a revoked or expired invite admits nobody; revoking again changes nothing', async (t) => {
  const { s, api, create } = await setup(t);
  const { invite, code } = await create({ uses: 5 });
  const revoked = await api('POST', '/api/admin/invites/revoke', { id: invite.id });
  assert.equal(revoked.status, 200);
  assert.equal(revoked.body.invite!.state, 'revoked');
  const again = await api('POST', '/api/admin/invites/revoke', { id: invite.id });
  assert.equal(again.body.invite!.revokedAt, revoked.body.invite!.revokedAt);
  const name = uniqueName('inv');
  const r = await register(t, s, { username: name, invite: code });
  assert.equal(r.error?.code, 'invite_invalid');
  assert.match(r.error!.message, /revoked/);
  // An invite that expired a moment ago (made in the store: the API's shortest life is a minute).
  const old = 'wbi_expired-invite-code-000';
  const now = Date.now();
  await s.store.registration.createInvite({
    codeHash: hashToken(old),
    note: null,
    maxUses: 5,
    createdAt: now - 1000,
    expiresAt: now - 1,
    createdBy: null,
  });
  const e = await register(t, s, { username: name, invite: old });
  assert.equal(e.error?.code, 'invite_invalid');
  assert.match(e.error!.message, /expired/);
  assert.equal(await exists(s, name), false);
});

test('open ignores an invite field; closed refuses even a good invite', async (t) => {
  const open = await setup(t, 'open');
  const name = uniqueName('open');
  assert.equal((await register(t, open.s, { username: name, invite: 'wbi_whatever' })).ok, true);
  const closed = await setup(t, 'closed');
  const { code } = await closed.create();
  const r = await register(t, closed.s, { username: name, invite: code });
  assert.equal(r.error?.code, 'registration_closed');
  assert.equal(await exists(closed.s, name), false);
});

test('the SDK registers with an invite code', async (t) => {
  const { s, create } = await setup(t);
  const { code } = await create();
  const c = await sdkClient(s.wsUrl);
  t.after(() => c.close());
  const name = uniqueName('sdk');
  const r = await c.register(name, 'password-123', { displayName: 'Sdk 用户', invite: code });
  assert.equal(r.user.displayName, 'Sdk 用户');
  const other = await sdkClient(s.wsUrl);
  t.after(() => other.close());
  await assert.rejects(
    other.register(uniqueName('sdk'), 'password-123', { invite: code }),
    (e: { code?: string }) => e.code === 'invite_invalid',
  );
  await assert.rejects(
    (await unregistered(s, t)).register(uniqueName('sdk'), 'password-123'),
    (e: { code?: string }) => e.code === 'invite_required',
  );
});

/** A connected SDK client that has not registered. */
async function unregistered(s: TestServer, t: TestContext) {
  const c = await sdkClient(s.wsUrl);
  t.after(() => c.close());
  return c;
}

test('admin API invites: bad input gets its documented error and creates nothing; only a key with invites:write may call it', async (t) => {
  const { s, api, otherKey } = await setup(t);
  const count = async () => (await api('GET', '/api/admin/invites')).body.invites!.length;
  const before = await count();
  const cases: [string, string, unknown, number, string][] = [
    ['POST', '/api/admin/invites', { uses: 0 }, 400, 'invalid_body'],
    ['POST', '/api/admin/invites', { uses: 10001 }, 400, 'invalid_body'],
    ['POST', '/api/admin/invites', { expiresInSeconds: 59 }, 400, 'invalid_body'],
    ['POST', '/api/admin/invites', { note: 'bell\u0007' }, 400, 'invalid_body'],
    ['POST', '/api/admin/invites', { note: 'x'.repeat(201) }, 400, 'invalid_body'],
    ['POST', '/api/admin/invites', 'not json', 400, 'invalid_body'],
    ['POST', '/api/admin/invites', { note: 'x'.repeat(70_000) }, 413, 'request_too_large'],
    ['GET', '/api/admin/invites?limit=0', undefined, 400, 'invalid_parameter'],
    ['GET', '/api/admin/invites?before=x', undefined, 400, 'invalid_parameter'],
    ['GET', '/api/admin/invites?limit=1&limit=2', undefined, 400, 'invalid_parameter'],
    ['POST', '/api/admin/invites/revoke', { id: 'one' }, 400, 'invalid_body'],
    ['POST', '/api/admin/invites/revoke', { id: 987654 }, 404, 'invite_not_found'],
    ['DELETE', '/api/admin/invites', undefined, 405, 'method_not_allowed'],
    ['GET', '/api/admin/invites/revoke', undefined, 405, 'method_not_allowed'],
  ];
  for (const [method, path, body, status, code] of cases) {
    const r = await api(method, path, body);
    assert.equal(r.status, status, `${method} ${path} ${JSON.stringify(body)?.slice(0, 60)}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.error?.code, code);
  }
  assert.equal((await api('POST', '/api/admin/invites', {}, null)).body.error?.code, 'unauthorized');
  assert.equal((await api('POST', '/api/admin/invites', {}, otherKey)).status, 403);
  assert.equal((await api('GET', '/api/admin/invites', undefined, otherKey)).body.error?.code, 'scope_missing');
  // A chat token is not an admin credential.
  const name = uniqueName('chat');
  await s.accounts.createUser({ username: name, password: 'password-123' });
  const c = await RawClient.open(s.wsUrl);
  t.after(() => c.close());
  await c.request('hello', { protocol: 1 });
  const chatToken = ((await c.request('auth.login', { username: name, password: 'password-123' })).data as { token: string }).token;
  assert.equal((await api('POST', '/api/admin/invites', {}, chatToken)).body.error?.code, 'api_key_invalid');
  assert.equal(await count(), before, 'nothing was created');
});

test('admin API invites: the list pages newest first', async (t) => {
  const { api, create } = await setup(t);
  const ids: number[] = [];
  for (let i = 0; i < 5; i++) ids.push((await create({ note: `n${i}` })).invite.id);
  const p1 = await api('GET', '/api/admin/invites?limit=2');
  assert.deepEqual(
    p1.body.invites!.map((i) => i.id),
    [ids[4], ids[3]],
  );
  assert.equal(p1.body.more, true);
  // The first start's invite (a fresh store under `invite`) is the oldest: it follows ids[0].
  const p2 = await api('GET', `/api/admin/invites?limit=3&before=${ids[3]}`);
  assert.deepEqual(
    p2.body.invites!.map((i) => i.id),
    [ids[2], ids[1], ids[0]],
  );
  assert.equal(p2.body.more, true);
  const p3 = await api('GET', `/api/admin/invites?limit=10&before=${ids[0]}`);
  assert.deepEqual(
    p3.body.invites!.map((i) => i.note),
    ['first start'],
  );
  assert.equal(p3.body.more, false);
});

/**
 * A data folder and `warbler serve` runs in it (logging at info); when the test ends, the servers still
 * running get SIGTERM, then the folder is removed.
 */
function lab(t: TestContext): { dir: string; serve: (env: Record<string, string>) => Promise<ChildServer> } {
  const dir = tempDir('warbler-reg-');
  const servers: ChildServer[] = [];
  t.after(async () => {
    for (const srv of servers) {
      if (srv.proc.exitCode === null && srv.proc.signalCode === null) srv.proc.kill('SIGTERM');
      await srv.exited;
    }
    rmSync(dir, { recursive: true, force: true });
    await dropTestStore(dir);
  });
  const serve = async (env: Record<string, string>): Promise<ChildServer> => {
    const srv = await spawnServer(dir, { WARBLER_LOG_LEVEL: 'info', ...env });
    servers.push(srv);
    return srv;
  };
  return { dir, serve };
}

test('`warbler invite create | list | revoke`: the code registers over the protocol; bad input exits 2 and changes nothing', async (t) => {
  const { dir, serve } = lab(t);
  const made = await runCli(['invite', 'create', '--uses', '2', '--expires-in', '2d', '--note', 'lab 3', '--data-dir', dir]);
  assert.equal(made.code, 0, made.stderr);
  const { invite, code } = JSON.parse(made.stdout) as { invite: Invite; code: string };
  assert.equal(invite.maxUses, 2);
  assert.equal(invite.note, 'lab 3');
  assert.equal(invite.expiresAt - invite.createdAt, 2 * 86_400_000);
  assert.equal(invite.createdBy, undefined, 'made by the CLI');

  const srv = await serve({ WARBLER_AUTH_REGISTRATION: 'invite' });
  const c = await RawClient.open(srv.wsUrl);
  t.after(() => c.close());
  await c.request('hello', { protocol: 1 });
  assert.equal((await c.request('auth.register', { username: 'lab3ann', password: 'password-123', invite: code })).ok, true);

  const list = await runCli(['invite', 'list', '--data-dir', dir]);
  assert.equal(list.code, 0, list.stderr);
  const rows = list.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Invite);
  assert.deepEqual(
    rows.map((r) => [r.id, r.state, r.uses]),
    [[invite.id, 'live', 1]],
  );
  const bad: [string[], RegExp][] = [
    [['invite', 'create', '--uses', '0'], /--uses/],
    [['invite', 'create', '--expires-in', '10s'], /--expires-in/],
    [['invite', 'create', '--expires-in', 'soon'], /--expires-in/],
    [['invite', 'revoke', 'abc'], /invite id/],
    [['invite', 'revoke', '999'], /invite_not_found/],
    [['invite', 'create', '--bogus'], /bogus/],
    [['invite', 'frobnicate'], /takes one of: create, list, revoke/],
  ];
  for (const [args, msg] of bad) {
    const r = await runCli([...args, '--data-dir', dir]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr + r.stdout, msg);
  }
  assert.equal((await runCli(['invite', 'list', '--data-dir', dir])).stdout.trim().split('\n').length, 1, 'no invite was made');

  const revoked = await runCli(['invite', 'revoke', String(invite.id), '--data-dir', dir]);
  assert.equal(revoked.code, 0, revoked.stderr);
  assert.equal((JSON.parse(revoked.stdout) as Invite).state, 'revoked');
  const r = await c.request('auth.logout', {});
  assert.equal(r.ok, true);
  const c2 = await RawClient.open(srv.wsUrl);
  t.after(() => c2.close());
  await c2.request('hello', { protocol: 1 });
  assert.equal(
    (await c2.request('auth.register', { username: 'lab3bob', password: 'password-123', invite: code })).error?.code,
    'invite_invalid',
  );
});

test('every start logs the registration policy; a fresh install with open registration also says how to change it', async (t) => {
  const { serve } = lab(t);
  const fresh = await serve({ WARBLER_AUTH_REGISTRATION: 'open' });
  await eventually(() => assert.match(fresh.stderr(), /"msg":"registration policy","policy":"open"/));
  await eventually(() =>
    assert.match(fresh.stderr(), /"level":"warn","msg":"registration is open to anyone.*WARBLER_AUTH_REGISTRATION=invite/),
  );
  (await newUser(fresh.wsUrl)).client.close();
  fresh.proc.kill('SIGTERM');
  await fresh.exited;
  // Accounts exist now: the policy is logged, the warning is not repeated.
  const again = await serve({ WARBLER_AUTH_REGISTRATION: 'open' });
  await eventually(() => assert.match(again.stderr(), /"msg":"registration policy","policy":"open"/));
  assert.doesNotMatch(again.stderr(), /registration is open to anyone/);
  again.proc.kill('SIGTERM');
  await again.exited;
  // Invite (the default, see config.test.ts) says how to make a code.
  const invite = await serve({ WARBLER_AUTH_REGISTRATION: 'invite' });
  await eventually(() => assert.match(invite.stderr(), /"msg":"registration policy","policy":"invite".*warbler invite create/));
});

test('a fresh install with invite registration makes one invite for the first ten accounts and logs its code, once', async (t) => {
  const { dir, serve } = lab(t);
  const first = await serve({ WARBLER_AUTH_REGISTRATION: 'invite' });
  let code = '';
  await eventually(() => {
    const m = /"level":"warn","msg":"first start: an invite code for the first accounts","code":"(wbi_[A-Za-z0-9_-]+)","uses":10/.exec(
      first.stderr(),
    );
    assert.ok(m, first.stderr());
    code = m[1]!;
  });
  const c = await RawClient.open(first.wsUrl);
  t.after(() => c.close());
  await c.request('hello', { protocol: 1 });
  const r = await c.request('auth.register', { username: uniqueName('first'), password: 'password-123', invite: code });
  assert.equal(r.ok, true, JSON.stringify(r.error));
  first.proc.kill('SIGTERM');
  await first.exited;
  // The next start finds an invite (and an account): it makes no other.
  const again = await serve({ WARBLER_AUTH_REGISTRATION: 'invite' });
  await eventually(() => assert.match(again.stderr(), /"msg":"registration policy","policy":"invite"/));
  assert.doesNotMatch(again.stderr(), /first start/);
  const list = await runCli(['invite', 'list', '--data-dir', dir]);
  assert.deepEqual(
    list.stdout
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as Invite).uses),
    [1],
    'one invite, used once',
  );
});
