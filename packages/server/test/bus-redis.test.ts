import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import type { ClusterMessage } from '../src/bus/bus.js';
import type { RedisBus } from '../src/bus/bus-redis.js';
import { ConfigError, createLogger, loadConfig } from '../src/index.js';
import { createBus } from '../src/bus/factory.js';
import { busContract } from './bus.contract.js';
import { busCoherenceContract } from './bus-coherence.contract.js';
import { eventually, tempDir } from './helpers.js';
import { PrivateRedis, SHARED_REDIS, deleteUnder, freePort, keysUnder, openTestBus, redisSettings, uniquePrefix } from './redis-helpers.js';

/** `n` nodes on the shared Redis under a prefix of their own; the cleanup checks they left nothing behind. */
async function redisNodes(n: number) {
  const settings = redisSettings();
  const buses: RedisBus[] = [];
  for (let i = 0; i < n; i++) buses.push(await openTestBus(settings));
  return {
    buses,
    cleanup: async () => {
      await Promise.all(buses.map((b) => b.close()));
      // Every node left: the registry is empty again (then the prefix is cleared, in case an assertion failed).
      const left = await keysUnder(settings.url, settings.keyPrefix);
      await deleteUnder(settings.url, settings.keyPrefix);
      assert.deepEqual(
        left.filter((k) => !k.startsWith(`${settings.keyPrefix}counter:`)),
        [],
        'nodes that left leave no keys behind (but the shared counters, which expire by themselves)',
      );
    },
  };
}

busContract('Redis', redisNodes);
busCoherenceContract('Redis', redisNodes);

test('Redis bus: a node killed without leaving drops out of the registry within the TTL; a remaining node announces its users offline', async (t) => {
  const settings = redisSettings(SHARED_REDIS, uniquePrefix(), 1000);
  t.after(() => deleteUnder(settings.url, settings.keyPrefix));
  const survivor = await openTestBus(settings);
  t.after(() => survivor.close());
  const offline: ClusterMessage[] = [];
  survivor.on('presence', (m) => offline.push(m));
  await survivor.online.connect(survivor.node, 2, 21);

  // Another process registers users 1 (only there) and 2 (on both), says so, and is SIGKILLed.
  const busModule = fileURLToPath(new URL('../src/bus/bus-redis-open.js', import.meta.url));
  const child = spawn(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `const { openRedisBus } = await import(${JSON.stringify(busModule)});
       const bus = await openRedisBus(${JSON.stringify(settings)}, { info() {}, warn() {}, error() {}, debug() {} }, () => {});
       await bus.online.connect(bus.node, 1, 10);
       await bus.online.connect(bus.node, 2, 20);
       process.stdout.write(bus.node + '\\n');
       setInterval(() => {}, 1000);`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  t.after(() => child.kill('SIGKILL'));
  const node = await new Promise<string>((resolve) => child.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim())));
  assert.deepEqual([...(await survivor.online.onlineAmong([1, 2, 3]))].sort(), [1, 2]);
  child.kill('SIGKILL');

  await eventually(
    () =>
      assert.deepEqual(
        offline.map((m) => m.t === 'presence' && [m.user, m.online]),
        [[1, false]],
      ),
    10_000,
  );
  // (Within the TTL plus a third, the sweep period: not asserted here, as the tests assert no timings.)
  assert.deepEqual([...(await survivor.online.onlineAmong([1, 2]))], [2]);
  assert.deepEqual(await survivor.online.devicesOf(2), [{ device: 21, node: survivor.node }]);
  assert.ok(!(await keysUnder(settings.url, settings.keyPrefix)).some((k) => k.includes(node)), "the dead node's keys are gone");
});

test('Redis bus: a wrong URL or an unreachable Redis fails the start with one line naming bus.redis.url', async () => {
  const logger = createLogger('silent');
  const configOf = (url: string) => loadConfig({ overrides: { bus: { driver: 'redis', redis: { url } } } });
  for (const [url, expected] of [
    ['http://127.0.0.1:6379', /^config: bus\.redis\.url must be redis:\/\//],
    ['redis://127.0.0.1:6379/notanumber', /^config: bus\.redis\.url must be/],
    ['redis://127.0.0.1:1', /^config: bus\.redis\.url: cannot use Redis at redis:\/\/127\.0\.0\.1:1: .*ECONNREFUSED/],
    ['redis://127.0.0.1:6379/99999', /^config: bus\.redis\.url: cannot use Redis at redis:\/\/127\.0\.0\.1:6379\/99999: .*DB index/],
  ] as const) {
    const err = await createBus(configOf(url), logger).then(
      async (bus) => {
        await bus.close();
        return undefined;
      },
      (e: unknown) => e,
    );
    assert.ok(err instanceof ConfigError, `${url}: ${String(err)}`);
    assert.match(err.message, expected);
    assert.ok(!err.message.includes('\n') && !err.message.includes('ECONNREFUSED\n'), err.message);
  }
});

test('Redis bus through Sentinel: the nodes ask the Sentinel for the primary, and messages and the registry work there', async (t) => {
  const primary = await PrivateRedis.start();
  t.after(() => primary.stop());
  const dir = tempDir('warbler-sentinel-');
  const port = await freePort();
  writeFileSync(join(dir, 'sentinel.conf'), `port ${port}\nbind 127.0.0.1\nsentinel monitor warbler-test 127.0.0.1 ${primary.port} 1\n`);
  const sentinel = spawn('redis-server', [join(dir, 'sentinel.conf'), '--sentinel'], { stdio: 'ignore' });
  t.after(() => {
    sentinel.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  // The URL's host is not used with Sentinels (nothing listens on port 1).
  const settings = { ...redisSettings('redis://127.0.0.1:1'), sentinels: [`127.0.0.1:${port}`], sentinelName: 'warbler-test' };
  const [a, b] = await eventually(async () => [await openTestBus(settings), await openTestBus(settings)], 10_000);
  t.after(() => Promise.all([a!.close(), b!.close()]));
  const got: string[] = [];
  b!.attach({ deliver: (_users, payload) => got.push(payload) });
  assert.equal(await b!.online.connect(b!.node, 5, 50), true);
  a!.deliver([5], 'via the primary the Sentinel named');
  await eventually(() => assert.deepEqual(got, ['via the primary the Sentinel named']));
  assert.ok((await keysUnder(primary.url, settings.keyPrefix)).includes(`${settings.keyPrefix}u:5`), 'the registry is on the primary');
});
