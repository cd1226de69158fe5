import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { cli, dataDir } from './cli-helpers.js';
import { CLI, type CliRun } from './helpers.js';

const pkg = JSON.parse(readFileSync(join(CLI, '..', '..', '..', 'package.json'), 'utf8')) as { version: string };
const STACK = /\n\s+at /;

test('`warbler --version` prints the package version and the protocol version', async () => {
  const r = await cli(['--version']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `warbler ${pkg.version} (protocol 1)\n`);
});

test('`--help` of one command prints that command, not the whole usage', async () => {
  const add = await cli(['user', 'add', '--help']);
  assert.equal(add.code, 0, add.stderr);
  assert.match(add.stdout, /^Usage: warbler user add USERNAME/);
  assert.doesNotMatch(add.stdout, /warbler invite/);
  const serve = await cli(['serve', '--help']);
  assert.match(serve.stdout, /^Usage: warbler serve \[--port N\]/);
  assert.doesNotMatch(serve.stdout, /warbler user/);
  const group = await cli(['invite', '--help']);
  assert.equal(group.code, 0, group.stderr);
  assert.deepEqual(
    group.stdout.split('\n').filter((l) => l.startsWith('  warbler')),
    ['  warbler invite create [--uses N] [--expires-in 7d] [--note TEXT]', '  warbler invite list', '  warbler invite revoke ID'],
  );
  assert.equal((await cli(['help', 'apikey', 'revoke'])).stdout.split('\n')[0], 'Usage: warbler apikey revoke ID');
  // The overview still lists every command.
  assert.match((await cli(['--help'])).stdout, /warbler user delete USER --yes[\s\S]*warbler --version/);
});

test('`warbler serve` on a port in use exits 1 with one line naming the port, no stack trace', async (t) => {
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  t.after(() => taken.close());
  const port = (taken.address() as AddressInfo).port;
  const r = await cli(['serve', '--host', '127.0.0.1', '--port', String(port), '--data-dir', dataDir(t)], {
    env: { WARBLER_ADMIN_PORT: '0', WARBLER_LOG_LEVEL: 'silent' },
  });
  assert.equal(r.code, 1, r.stderr);
  assert.equal(
    r.stderr,
    `warbler: cannot listen on 127.0.0.1:${port}: the port is in use (another server running?); choose one with --port or server.port\n`,
  );
});

/** `warbler ARGS` as an unprivileged user when the tests run as root (root may write anywhere). */
function cliAsNobody(args: string[]): Promise<CliRun> {
  const asRoot = process.getuid?.() === 0;
  const proc = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, WARBLER_ADMIN_PORT: '0', WARBLER_LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
  });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => proc.on('close', (code, sig) => resolve({ code: code ?? sig ?? -1, stdout, stderr })));
}

test('`warbler serve` with a data folder it may not write exits 1 with one line naming the folder, no stack trace', async (t) => {
  const parent = dataDir(t); // mode 0700, owned by the test's user: nobody else may create in it (removed empty)
  if (process.getuid?.() !== 0) chmodSync(parent, 0o500);
  const dir = join(parent, 'data');
  const r = await cliAsNobody(['serve', '--host', '127.0.0.1', '--port', '0', '--data-dir', dir]);
  assert.equal(r.code, 1, r.stderr);
  assert.equal(
    r.stderr,
    `warbler: cannot write to the data folder ${dir}: permission denied; give the user running warbler write access, or choose another with --data-dir or dataDir\n`,
  );
  assert.doesNotMatch(r.stderr, STACK);
});
