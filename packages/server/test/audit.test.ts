import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { test, type TestContext } from 'node:test';
import type { AuditEntry } from '@warbler/protocol';
import { createLogger, loadConfig, startServer, type ConfigInput, type WarblerServer } from '../src/index.js';
import { createStore } from '../src/store/factory.js';
import { ok } from './group-helpers.js';
import { RawClient, adminFetch, apiKey, eventually, tempDir, uniqueName } from './helpers.js';

// Audit entries are checked through the admin API (`GET /api/admin/audit`), which stores pending
// entries before it reads: what a login recorded is there at once.

/** A server whose log lines are kept (at level info), with a temp data folder. */
async function loggedServer(t: TestContext, overrides: ConfigInput = {}): Promise<{ s: WarblerServer; lines: Record<string, unknown>[] }> {
  const dataDir = tempDir();
  const lines: Record<string, unknown>[] = [];
  const config = loadConfig({
    overrides: {
      ...overrides,
      dataDir,
      server: { port: 0, host: '127.0.0.1' },
      admin: { port: 0 },
      auth: { scryptCost: 1024, registration: 'open' },
      store: { sqlite: { synchronous: 'normal' } },
    },
  });
  const s = await startServer(
    config,
    createLogger('info', {}, (l) => lines.push(JSON.parse(l) as Record<string, unknown>)),
  );
  t.after(async () => {
    await s.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });
  return { s, lines };
}

async function connect(t: TestContext, s: WarblerServer): Promise<RawClient> {
  const c = await RawClient.open(s.wsUrl);
  t.after(() => c.close());
  await c.request('hello', { protocol: 1 });
  return c;
}

type Entries = { status: number; entries: AuditEntry[]; next?: number; code?: string };
async function audit(s: WarblerServer, key: string, query = ''): Promise<Entries> {
  const r = await adminFetch(s, `/api/admin/audit${query}`, { key });
  return {
    status: r.status,
    entries: (r.body.entries ?? []) as AuditEntry[],
    next: r.body.next as number | undefined,
    code: r.body.error?.code,
  };
}

test('logins, failed logins, registrations, password changes, revocations, logouts and admin actions are logged and stored, never a password or a token', async (t) => {
  const { s, lines } = await loggedServer(t);
  const reader = await s.apiKeys.create(['audit:read'], 'auditor', 'cli:test');
  const writerKey = await s.apiKeys.create(['users:write'], 'writer', 'cli:test');
  const writer = writerKey.key;
  const name = uniqueName('au');
  const c = await connect(t, s);
  const reg = await ok<{ user: { id: number }; token: string; deviceId: number }>(c, 'auth.register', {
    username: name,
    password: 'first-secret-1',
  });
  const id = reg.user.id;
  const c2 = await connect(t, s);
  assert.equal((await c2.request('auth.login', { username: name, password: 'wrong-secret-2' })).error?.code, 'invalid_credentials');
  // A password typed into the username field must not end up in the log.
  assert.equal(
    (await c2.request('auth.login', { username: 'hunter2secret', password: 'first-secret-1' })).error?.code,
    'invalid_credentials',
  );
  const login = await ok<{ token: string; deviceId: number }>(c2, 'auth.login', { username: name, password: 'first-secret-1' });
  await ok(c, 'account.password', { oldPassword: 'first-secret-1', newPassword: 'second-secret-3' });
  const c3 = await connect(t, s);
  const third = await ok<{ token: string; deviceId: number }>(c3, 'auth.login', { username: name, password: 'second-secret-3' });
  await ok(c, 'device.revoke', { deviceId: third.deviceId });
  await ok(c, 'auth.logout', {});
  assert.equal((await adminFetch(s, `/api/admin/users/${id}/disable`, { key: writer, method: 'POST' })).status, 200);
  assert.equal((await adminFetch(s, `/api/admin/users/${id}/enable`, { key: writer, method: 'POST' })).status, 200);
  assert.equal(await s.apiKeys.revoke(reader.id, 'cli:test'), true);
  const auditor = await apiKey(s, 'audit:read');

  const { entries } = await audit(s, auditor, `?user=${id}`);
  const shape = entries.reverse().map((e) => [e.event, e.detail?.reason ?? e.actor ?? null]);
  assert.deepEqual(shape, [
    ['register', null],
    ['login.failed', 'wrong_password'],
    ['login', null],
    ['password.change', null],
    ['login', null],
    ['device.revoke', null],
    ['logout', null],
    ['user.disable', `key:${writerKey.id}`],
    ['user.enable', `key:${writerKey.id}`],
  ]);
  const byEvent = (ev: string) => entries.filter((e) => e.event === ev);
  assert.equal(byEvent('register')[0]!.deviceId, reg.deviceId);
  assert.equal(byEvent('register')[0]!.ip, '127.0.0.1', 'the client address comes from the connection');
  assert.equal(byEvent('login')[0]!.deviceId, login.deviceId);
  assert.equal(byEvent('device.revoke')[0]!.deviceId, third.deviceId);
  assert.deepEqual(byEvent('password.change')[0]!.detail, { revokedDevices: 1 });
  assert.equal(byEvent('user.disable')[0]!.ip, '127.0.0.1');

  const unknown = (await audit(s, auditor, '?event=login.failed')).entries.find((e) => e.detail?.reason === 'unknown_user');
  assert.ok(unknown, 'an unknown username is recorded as such');
  assert.equal(unknown.userId, undefined);
  const keys = (await audit(s, auditor, '?event=apikey.create,apikey.revoke')).entries;
  assert.deepEqual(keys.map((e) => [e.event, e.actor, e.detail?.keyId]).reverse(), [
    ['apikey.create', 'cli:test', reader.id],
    ['apikey.create', 'cli:test', writerKey.id],
    ['apikey.revoke', 'cli:test', reader.id],
    ['apikey.create', 'cli:test', reader.id + 2],
  ]);

  // Every stored entry was also a log line "audit" with its event; no secret in either.
  const stored = (await audit(s, auditor, '?limit=1000')).entries;
  const logged = lines.filter((l) => l.msg === 'audit');
  for (const e of stored)
    assert.ok(
      logged.some((l) => l.event === e.event && l.at === e.at),
      `${e.event} was logged`,
    );
  const everything = JSON.stringify(stored) + JSON.stringify(logged);
  for (const secret of [
    'first-secret-1',
    'wrong-secret-2',
    'second-secret-3',
    'hunter2secret',
    reg.token,
    login.token,
    third.token,
    reader.key,
    writer,
    auditor,
  ])
    assert.ok(!everything.includes(secret), `a secret leaked: ${secret.slice(0, 8)}…`);
});

