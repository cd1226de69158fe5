import assert from 'node:assert/strict';
import { chmodSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { CONFIG_KEYS, ConfigError, DEFAULTS, envName, loadConfig, type LoadOptions } from '../src/config.js';
import { tempDir } from './helpers.js';

/** Writes `content` (an object as JSON, or text as is) to a config file in a temp folder. */
function configFile(t: TestContext, content: unknown): string {
  const dir = tempDir('warbler-config-');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'warbler.json');
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

/** Asserts that loadConfig(opts) throws a ConfigError whose message contains every one of `parts`. */
function rejects(opts: LoadOptions, ...parts: string[]): string {
  let message = '';
  assert.throws(
    () => loadConfig(opts),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
      message = e.message;
      for (const p of parts) assert.ok(e.message.includes(p), `message ${JSON.stringify(e.message)} should name ${JSON.stringify(p)}`);
      return true;
    },
  );
  return message;
}

test('with nothing given, the defaults apply', () => {
  const c = loadConfig();
  assert.deepEqual(c, DEFAULTS);
  assert.equal(c.server.port, 8080);
  assert.equal(c.dataDir, './data');
  assert.equal(c.store.driver, 'sqlite');
  assert.equal(c.bus.driver, 'memory');
  assert.equal(c.auth.registration, 'invite');
  assert.equal(c.server.allowedOrigins.length, 0, "only the server's own pages");
  assert.ok(c.gateway.idleTimeoutMs > c.gateway.heartbeatMs);
  // The result is a copy: changing it leaves the defaults (and the next load) alone.
  c.server.port = 1;
  c.server.allowedOrigins.push('https://x.example');
  assert.equal(loadConfig().server.port, 8080);
  assert.deepEqual(loadConfig().server.allowedOrigins, []);
});

test('the process environment is read only when passed', () => {
  // loadConfig never reads process.env by itself; the CLI passes it.
  assert.deepEqual(loadConfig({ env: {} }), DEFAULTS);
  assert.deepEqual(loadConfig({ env: { WARBLER_SERVER_PORT: undefined, OTHER: 'x' } }), DEFAULTS);
});

test('precedence: defaults < file < environment < overrides, key by key', (t) => {
  const file = configFile(t, {
    server: { port: 1111, host: '10.0.0.1' },
    dataDir: '/srv/file',
    auth: { tokenTtlDays: 7 },
    gateway: { heartbeatMs: 20000 },
  });
  const c = loadConfig({
    file,
    env: { WARBLER_SERVER_PORT: '2222', WARBLER_DATA_DIR: '/srv/env', WARBLER_AUTH_REGISTRATION: 'closed' },
    overrides: { server: { port: 3333 } },
  });
  assert.equal(c.server.port, 3333, 'overrides beat the environment');
  assert.equal(c.dataDir, '/srv/env', 'the environment beats the file');
  assert.equal(c.server.host, '10.0.0.1', 'file values the others leave alone stay');
  assert.equal(c.auth.tokenTtlDays, 7);
  assert.equal(c.gateway.heartbeatMs, 20000);
  assert.equal(c.auth.registration, 'closed', 'environment values the overrides leave alone stay');
  assert.equal(c.gateway.idleTimeoutMs, DEFAULTS.gateway.idleTimeoutMs, 'untouched keys keep their defaults');
  assert.equal(loadConfig({ file, env: { WARBLER_SERVER_PORT: '2222' } }).server.port, 2222);
  assert.equal(loadConfig({ file }).server.port, 1111);
});

test('environment names are the key path in upper snake case', () => {
  assert.equal(envName('gateway.maxFrameBytes'), 'WARBLER_GATEWAY_MAX_FRAME_BYTES');
  assert.equal(envName('server.port'), 'WARBLER_SERVER_PORT');
  assert.equal(envName('dataDir'), 'WARBLER_DATA_DIR');
  assert.equal(envName('auth.scryptCost'), 'WARBLER_AUTH_SCRYPT_COST');
  const names = CONFIG_KEYS.map(envName);
  assert.equal(new Set(names).size, names.length, 'no two keys share an environment name');
  for (const n of names) assert.match(n, /^WARBLER_[A-Z0-9_]+$/);

  const c = loadConfig({
    env: { WARBLER_GATEWAY_MAX_FRAME_BYTES: '65536', WARBLER_LOG_LEVEL: 'debug', WARBLER_STORE_SQLITE_SYNCHRONOUS: 'normal' },
  });
  assert.equal(c.gateway.maxFrameBytes, 65536);
  assert.equal(c.log.level, 'debug');
  assert.equal(c.store.sqlite.synchronous, 'normal');
});

test('a list setting from the environment is comma-separated', () => {
  const c = loadConfig({ env: { WARBLER_SERVER_ALLOWED_ORIGINS: 'https://chat.example.com, https://admin.example.com,' } });
  assert.deepEqual(c.server.allowedOrigins, ['https://chat.example.com', 'https://admin.example.com']);
  assert.deepEqual(loadConfig({ env: { WARBLER_SERVER_ALLOWED_ORIGINS: '*' } }).server.allowedOrigins, ['*']);
});

