import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { Agent, get } from 'node:http';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { Value } from '@sinclair/typebox/value';
import { CONFIG_SCHEMA, ConfigError, DEFAULTS, loadConfig, type ConfigInput, type LoadOptions } from '../src/config.js';
import { loadSettings, type LoadOptions as SettingsOptions } from '../src/config/load.js';
import { bool, section } from '../src/config/setting.js';
import { RawClient, runCli, startTestServer, tempDir, uniqueName } from './helpers.js';

/** Writes `content` as JSON to a config file in a temp folder. */
function configFile(t: TestContext, content: unknown): string {
  const dir = tempDir('warbler-config-');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'warbler.json');
  writeFileSync(file, JSON.stringify(content));
  return file;
}

/** The message of the ConfigError that `load` throws. */
function errorOf(load: () => unknown): string {
  try {
    load();
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
    return e.message;
  }
  return assert.fail('expected a ConfigError');
}

/** loadConfig(opts), with the deprecation messages it reported. */
function loadWithWarnings(opts: LoadOptions): { config: ReturnType<typeof loadConfig>; warnings: string[] } {
  const warnings: string[] = [];
  const config = loadConfig({ ...opts, onDeprecated: (m) => warnings.push(m) });
  return { config, warnings };
}

test('the loaded configuration and the defaults pass the schema', () => {
  assert.ok(Value.Check(CONFIG_SCHEMA, DEFAULTS));
  assert.ok(Value.Check(CONFIG_SCHEMA, loadConfig({ env: { WARBLER_STORE_SQLITE_CACHE_MB: '64' } })));
});

test('the SQLite settings nest under store.sqlite, in a file and in the environment', (t) => {
  const file = configFile(t, { store: { sqlite: { cacheMb: 64, synchronous: 'normal' } } });
  const c = loadConfig({ file, env: { WARBLER_STORE_SQLITE_MMAP_MB: '256', WARBLER_STORE_SQLITE_FILE: 'chat.db' } });
  assert.deepEqual(c.store.sqlite, { file: 'chat.db', synchronous: 'normal', checkpointPages: 1000, cacheMb: 64, mmapMb: 256 });
  const bad = configFile(t, { store: { sqlite: { cacheMb: 0 } } });
  assert.equal(
    errorOf(() => loadConfig({ file: bad })),
    `config: store.sqlite.cacheMb must be an integer from 1 to 65536 (got 0 from ${bad})`,
  );
  assert.match(
    errorOf(() => loadConfig({ file: configFile(t, { store: { sqlite: { wal: true } } }) })),
    /store\.sqlite\.wal is not a known setting/,
  );
});

test('a section given as something else than an object is named', (t) => {
  const file = configFile(t, { store: { sqlite: 5 } });
  assert.equal(
    errorOf(() => loadConfig({ file })),
    `config: store.sqlite is a section: it must be an object of settings (got 5 from ${file})`,
  );
  assert.match(
    errorOf(() => loadConfig({ overrides: { server: 'x' as never } })),
    /config: server is a section/,
  );
});

test('a renamed key still works, with one deprecation message naming the new key; no message without one', (t) => {
  const file = configFile(t, { store: { sqliteCacheMb: 64, sqliteSynchronous: 'normal' }, 'store.sqliteFile': 'old.db' });
  const { config, warnings } = loadWithWarnings({ file });
  assert.equal(config.store.sqlite.cacheMb, 64);
  assert.equal(config.store.sqlite.synchronous, 'normal');
  assert.equal(config.store.sqlite.file, 'old.db');
  assert.deepEqual(warnings, [
    `config: store.sqliteCacheMb is deprecated; use store.sqlite.cacheMb (from ${file})`,
    `config: store.sqliteSynchronous is deprecated; use store.sqlite.synchronous (from ${file})`,
    `config: store.sqliteFile is deprecated; use store.sqlite.file (from ${file})`,
  ]);
  // Later sources override an old name like the new one.
  const over = loadWithWarnings({ file, env: { WARBLER_STORE_SQLITE_CACHE_MB: '128' } });
  assert.equal(over.config.store.sqlite.cacheMb, 128);
  assert.deepEqual(loadWithWarnings({ file: configFile(t, { store: { sqlite: { cacheMb: 64 } } }) }).warnings, []);
});

test('a renamed key is checked like the new one, and cannot be given with it', (t) => {
  const bad = configFile(t, { store: { sqliteCacheMb: 0 } });
  assert.equal(
    errorOf(() => loadWithWarnings({ file: bad })),
    `config: store.sqliteCacheMb (now store.sqlite.cacheMb) must be an integer from 1 to 65536 (got 0 from ${bad})`,
  );
  const both = configFile(t, { store: { sqlite: { cacheMb: 32 }, sqliteCacheMb: 64 } });
  assert.equal(
    errorOf(() => loadConfig({ file: both })),
    `config: store.sqlite.cacheMb and store.sqliteCacheMb are the same setting; give only store.sqlite.cacheMb (from ${both})`,
  );
  // No deprecation message when the load fails.
  const warnings: string[] = [];
  errorOf(() =>
    loadConfig({ file: configFile(t, { store: { sqliteCacheMb: 64 }, server: { port: -1 } }), onDeprecated: (m) => warnings.push(m) }),
  );
  assert.deepEqual(warnings, []);
});