test('GET /api/admin/audit filters by user, event and time, pages with before; malformed parameters are 400 invalid_parameter', async (t) => {
  const { s } = await loggedServer(t);
  const key = await apiKey(s, 'audit:read');
  const t0 = Date.now();
  for (let i = 0; i < 7; i++) s.audit.record({ event: 'login', userId: 100 + (i % 2), ip: '10.0.0.1' });
  const all = await audit(s, key, '?event=login');
  assert.equal(all.entries.length, 7);
  assert.ok(
    all.entries.every((e, i) => i === 0 || e.id < all.entries[i - 1]!.id),
    'newest first',
  );
  assert.equal((await audit(s, key, '?event=login&user=101')).entries.length, 3);
  assert.equal((await audit(s, key, `?event=login&since=${t0}`)).entries.length, 7);
  assert.equal((await audit(s, key, `?event=login&until=${t0}`)).entries.length, 0);
  assert.equal(
    (await audit(s, key, `?event=login&since=2000-01-01&until=${new Date(Date.now() + 60_000).toISOString()}`)).entries.length,
    7,
  );

  const page1 = await audit(s, key, '?event=login&limit=4');
  assert.equal(page1.entries.length, 4);
  assert.equal(page1.next, page1.entries[3]!.id);
  const page2 = await audit(s, key, `?event=login&limit=4&before=${page1.next}`);
  assert.equal(page2.entries.length, 3);
  assert.equal(page2.next, undefined);
  assert.deepEqual(
    [...page1.entries, ...page2.entries].map((e) => e.id),
    all.entries.map((e) => e.id),
  );

  const bad = [
    'user=0',
    'user=abc',
    'user=1&user=2',
    'event=nope',
    'event=login,nope',
    'event=',
    'since=yesterday',
    'since=2026-13-45',
    'until=-5',
    `since=${t0 + 10}&until=${t0}`,
    'before=0',
    'limit=0',
    'limit=1001',
    'usr=1',
  ];
  for (const q of bad) {
    const r = await audit(s, key, `?${q}`);
    assert.equal(r.status, 400, q);
    assert.equal(r.code, 'invalid_parameter', q);
  }
  assert.equal((await audit(s, await apiKey(s, 'users:read', 'users:write'))).code, 'scope_missing');
  assert.equal((await audit(s, 'wbk_nope')).status, 401);
});

test('audit.retentionDays and audit.maxRows bound the stored log: the oldest entries go first', async (t) => {
  const { s } = await loggedServer(t, { audit: { retentionDays: 1, maxRows: 1000 } });
  const key = await apiKey(s, 'audit:read');
  const day = 86_400_000;
  await s.store.audit.append([
    { at: Date.now() - 2 * day, event: 'login', userId: 1 },
    { at: Date.now() - day - 60_000, event: 'login', userId: 2 },
    { at: Date.now() - day + 60_000, event: 'login', userId: 3 },
  ]);
  await s.audit.flush();
  assert.deepEqual(
    (await audit(s, key, '?event=login')).entries.map((e) => e.userId),
    [3],
    'older than a day: deleted',
  );

  for (let i = 0; i < 1100; i++) s.audit.record({ event: 'logout', userId: 10_000 + i });
  await s.audit.flush();
  const kept = await s.store.audit.query({ limit: 5000 });
  assert.ok(kept.length <= 1000, `at most maxRows entries (got ${kept.length})`);
  const logouts = kept.filter((e) => e.event === 'logout').map((e) => e.userId!);
  assert.equal(Math.max(...logouts), 11_099, 'the newest is kept');
  assert.ok(Math.min(...logouts) > 10_000, 'the oldest went');
});

test('entries are stored in batches within about a second, and a graceful stop stores what is pending', async (t) => {
  const dataDir = tempDir();
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const config = loadConfig({
    overrides: {
      dataDir,
      server: { port: 0, host: '127.0.0.1' },
      admin: { port: 0 },
      store: { sqlite: { synchronous: 'normal' } },
      log: { level: 'silent' },
    },
  });
  const s = await startServer(config);
  s.audit.record({ event: 'user.create', userId: 1, actor: 'cli:batch' });
  // Stored by the flush timer, without a query forcing it.
  await eventually(async () => assert.equal((await s.store.audit.query({ limit: 10 })).length, 1), 3000);
  s.audit.record({ event: 'user.create', userId: 2, actor: 'cli:batch' });
  await s.stop();
  const store = await createStore(config);
  t.after(() => store.close());
  assert.deepEqual(
    (await store.audit.query({ limit: 10 })).map((e) => e.userId),
    [2, 1],
  );
});
