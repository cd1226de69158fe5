import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { ACCOUNT_POLL_MS } from '../src/services/account-watch.js';
import { HAVE_SCRIPT, cli, cliOnTerminal, dataDir, serve } from './cli-helpers.js';
import { RawClient, eventually, type ChildServer, type Frame } from './helpers.js';

// `warbler user …` and `warbler apikey …` run as their own processes against the data folder of a
// `warbler serve` that runs meanwhile, as an operator would.

/** How long a running server may take to act on a change made by the CLI: its poll interval, and slack for a busy machine. */
const NOTICE_MS = ACCOUNT_POLL_MS + 2000;

/** A connection logged in with a password (its response, and the connection). */
async function login(t: TestContext, srv: ChildServer, username: string, password: string): Promise<{ c: RawClient; r: Frame }> {
  const c = await RawClient.open(srv.wsUrl);
  t.after(() => c.close());
  await c.request('hello', { protocol: 1 });
  return { c, r: await c.request('auth.login', { username, password }) };
}

/** `warbler user add` with a password on standard input; returns the new id. */
async function addUser(dir: string, name: string, password: string): Promise<number> {
  const r = await cli(['user', 'add', name, '--data-dir', dir], { input: `${password}\n` });
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as { id: number }).id;
}

const lines = (out: string): Record<string, unknown>[] =>
  out
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

test('`apikey create` prints a key once; the running server takes it at once; `apikey list` never shows it; `apikey revoke` ends it at once', async (t) => {
  const dir = dataDir(t);
  const srv = await serve(t, dir);
  const created = await cli([
    'apikey',
    'create',
    '--scope',
    'users:read',
    '--scope',
    'audit:read,users:read',
    '--name',
    'ops',
    '--data-dir',
    dir,
  ]);
  assert.equal(created.code, 0, created.stderr);
  const k = JSON.parse(created.stdout) as { id: number; name: string; scopes: string[]; key: string; revokedAt: null };
  assert.match(k.key, /^wbk_[A-Za-z0-9_-]{43}$/);
  assert.deepEqual([k.name, k.scopes, k.revokedAt], ['ops', ['users:read', 'audit:read'], null]);
  const get = () => fetch(`${srv.adminUrl}/api/admin/users`, { headers: { authorization: `Bearer ${k.key}` } });
  assert.equal((await get()).status, 200);

  const listed = await cli(['apikey', 'list', '--data-dir', dir]);
  assert.equal(listed.code, 0, listed.stderr);
  const rows = lines(listed.stdout);
  assert.deepEqual(
    rows.map((r) => [r.id, r.name]),
    [[k.id, 'ops']],
  );
  assert.ok(!listed.stdout.includes(k.key.slice(4)), 'the key is shown once, at creation');
  assert.equal(typeof rows[0]!.lastUsedAt, 'number', 'its use was recorded');

  const revoked = await cli(['apikey', 'revoke', String(k.id), '--data-dir', dir]);
  assert.equal(revoked.code, 0, revoked.stderr);
  assert.deepEqual(JSON.parse(revoked.stdout), { id: k.id, revoked: true });
  const after = await get();
  assert.equal(after.status, 401, 'revoked in another process: refused on the next request');
  assert.equal(((await after.json()) as { error: { code: string } }).error.code, 'api_key_invalid');
  assert.equal(typeof lines((await cli(['apikey', 'list', '--data-dir', dir])).stdout)[0]!.revokedAt, 'number');
});

test('`apikey` refuses a missing or unknown scope, a bad or unknown id, with exit 2 and nothing created', async (t) => {
  const dir = dataDir(t);
  const cases: [string[], RegExp][] = [
    [['apikey', 'create'], /at least one --scope/],
    [['apikey', 'create', '--scope', 'users:all'], /unknown scope "users:all"/],
    [['apikey', 'create', '--scope', 'users:read,'], /unknown scope ""/],
    [['apikey', 'create', '--scope', 'users:read', 'extra'], /takes no arguments/],
    [['apikey', 'revoke', 'abc'], /ID must be a key id/],
    [['apikey', 'revoke', '0'], /ID must be a key id/],
    [['apikey', 'revoke', '999'], /no API key 999/],
    [['apikey', 'revoke'], /exactly one ID/],
    [['apikey', 'rotate'], /takes one of: create, list, revoke/],
  ];
  for (const [args, message] of cases) {
    const r = await cli([...args, '--data-dir', dir]);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.stderr, message, args.join(' '));
    assert.equal(r.stdout, '');
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'a message, not a stack trace');
  }
  assert.equal((await cli(['apikey', 'list', '--data-dir', dir])).stdout, '', 'no key exists');
});