test('booleans are checked: only true or false, from a file or as `true`/`false` text in the environment', (t) => {
  const schema = section({ feature: section({ enabled: bool(false, 'Turns the feature on.') }) });
  const load = (opts: SettingsOptions) => loadSettings(schema, opts).values as { feature: { enabled: boolean } };
  assert.equal(load({}).feature.enabled, false, 'the default');
  assert.equal(load({ env: { WARBLER_FEATURE_ENABLED: 'true' } }).feature.enabled, true);
  assert.equal(load({ env: { WARBLER_FEATURE_ENABLED: 'false' }, overrides: {} }).feature.enabled, false);
  assert.equal(load({ file: configFile(t, { feature: { enabled: true } }) }).feature.enabled, true);
  assert.equal(
    errorOf(() => load({ env: { WARBLER_FEATURE_ENABLED: 'yes' } })),
    'config: feature.enabled must be true or false (got "yes" from WARBLER_FEATURE_ENABLED)',
  );
  assert.match(
    errorOf(() => load({ env: { WARBLER_FEATURE_ENABLED: '1' } })),
    /feature\.enabled must be true or false \(got "1"/,
  );
  const file = configFile(t, { feature: { enabled: 'yes' } });
  assert.equal(
    errorOf(() => load({ file })),
    `config: feature.enabled must be true or false (got "yes" from ${file})`,
  );
  assert.match(
    errorOf(() => load({ overrides: { feature: { enabled: 0 } } })),
    /feature\.enabled must be true or false \(got 0 from overrides\)/,
  );
});

test('the login throttle is configurable: ranges, and the longest delay at least the first', () => {
  const c = loadConfig({ env: { WARBLER_AUTH_LOGIN_THROTTLE_FREE_FAILURES: '10', WARBLER_AUTH_LOGIN_THROTTLE_MAX_DELAY_MS: '60000' } });
  assert.equal(c.auth.loginThrottle.freeFailures, 10);
  assert.equal(c.auth.loginThrottle.maxDelayMs, 60000);
  assert.deepEqual(DEFAULTS.auth.loginThrottle, { freeFailures: 5, baseDelayMs: 1000, maxDelayMs: 900000, resetAfterHours: 24 });
  assert.equal(
    errorOf(() => loadConfig({ env: { WARBLER_AUTH_LOGIN_THROTTLE_FREE_FAILURES: '0' } })),
    'config: auth.loginThrottle.freeFailures must be an integer from 1 to 1000 (got 0 from WARBLER_AUTH_LOGIN_THROTTLE_FREE_FAILURES)',
  );
  assert.equal(
    errorOf(() => loadConfig({ overrides: { auth: { loginThrottle: { baseDelayMs: 1000, maxDelayMs: 500 } } } })),
    'config: auth.loginThrottle.maxDelayMs must be at least auth.loginThrottle.baseDelayMs (got 500)',
  );
});

test('auth.loginThrottle settings take effect: with 2 free failures, the third login of a username waits', async (t) => {
  const s = await startTestServer({ auth: { loginThrottle: { freeFailures: 2, baseDelayMs: 60_000 } } });
  t.after(() => s.close());
  const open = async () => {
    const c = await RawClient.open(s.wsUrl);
    t.after(() => c.close());
    await c.request('hello', { protocol: 1 });
    return c;
  };
  const username = uniqueName('throttled');
  assert.equal((await (await open()).request('auth.register', { username, password: 'right-password' })).ok, true);
  const c = await open();
  const code = async (password: string) => {
    const r = await c.request('auth.login', { username, password });
    return r.ok ? 'ok' : r.error?.code;
  };
  assert.equal(await code('wrong-1'), 'invalid_credentials');
  assert.equal(await code('wrong-2'), 'invalid_credentials');
  // The default (5 free failures) would check this one and let it in.
  assert.equal(await code('right-password'), 'rate_limited');
});

test('the CLI logs a renamed key once, as a warning, and uses its value', async (t) => {
  const dataDir = tempDir();
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const file = configFile(t, { store: { sqliteSynchronous: 'normal' } });
  const r = await runCli(['user', 'list', '--data-dir', dataDir, '--config', file]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stderr.trim().split('\n').filter(Boolean);
  assert.equal(lines.length, 1, r.stderr);
  const line = JSON.parse(lines[0]!) as { level: string; msg: string };
  assert.equal(line.level, 'warn');
  assert.equal(line.msg, `config: store.sqliteSynchronous is deprecated; use store.sqlite.synchronous (from ${file})`);
});

test('server.keepAliveTimeoutMs is the idle keep-alive time of the public port, announced in the Keep-Alive header', async (t) => {
  const keepAlive = async (overrides: ConfigInput): Promise<string | undefined> => {
    const s = await startTestServer(overrides);
    t.after(() => s.close());
    const agent = new Agent({ keepAlive: true });
    t.after(() => agent.destroy());
    return new Promise((resolve, reject) => {
      get(s.url + '/healthz', { agent }, (res) => {
        res.resume();
        res.on('end', () => resolve(String(res.headers['keep-alive'])));
      }).on('error', reject);
    });
  };
  assert.equal(await keepAlive({}), 'timeout=5', 'the default: 5 s');
  assert.equal(await keepAlive({ server: { keepAliveTimeoutMs: 65000 } }), 'timeout=65');
});
