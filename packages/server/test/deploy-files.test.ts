import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DEFAULTS } from '../src/index.js';

// The deployment files of deploy/ that need no container engine: the systemd unit, checked by systemd
// itself, and the stop timing every deployment file gives the graceful stop. (The image and Compose run
// on a real engine in deploy/test/docker.test.mjs, a step of its own in .ci/run.)

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
const DEPLOY = join(REPO, 'deploy');
const UNIT = join(DEPLOY, 'systemd', 'warbler.service');
const DROP_IN = join(DEPLOY, 'systemd', 'warbler.service.d', 'settings.conf.example');

/** `systemd-analyze verify` of warbler.service in a folder of its own, with these drop-ins beside it. */
function verify(unit: string, dropIns: Record<string, string> = {}): { code: number | null; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'warbler-unit-'));
  try {
    writeFileSync(join(dir, 'warbler.service'), unit);
    mkdirSync(join(dir, 'warbler.service.d'));
    for (const [name, text] of Object.entries(dropIns)) writeFileSync(join(dir, 'warbler.service.d', name), text);
    // Verify checks that ExecStart's program exists: the unit's is /usr/bin/node, where Debian's nodejs
    // (and NodeSource's) put it. On a machine without it the check fails, as it should: the unit names
    // the path on purpose, and a drop-in changes it (settings.conf.example shows how).
    const r = spawnSync('systemd-analyze', ['verify', './warbler.service'], { cwd: dir, encoding: 'utf8' });
    if (r.error) throw r.error;
    return { code: r.status, output: (r.stdout + r.stderr).trim() };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('systemd-analyze verify accepts warbler.service, alone and with the example drop-in, without a warning', () => {
  const unit = readFileSync(UNIT, 'utf8');
  assert.deepEqual(verify(unit), { code: 0, output: '' });
  assert.deepEqual(verify(unit, { 'settings.conf': readFileSync(DROP_IN, 'utf8') }), { code: 0, output: '' });
  // The example's commented lines are valid too, uncommented.
  const all = readFileSync(DROP_IN, 'utf8').replace(/^#(?=[A-Z])/gm, '');
  assert.deepEqual(verify(unit, { 'settings.conf': all }), { code: 0, output: '' });
});

test('systemd-analyze verify catches a broken unit, so the check above means something', () => {
  const unit = readFileSync(UNIT, 'utf8');
  const missing = verify(unit.replace('ExecStart=/usr/bin/node ', 'ExecStart=/usr/bin/no-such-node '));
  assert.notEqual(missing.code, 0);
  assert.match(missing.output, /no-such-node is not executable/);
  const typo = verify(unit, { 'settings.conf': '[Service]\nLimitNOFILES=65536\n' });
  assert.match(typo.output, /Unknown key 'LimitNOFILES'/);
});

test('the unit keeps the server to its data folder and gives the graceful stop its time', () => {
  const unit = readFileSync(UNIT, 'utf8');
  const value = (key: string) => [...unit.matchAll(new RegExp(`^${key}=(.*)$`, 'gm'))].map((m) => m[1]);
  assert.deepEqual(value('ProtectSystem'), ['strict']);
  assert.deepEqual(value('StateDirectory'), ['warbler']);
  assert.ok(value('Environment').includes('WARBLER_DATA_DIR=/var/lib/warbler'), 'the data folder is the state directory');
  for (const key of ['NoNewPrivileges', 'PrivateTmp', 'ProtectHome', 'PrivateDevices']) assert.deepEqual(value(key), ['yes'], key);
  assert.deepEqual(value('KillSignal'), ['SIGTERM']);
  assert.deepEqual(value('LimitNOFILE'), ['65536']);
});

test('every deployment file waits for the graceful stop longer than the server does', () => {
  const shutdownS = DEFAULTS.server.shutdownTimeoutMs / 1000;
  const unit = readFileSync(UNIT, 'utf8');
  const compose = readFileSync(join(DEPLOY, 'compose.yaml'), 'utf8');
  const dockerfile = readFileSync(join(DEPLOY, 'Dockerfile'), 'utf8');
  const graces = {
    'warbler.service TimeoutStopSec': Number(/^TimeoutStopSec=(\d+)$/m.exec(unit)?.[1]),
    'compose.yaml stop_grace_period': Number(/^\s+stop_grace_period: (\d+)s$/m.exec(compose)?.[1]),
    'Dockerfile --stop-timeout': Number(/--stop-timeout (\d+)/.exec(dockerfile)?.[1]),
  };
  // The stop waits up to shutdownTimeoutMs for clients, after storing what it holds and before closing
  // the store: twice that and ten seconds more leaves room for a slow disk.
  for (const [where, s] of Object.entries(graces)) assert.ok(s >= 2 * shutdownS + 10, `${where} is ${s} s, for a ${shutdownS} s stop`);
  assert.match(dockerfile, /^STOPSIGNAL SIGTERM$/m);
  assert.match(compose, /^\s+stop_signal: SIGTERM$/m);
});