test('`user disable` in another process closes the live session within the poll bound; login and resume get account_disabled; `user enable` restores login', async (t) => {
  const dir = dataDir(t);
  const id = await addUser(dir, 'gina', 'gina-pass-1');
  const srv = await serve(t, dir);
  const { c, r } = await login(t, srv, 'gina', 'gina-pass-1');
  assert.equal(r.ok, true);
  const token = (r.data as { token: string }).token;

  const off = await cli(['user', 'disable', 'gina', '--data-dir', dir]);
  assert.equal(off.code, 0, off.stderr);
  assert.equal((JSON.parse(off.stdout) as { disabled: boolean }).disabled, true);
  const closed = await Promise.race([c.closed, new Promise<null>((res) => setTimeout(() => res(null), NOTICE_MS))]);
  assert.ok(closed, `the session was not closed within ${NOTICE_MS} ms`);
  assert.equal(closed.code, 4103);
  assert.equal((await login(t, srv, 'gina', 'gina-pass-1')).r.error?.code, 'account_disabled');
  const resume = await RawClient.open(srv.wsUrl);
  t.after(() => resume.close());
  await resume.request('hello', { protocol: 1 });
  assert.equal((await resume.request('auth.resume', { token })).error?.code, 'account_disabled');

  const listed = lines((await cli(['user', 'list', '--data-dir', dir])).stdout);
  assert.deepEqual(
    listed.map((u) => [u.id, u.username, u.disabled]),
    [[id, 'gina', true]],
  );
  const on = await cli(['user', 'enable', String(id), '--data-dir', dir]);
  assert.equal(on.code, 0, on.stderr);
  assert.equal((await login(t, srv, 'gina', 'gina-pass-1')).r.ok, true);
});

test('`user delete` needs --yes; then, in another process, the session closes and the running server hands the group on', async (t) => {
  const dir = dataDir(t);
  await addUser(dir, 'hank', 'hank-pass-1');
  const ivyId = await addUser(dir, 'ivy', 'ivy-pass-1');
  const srv = await serve(t, dir);
  const hank = await login(t, srv, 'hank', 'hank-pass-1');
  const ivy = await login(t, srv, 'ivy', 'ivy-pass-1');
  const created = await hank.c.request('group.create', { name: 'book club', members: [ivyId] });
  const conv = (created.data as { group: { conv: string } }).group.conv;

  const unsure = await cli(['user', 'delete', 'hank', '--data-dir', dir]);
  assert.equal(unsure.code, 2);
  assert.match(unsure.stderr, /cannot be undone: run again with --yes/);
  assert.equal((await hank.c.request('ping', {})).ok, true, 'nothing happened');

  const gone = await cli(['user', 'delete', 'hank', '--yes', '--data-dir', dir]);
  assert.equal(gone.code, 0, gone.stderr);
  assert.equal((JSON.parse(gone.stdout) as { deleted: boolean }).deleted, true);
  assert.equal((await hank.c.closed).code, 4103);
  await eventually(async () => {
    const g = (await ivy.c.request('group.get', { conv })).data as { group: { ownerId: number; memberCount: number } };
    assert.deepEqual([g.group.ownerId, g.group.memberCount], [ivyId, 1]);
  }, NOTICE_MS);
  assert.ok(
    ivy.c.frames.some((f) => f.ev === 'msg' && (f.data as { event?: { type: string } }).event?.type === 'transferred'),
    'the member online was told as it happened',
  );
  assert.equal(lines((await cli(['user', 'list', '--data-dir', dir])).stdout).length, 1, 'only ivy is listed');
  const again = await cli(['user', 'delete', 'hank', '--yes', '--data-dir', dir]);
  assert.equal(again.code, 2);
  assert.match(again.stderr, /error: user_not_found/);
});