test('a bad value is a ConfigError naming the key and where it came from', (t) => {
  rejects({ env: { WARBLER_SERVER_PORT: 'abc' } }, 'server.port', 'WARBLER_SERVER_PORT', 'abc');
  rejects({ env: { WARBLER_SERVER_PORT: '99999' } }, 'server.port', 'WARBLER_SERVER_PORT', '65535');
  rejects({ env: { WARBLER_SERVER_PORT: '' } }, 'server.port', 'WARBLER_SERVER_PORT');
  rejects({ env: { WARBLER_SERVER_PORT: '80.5' } }, 'server.port', 'WARBLER_SERVER_PORT');
  rejects(
    { env: { WARBLER_AUTH_REGISTRATION: 'sometimes' } },
    'auth.registration',
    'WARBLER_AUTH_REGISTRATION',
    'open',
    'invite',
    'closed',
  );
  rejects({ env: { WARBLER_STORE_DRIVER: 'oracle' } }, 'store.driver', 'WARBLER_STORE_DRIVER');
  rejects({ overrides: { log: { level: 'loud' as 'info' } } }, 'log.level', 'overrides');
  const file = configFile(t, { server: { port: '8080' } });
  rejects({ file }, 'server.port', file, 'number');
  const listFile = configFile(t, { server: { allowedOrigins: 'https://a.example' } });
  rejects({ file: listFile }, 'server.allowedOrigins', listFile);
  // A good file with a bad environment value: the environment is named, not the file.
  const good = configFile(t, { server: { port: 9000 } });
  const msg = rejects({ file: good, env: { WARBLER_GATEWAY_HEARTBEAT_MS: '-5' } }, 'gateway.heartbeatMs', 'WARBLER_GATEWAY_HEARTBEAT_MS');
  assert.ok(!msg.includes(good));
});

test('an unknown key in a file is named', (t) => {
  const typo = configFile(t, { server: { prot: 9000 } });
  rejects({ file: typo }, 'server.prot', typo);
  const top = configFile(t, { colour: 'blue' });
  rejects({ file: top }, 'colour', top);
  const deep = configFile(t, { gateway: { limits: { x: 1 } } });
  rejects({ file: deep }, 'gateway.limits');
  rejects({ overrides: { server: { portt: 1 } } as never }, 'server.portt', 'overrides');
});

test('auth.scryptCost must be a power of two', () => {
  rejects({ env: { WARBLER_AUTH_SCRYPT_COST: '3000' } }, 'auth.scryptCost', 'power of two', 'WARBLER_AUTH_SCRYPT_COST');
  rejects({ overrides: { auth: { scryptCost: 20000 } } }, 'auth.scryptCost', 'power of two');
  rejects({ overrides: { auth: { scryptCost: 512 } } }, 'auth.scryptCost');
  assert.equal(loadConfig({ env: { WARBLER_AUTH_SCRYPT_COST: '4096' } }).auth.scryptCost, 4096);
  assert.equal(loadConfig({ overrides: { auth: { scryptCost: 1048576 } } }).auth.scryptCost, 1048576);
});

test('gateway.idleTimeoutMs must be greater than gateway.heartbeatMs', () => {
  rejects({ overrides: { gateway: { heartbeatMs: 30000, idleTimeoutMs: 30000 } } }, 'gateway.idleTimeoutMs', 'gateway.heartbeatMs');
  rejects({ overrides: { gateway: { heartbeatMs: 30000, idleTimeoutMs: 10000 } } }, 'gateway.idleTimeoutMs');
  // Raising only the heartbeat past the default idle timeout is caught too.
  rejects({ env: { WARBLER_GATEWAY_HEARTBEAT_MS: '90000' } }, 'gateway.idleTimeoutMs');
  const c = loadConfig({ overrides: { gateway: { heartbeatMs: 30000, idleTimeoutMs: 30001 } } });
  assert.equal(c.gateway.idleTimeoutMs, 30001);
});

test('a missing, unreadable or non-JSON file is rejected, naming the file', (t) => {
  const dir = tempDir('warbler-config-');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const missing = join(dir, 'nope.json');
  rejects({ file: missing }, missing);
  const notJson = configFile(t, '{ server: { port: 80 } ');
  rejects({ file: notJson }, notJson);
  const array = configFile(t, '[1, 2]');
  rejects({ file: array }, array, 'object');
  const nul = configFile(t, 'null');
  rejects({ file: nul }, nul);
  rejects({ file: dir }, dir); // a folder, not a file
  if (process.getuid?.() !== 0) {
    const locked = configFile(t, { server: { port: 80 } });
    chmodSync(locked, 0o000);
    rejects({ file: locked }, locked);
  }
  // An empty JSON object is fine: defaults.
  assert.deepEqual(loadConfig({ file: configFile(t, '{}') }), DEFAULTS);
});

test('server.trustedProxies takes IP addresses only; the limits and policies of issue 9 are checked like any key', () => {
  assert.deepEqual(loadConfig({ env: { WARBLER_SERVER_TRUSTED_PROXIES: '127.0.0.1, ::1' } }).server.trustedProxies, ['127.0.0.1', '::1']);
  rejects({ env: { WARBLER_SERVER_TRUSTED_PROXIES: '127.0.0.1,nginx.local' } }, 'server.trustedProxies', 'nginx.local', 'IP');
  rejects({ overrides: { server: { trustedProxies: ['10.0.0.0/8'] } } }, 'server.trustedProxies', '10.0.0.0/8');
  rejects({ env: { WARBLER_MESSAGES_DIRECT_FROM: 'friends' } }, 'messages.directFrom', 'anyone', 'contacts');
  rejects({ env: { WARBLER_GATEWAY_MAX_CONNECTIONS_PER_IP: '-1' } }, 'gateway.maxConnectionsPerIp');
  rejects({ env: { WARBLER_DIRECTORY_SEARCH_MIN_CHARS: '0' } }, 'directory.searchMinChars');
  rejects({ env: { WARBLER_DIRECTORY_LOOKUPS_PER_HOUR: '0' } }, 'directory.lookupsPerHour');
  assert.equal(
    loadConfig({ env: { WARBLER_AUTH_FAILED_LOGINS_PER_IP_PER_HOUR: '0' } }).auth.failedLoginsPerIpPerHour,
    0,
    '0 turns a limit off',
  );
});
