import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { test } from 'node:test';
import { DEFAULTS, loadConfig } from '../src/config.js';
import { apiKey, startTestServer, tempDir } from './helpers.js';

const ADMIN_PATHS = ['/metrics', '/api/admin/users', '/api/admin/audit', '/api/admin/users/1/disable'];

test('by default the admin listener is on 127.0.0.1:9090 and the public port serves neither /metrics nor the admin API', async (t) => {
  const d = loadConfig();
  assert.deepEqual(d.admin, { listener: 'on', host: '127.0.0.1', port: 9090, publicPaths: 'none' });
  assert.deepEqual(DEFAULTS.audit, { retentionDays: 90, maxRows: 1_000_000 });

  const s = await startTestServer();
  t.after(() => s.close());
  assert.match(s.adminUrl!, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.notEqual(new URL(s.adminUrl!).port, String(s.port));
  const key = await apiKey(s, 'users:read', 'users:write', 'metrics:read', 'audit:read');
  for (const path of ADMIN_PATHS)
    for (const method of ['GET', 'POST']) {
      // Even with a key that has every scope: the public port does not have these paths at all.
      const r = await fetch(`${s.url}${path}`, { method, headers: { authorization: `Bearer ${key}` } });
      assert.equal(r.status, 404, `${method} ${path}`);
      assert.equal(((await r.json()) as { error: { code: string } }).error.code, 'not_found');
    }
  assert.equal(await s.store.getUserById(1), undefined, 'the POSTs created nothing');

  // The admin listener: /metrics without a key, health, and the admin API with one.
  const metrics = await fetch(`${s.adminUrl}/metrics`);
  assert.equal(metrics.status, 200);
  assert.match(await metrics.text(), /^# TYPE warbler_connections gauge$/m);
  for (const path of ['/healthz', '/readyz']) {
    assert.equal((await fetch(`${s.adminUrl}${path}`)).status, 200, `admin ${path}`);
    assert.equal((await fetch(`${s.url}${path}`)).status, 200, `public ${path}: load balancers need it`);
  }
  assert.equal((await fetch(`${s.adminUrl}/api/admin/users`, { headers: { authorization: `Bearer ${key}` } })).status, 200);
  assert.equal((await fetch(`${s.adminUrl}/api/admin/users`)).status, 401);
  // The admin listener is not a WebSocket endpoint, nor does it show the public banner.
  assert.equal((await fetch(`${s.adminUrl}/`)).status, 404);
});

test('admin.publicPaths "metrics" serves /metrics on the public port to a metrics:read key only; the admin API stays off it', async (t) => {
  const s = await startTestServer({ admin: { publicPaths: 'metrics' } });
  t.after(() => s.close());
  const reader = await apiKey(s, 'metrics:read');
  const other = await apiKey(s, 'users:read', 'users:write', 'audit:read');
  const get = (key?: string) => fetch(`${s.url}/metrics`, key ? { headers: { authorization: `Bearer ${key}` } } : {});
  const none = await get();
  assert.equal(none.status, 401);
  assert.equal(((await none.json()) as { error: { code: string } }).error.code, 'unauthorized');
  const wrong = await get(other);
  assert.equal(wrong.status, 403);
  assert.equal(((await wrong.json()) as { error: { code: string } }).error.code, 'scope_missing');
  const bad = await get('wbk_made-up');
  assert.equal(bad.status, 401);
  assert.equal(((await bad.json()) as { error: { code: string } }).error.code, 'api_key_invalid');
  const ok = await get(reader);
  assert.equal(ok.status, 200);
  assert.match(await ok.text(), /warbler_messages_in_total/);
  assert.equal((await fetch(`${s.url}/api/admin/users`, { headers: { authorization: `Bearer ${other}` } })).status, 404);
  assert.equal((await fetch(`${s.adminUrl}/metrics`)).status, 200, 'the admin listener still serves it without a key');
});

test('admin.publicPaths "all" serves the admin API on the public port too, with the same keys and errors', async (t) => {
  const s = await startTestServer({ admin: { publicPaths: 'all' } });
  t.after(() => s.close());
  const key = await apiKey(s, 'users:read');
  assert.equal((await fetch(`${s.url}/api/admin/users`)).status, 401);
  const r = await fetch(`${s.url}/api/admin/users`, { headers: { authorization: `Bearer ${key}` } });
  assert.equal(r.status, 200);
  assert.ok(Array.isArray(((await r.json()) as { users: unknown[] }).users));
  assert.equal((await fetch(`${s.url}/metrics`, { headers: { authorization: `Bearer ${key}` } })).status, 403);
});

test('admin.listener "off": no admin listener, and the public port still keeps the admin surface to itself', async (t) => {
  const s = await startTestServer({ admin: { listener: 'off' } });
  t.after(() => s.close());
  assert.equal(s.adminUrl, undefined);
  for (const path of ADMIN_PATHS) assert.equal((await fetch(`${s.url}${path}`)).status, 404, path);
});

test('admin.port equal to server.port, or out of range, and a bad admin.listener or publicPaths stop the start naming the key', () => {
  assert.throws(
    () => loadConfig({ overrides: { server: { port: 9000 }, admin: { port: 9000 } } }),
    /admin\.port must differ from server\.port/,
  );
  assert.doesNotThrow(() => loadConfig({ overrides: { server: { port: 9000 }, admin: { port: 9000, listener: 'off' } } }));
  assert.doesNotThrow(() => loadConfig({ overrides: { server: { port: 0 }, admin: { port: 0 } } }), 'two free ports');
  assert.throws(
    () => loadConfig({ env: { WARBLER_ADMIN_PORT: '70000' } }),
    /admin\.port must be an integer from 0 to 65535 .*WARBLER_ADMIN_PORT/,
  );
  assert.throws(() => loadConfig({ env: { WARBLER_ADMIN_LISTENER: 'maybe' } }), /admin\.listener must be one of on, off/);
  assert.throws(
    () => loadConfig({ env: { WARBLER_ADMIN_PUBLIC_PATHS: 'everything' } }),
    /admin\.publicPaths must be one of none, metrics, all/,
  );
  assert.throws(() => loadConfig({ env: { WARBLER_AUDIT_RETENTION_DAYS: '0' } }), /audit\.retentionDays must be an integer from 1 to 3650/);
  assert.throws(() => loadConfig({ env: { WARBLER_AUDIT_MAX_ROWS: '999' } }), /audit\.maxRows must be an integer from 1000/);
  assert.equal(loadConfig({ env: { WARBLER_ADMIN_HOST: '' } }).admin.host, '', 'empty: every interface');
});

test('a taken admin port fails the start with EADDRINUSE', async (t) => {
  const first = await startTestServer();
  t.after(() => first.close());
  const taken = Number(new URL(first.adminUrl!).port);
  const dir = tempDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  await assert.rejects(startTestServer({ admin: { port: taken } }, dir), /EADDRINUSE/);
});