test('`user passwd` from standard input: the running server closes the sessions (4101); only the new password works; bad input changes nothing', async (t) => {
  const dir = dataDir(t);
  await addUser(dir, 'jill', 'jill-pass-1');
  const srv = await serve(t, dir);
  const jill = await login(t, srv, 'jill', 'jill-pass-1');

  const short = await cli(['user', 'passwd', 'jill', '--data-dir', dir], { input: 'short\n' });
  assert.equal(short.code, 2);
  assert.match(short.stderr, /error: invalid_password/);
  const nobody = await cli(['user', 'passwd', 'nobody-here', '--data-dir', dir], { input: 'whatever-pass\n' });
  assert.equal(nobody.code, 2);
  assert.match(nobody.stderr, /error: user_not_found/);
  for (const args of [
    ['user', 'passwd'],
    ['user', 'disable'],
    ['user', 'enable', 'a', 'b'],
  ]) {
    const r = await cli([...args, '--data-dir', dir]);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.stderr, /takes exactly one USER/);
  }
  assert.equal((await cli(['user', 'frobnicate', '--data-dir', dir])).code, 2);
  assert.equal((await jill.c.request('ping', {})).ok, true, 'still connected after the refused changes');
  assert.equal((await login(t, srv, 'jill', 'jill-pass-1')).r.ok, true);

  const set = await cli(['user', 'passwd', 'jill', '--data-dir', dir], { input: 'jill-pass-2\n' });
  assert.equal(set.code, 0, set.stderr);
  assert.equal((await jill.c.closed).code, 4101);
  assert.equal((await login(t, srv, 'jill', 'jill-pass-1')).r.error?.code, 'invalid_credentials');
  assert.equal((await login(t, srv, 'jill', 'jill-pass-2')).r.ok, true);
});

test(
  'on a terminal, `user passwd` asks twice without echo; two different answers change nothing',
  { skip: HAVE_SCRIPT ? false : 'needs util-linux `script` for a pseudo-terminal' },
  async (t) => {
    const dir = dataDir(t);
    await addUser(dir, 'kate', 'kate-pass-1');
    const differ = await cliOnTerminal(
      ['user', 'passwd', 'kate', '--data-dir', dir],
      [
        [/New password: /, 'kate-typed-1'],
        [/Repeat it: /, 'kate-typed-2'],
      ],
    );
    assert.equal(differ.code, 2, differ.screen);
    assert.match(differ.screen, /the two passwords differ; nothing was changed/);

    const same = await cliOnTerminal(
      ['user', 'passwd', 'kate', '--data-dir', dir],
      [
        [/New password: /, 'kate-secret-3'],
        [/Repeat it: /, 'kate-secret-3'],
      ],
    );
    assert.equal(same.code, 0, same.screen);
    assert.match(same.screen, /"username":"kate"/);
    for (const typed of ['kate-typed-1', 'kate-typed-2', 'kate-secret-3'])
      assert.ok(!differ.screen.includes(typed) && !same.screen.includes(typed), `${typed} was echoed`);

    const added = await cliOnTerminal(
      ['user', 'add', 'liam', '--data-dir', dir],
      [
        [/New password: /, 'liam-secret-4'],
        [/Repeat it: /, 'liam-secret-4'],
      ],
    );
    assert.equal(added.code, 0, added.screen);
    assert.ok(!added.screen.includes('liam-secret-4'), 'user add does not echo either');

    const srv = await serve(t, dir);
    assert.equal((await login(t, srv, 'kate', 'kate-pass-1')).r.error?.code, 'invalid_credentials');
    assert.equal((await login(t, srv, 'kate', 'kate-secret-3')).r.ok, true);
    assert.equal((await login(t, srv, 'liam', 'liam-secret-4')).r.ok, true);
  },
);
