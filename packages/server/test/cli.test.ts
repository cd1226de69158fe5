import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { cli, dataDir, serve } from './cli-helpers.js';
import { RawClient, type Frame } from './helpers.js';

/** Opens a connection, says hello and sends one auth request; returns its response. */
async function authOver(t: TestContext, wsUrl: string, op: 'auth.login' | 'auth.register', data: object): Promise<Frame> {
  const c = await RawClient.open(wsUrl);
  t.after(() => c.close());
  assert.equal((await c.request('hello', { protocol: 1 })).ok, true);
  return c.request(op, data);
}

test('`warbler user add` prints the new user as JSON; the user then logs in to `warbler serve`', async (t) => {
  const dir = dataDir(t);
  const r = await cli(['user', 'add', 'bob', '--password', 'secret-pass', '--display-name', 'Bob 鲍勃', '--data-dir', dir]);
  assert.equal(r.code, 0, r.stderr);
  const printed = JSON.parse(r.stdout) as { id: number; username: string; displayName: string; admin: boolean };
  assert.deepEqual(printed, { id: printed.id, username: 'bob', displayName: 'Bob 鲍勃', admin: false });
  assert.ok(Number.isInteger(printed.id) && printed.id > 0);

  const srv = await serve(t, dir);
  const login = await authOver(t, srv.wsUrl, 'auth.login', { username: 'bob', password: 'secret-pass' });
  assert.equal(login.ok, true, JSON.stringify(login.error));
  assert.deepEqual((login.data as { user: unknown }).user, { id: printed.id, username: 'bob', displayName: 'Bob 鲍勃' });
  const wrong = await authOver(t, srv.wsUrl, 'auth.login', { username: 'bob', password: 'secret-pasS' });
  assert.equal(wrong.error?.code, 'invalid_credentials');

  // SIGTERM stops the server gracefully: exit code 0.
  srv.proc.kill('SIGTERM');
  assert.equal(await srv.exited, 0, srv.stderr());
});

test('`warbler user add` reads the password from standard input when --password is absent', async (t) => {
  const dir = dataDir(t);
  const r = await cli(['user', 'add', 'Carol', '--admin', '--data-dir', dir], { input: 'from-stdin-pass\n' });
  assert.equal(r.code, 0, r.stderr);
  const printed = JSON.parse(r.stdout) as { username: string; displayName: string; admin: boolean };
  assert.equal(printed.username, 'carol');
  assert.equal(printed.displayName, 'carol');
  assert.equal(printed.admin, true);

  const srv = await serve(t, dir);
  const login = await authOver(t, srv.wsUrl, 'auth.login', { username: 'carol', password: 'from-stdin-pass' });
  assert.equal(login.ok, true, JSON.stringify(login.error));
  // The trailing newline is not part of the password.
  const withNewline = await authOver(t, srv.wsUrl, 'auth.login', { username: 'carol', password: 'from-stdin-pass\n' });
  assert.equal(withNewline.error?.code, 'invalid_credentials');
});

test('`warbler user add` refuses bad input with a clear message and a non-zero exit', async (t) => {
  const dir = dataDir(t);
  assert.equal((await cli(['user', 'add', 'dave', '--password', 'first-pass', '--data-dir', dir])).code, 0);
  const taken = await cli(['user', 'add', 'DAVE', '--password', 'other-pass', '--data-dir', dir]);
  assert.notEqual(taken.code, 0);
  assert.match(taken.stderr, /username_taken/);
  assert.equal(taken.stdout, '');

  const short = await cli(['user', 'add', 'erin', '--data-dir', dir], { input: 'short\n' });
  assert.notEqual(short.code, 0);
  assert.match(short.stderr, /invalid_password/);
  const noStdin = await cli(['user', 'add', 'erin', '--data-dir', dir], { input: '' });
  assert.notEqual(noStdin.code, 0);
  assert.match(noStdin.stderr, /invalid_password/);
  const badName = await cli(['user', 'add', '9lives', '--password', 'secret-pass', '--data-dir', dir]);
  assert.notEqual(badName.code, 0);
  assert.match(badName.stderr, /invalid_username/);
});

test('`warbler serve --port abc` exits 2 naming server.port', async (t) => {
  const dir = dataDir(t);
  const r = await cli(['serve', '--port', 'abc', '--data-dir', dir]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /server\.port/);
  assert.match(r.stderr, /--port/);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'a config error is a message, not a stack trace');
});

test('`warbler serve --port 99999` exits 2 naming server.port and the command line; `user add` without a name exits 2', async (t) => {
  const dir = dataDir(t);
  const r = await cli(['serve', '--port', '99999', '--data-dir', dir]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /server\.port must be an integer from 0 to 65535/);
  assert.match(r.stderr, /command-line flags/);
  const noName = await cli(['user', 'add', '--password', 'secret-pass', '--data-dir', dir]);
  assert.equal(noName.code, 2);
  assert.match(noName.stderr, /exactly one USERNAME/);
});

test('WARBLER_SERVER_PORT=99999 `warbler serve` exits 2 naming server.port and WARBLER_SERVER_PORT', async (t) => {
  const dir = dataDir(t);
  const r = await cli(['serve', '--data-dir', dir], { env: { WARBLER_SERVER_PORT: '99999' } });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /server\.port/);
  assert.match(r.stderr, /WARBLER_SERVER_PORT/);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
});

test('`warbler bogus` prints the usage and exits 2; `warbler help` exits 0', async () => {
  const r = await cli(['bogus']);
  assert.equal(r.code, 2);
  assert.match(r.stdout + r.stderr, /Usage:/);
  assert.match(r.stdout + r.stderr, /warbler serve/);
  const help = await cli(['help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Usage:/);
  const badFlag = await cli(['serve', '--prot', '80']);
  assert.equal(badFlag.code, 2);
  assert.match(badFlag.stderr, /--prot/);
});

test('with WARBLER_AUTH_REGISTRATION=closed, auth.register is registration_closed but `user add` still works', async (t) => {
  const dir = dataDir(t);
  const env = { WARBLER_AUTH_REGISTRATION: 'closed' };
  const srv = await serve(t, dir, env);
  const reg = await authOver(t, srv.wsUrl, 'auth.register', { username: 'mallory', password: 'password-123' });
  assert.equal(reg.ok, false);
  assert.equal(reg.error?.code, 'registration_closed');

  // An administrator adds the account while the server runs; it can log in at once.
  const add = await cli(['user', 'add', 'frank', '--password', 'frank-pass-1', '--data-dir', dir], { env });
  assert.equal(add.code, 0, add.stderr);
  const login = await authOver(t, srv.wsUrl, 'auth.login', { username: 'frank', password: 'frank-pass-1' });
  assert.equal(login.ok, true, JSON.stringify(login.error));
  // The refused registration created nothing.
  const ghost = await authOver(t, srv.wsUrl, 'auth.login', { username: 'mallory', password: 'password-123' });
  assert.equal(ghost.error?.code, 'invalid_credentials');
});
