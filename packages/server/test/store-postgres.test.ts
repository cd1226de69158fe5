import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import postgres from 'postgres';
import { ConfigError, loadConfig } from '../src/config.js';
import { createStore } from '../src/store/factory.js';
import { MIGRATIONS } from '../src/store/sql/migrations.js';
import { PostgresClient, toPostgresSql } from '../src/store/sql/sql-client-postgres.js';
import { SqlStore } from '../src/store/sql/store-sql.js';
import type { NewMessage, Store, UserRow } from '../src/store/store.js';
import { appendAll } from './append-all.js';
import { cli, dataDir } from './cli-helpers.js';
import { createDatabase, databaseUrl, dropDatabase, uniqueDatabaseName } from './postgres-test-db.js';
import { storeContract } from './store.contract.js';

const openPostgres = (url: string, poolSize = 4): SqlStore => new SqlStore(new PostgresClient({ url, poolSize, connectTimeoutMs: 10_000 }));
const closeQuietly = (store: Store): Promise<void> => store.close().catch(() => undefined);

/** A fresh database, dropped after the test (after `stores`, which the test opens on it, are closed). */
async function freshDatabase(t: TestContext): Promise<{ url: string; stores: Store[] }> {
  const name = uniqueDatabaseName();
  const url = await createDatabase(name);
  const stores: Store[] = [];
  t.after(async () => {
    await Promise.all(stores.map(closeQuietly));
    await dropDatabase(name);
  });
  return { url, stores };
}

/** `n` stores (as `n` server processes would have) on one fresh, migrated database. */
async function severalStores(t: TestContext, n: number): Promise<Store[]> {
  const { url, stores } = await freshDatabase(t);
  for (let i = 0; i < n; i++) stores.push(openPostgres(url));
  await stores[0]!.migrate();
  return stores;
}

storeContract('postgres', async () => {
  const name = uniqueDatabaseName();
  const store = openPostgres(await createDatabase(name));
  return {
    store,
    cleanup: async () => {
      await closeQuietly(store);
      await dropDatabase(name);
    },
  };
});

test('postgres: `?` becomes $n and camelCase aliases are quoted, outside quoted text only', () => {
  assert.equal(
    toPostgresSql(`SELECT a AS lastSeq, b AS plain, 'x?' AS "q?", c as readSeq FROM t WHERE x = ? AND y = 'it''s ?' AND z IN (?, ?)`),
    `SELECT a AS "lastSeq", b AS plain, 'x?' AS "q?", c AS "readSeq" FROM t WHERE x = $1 AND y = 'it''s ?' AND z IN ($2, $3)`,
  );
});

test('postgres: the factory connects, migrates, and gives BIGINT columns back as numbers', async (t) => {
  const { url, stores } = await freshDatabase(t);
  const store = await createStore(loadConfig({ overrides: { store: { driver: 'postgres', postgres: { url, poolSize: 2 } } } }));
  stores.push(store);
  const u = await store.createUser({
    username: 'ann',
    displayName: 'Ann',
    passwordHash: 'h',
    isAdmin: false,
    createdAt: 1_700_000_000_123,
  });
  assert.deepEqual(await store.getUserByUsername('ann'), u);
  assert.equal(typeof (await store.getUserById(u.id))?.createdAt, 'number');
});

test('postgres: several processes starting at once on an empty database migrate it once', async (t) => {
  const { url, stores } = await freshDatabase(t);
  for (let i = 0; i < 5; i++) stores.push(openPostgres(url, 2));
  await Promise.all(stores.map((s) => s.migrate()));
  const sql = postgres(url, { max: 1 });
  t.after(() => sql.end());
  const rows = await sql`SELECT version FROM schema_migrations ORDER BY version`;
  assert.deepEqual(
    rows.map((r) => Number(r.version)),
    MIGRATIONS.map((m) => m.version),
  );
  const u = await stores[4]!.createUser({ username: 'z', displayName: 'Z', passwordHash: 'h', isAdmin: false, createdAt: 1 });
  assert.deepEqual(await stores[0]!.getUserById(u.id), u);
});

test('postgres: a database migrated by a newer Warbler stops the start with one line naming store.postgres.url', async (t) => {
  const { url, stores } = await freshDatabase(t);
  const first = openPostgres(url);
  stores.push(first);
  await first.migrate();
  const newer = MIGRATIONS.at(-1)!.version + 1;
  const sql = postgres(url, { max: 1 });
  t.after(() => sql.end());
  await sql`INSERT INTO schema_migrations (version, name, applied_at) VALUES (${newer}, 'from the future', 1)`;
  const config = loadConfig({ overrides: { store: { driver: 'postgres', postgres: { url } } } });
  await assert.rejects(createStore(config), (e: Error) => {
    assert.ok(e instanceof ConfigError);
    assert.match(e.message, /^config: store\.postgres\.url: the database schema is at version \d+, newer than this Warbler knows \(\d+\)/);
    assert.doesNotMatch(e.message, /\n/);
    return true;
  });
});

test('postgres: a wrong host, database or user stops the start with one line naming store.postgres.url, no password shown', async () => {
  const wrong = (url: string) => loadConfig({ overrides: { store: { driver: 'postgres', postgres: { url, connectTimeoutMs: 3000 } } } });
  const good = new URL(databaseUrl('postgres'));
  const cases = [
    { url: `postgres://nobody:secret@127.0.0.1:1/x`, why: /cannot connect to PostgreSQL at nobody@127\.0\.0\.1:1\/x: .*ECONNREFUSED/ },
    { url: databaseUrl(uniqueDatabaseName()), why: /database "warbler_test_[0-9a-f]+" does not exist/ },
    { url: `postgres://no_such_role_w:secret@${good.host}/postgres`, why: /no_such_role_w/ },
    { url: '', why: /store\.postgres\.url must be set when store\.driver is postgres/ },
  ];
  for (const c of cases)
    await assert.rejects(createStore(wrong(c.url)), (e: Error) => {
      assert.ok(e instanceof ConfigError, String(e));
      assert.match(e.message, /^config: store\.postgres\.url/);
      assert.match(e.message, c.why);
      assert.doesNotMatch(e.message, /secret|\n/);
      return true;
    });
});

test('postgres: `warbler serve` with wrong credentials exits with one line naming store.postgres.url, no stack trace', async (t) => {
  const r = await cli(['serve', '--host', '127.0.0.1', '--port', '0', '--data-dir', dataDir(t)], {
    env: {
      WARBLER_ADMIN_PORT: '0',
      WARBLER_LOG_LEVEL: 'silent',
      WARBLER_STORE_DRIVER: 'postgres',
      WARBLER_STORE_POSTGRES_URL: `postgres://no_such_role_w:secret@${new URL(databaseUrl('postgres')).host}/postgres`,
    },
    timeoutMs: 60_000,
  });
  assert.equal(r.code, 2, r.stderr);
  assert.match(
    r.stderr,
    /^config: store\.postgres\.url: cannot connect to PostgreSQL at no_such_role_w@127\.0\.0\.1:5432\/postgres: .*no_such_role_w.*\n$/,
  );
  assert.equal(r.stderr.split('\n').length, 2, 'one line');
  assert.doesNotMatch(r.stderr, /secret/);
});

/** Users a and b, and a message factory for their conversation. */
async function pair(store: Store): Promise<{ a: UserRow; b: UserRow; conv: string; msg: (from: UserRow, clientId: string) => NewMessage }> {
  const mk = (username: string) => store.createUser({ username, displayName: username, passwordHash: 'h', isAdmin: false, createdAt: 1 });
  const [a, b] = [await mk('a'), await mk('b')];
  const conv = `d:${a.id}:${b.id}`;
  return {
    a,
    b,
    conv,
    msg: (from, clientId) => ({
      conv,
      members: [a.id, b.id],
      senderId: from.id,
      clientId,
      kind: 'text',
      body: JSON.stringify({ text: `text ${clientId}` }),
      createdAt: 10,
    }),
  };
}

test('postgres: many writers on the same conversations keep every sequence gapless, ordered and acknowledged once', async (t) => {
  const stores = await severalStores(t, 4);
  const { a, b, conv, msg } = await pair(stores[0]!);
  const mk = (username: string) =>
    stores[0]!.createUser({ username, displayName: username, passwordHash: 'h', isAdmin: false, createdAt: 1 });
  const c = await mk('c');
  const conv2 = `d:${a.id}:${c.id}`;
  const msg2 = (clientId: string): NewMessage => ({ ...msg(a, clientId), conv: conv2, members: [a.id, c.id] });
  // Each store (a server process) commits batches that touch both conversations, in opposite orders
  // on odd and even stores, all at once; one message of every batch is a retry of another store's.
  const batches = stores.flatMap((s, i) =>
    Array.from({ length: 10 }, (_, k) => {
      const id = `${i}-${k}`;
      const both = [msg(i % 2 ? a : b, `m${id}`), msg2(`n${id}`), msg(a, `shared-${k}`)];
      return appendAll(s, i % 2 ? both : [...both].reverse());
    }),
  );
  const results = (await Promise.all(batches)).flat();
  for (const [cv, expected] of [
    [conv, stores.length * 10 + 10],
    [conv2, stores.length * 10],
  ] as const) {
    const stored = await stores[1]!.messagesAfter(cv, 0, 1000);
    assert.deepEqual(
      stored.map((m) => m.seq),
      Array.from({ length: expected }, (_, i) => i + 1),
      `${cv}: gapless`,
    );
    assert.deepEqual(
      stored.map((m) => m.id),
      [...stored.map((m) => m.id)].sort((x, y) => x - y),
      `${cv}: ids in sequence order`,
    );
    assert.equal((await stores[2]!.getConversation(cv))?.lastSeq, expected);
    // Every acknowledgement names the stored message; a retry names the first one.
    const byClient = new Map(stored.map((m) => [`${m.senderId}/${m.clientId}`, m]));
    assert.equal(byClient.size, expected, 'each message stored once');
    for (const r of results.filter((x) => x.conv === cv)) assert.ok(stored.some((m) => m.id === r.id && m.seq === r.seq));
  }
  assert.equal(results.filter((r) => !r.duplicate).length, stores.length * 20 + 10);
});

test('postgres: concurrent friend requests both ways from two processes make one friendship, never an error', async (t) => {
  const [s1, s2] = await severalStores(t, 2);
  for (let round = 0; round < 5; round++) {
    const mk = (username: string) => s1!.createUser({ username, displayName: username, passwordHash: 'h', isAdmin: false, createdAt: 1 });
    const [a, b] = [await mk(`x${round}`), await mk(`y${round}`)];
    const outcomes = await Promise.all([
      s1!.contacts.requestFriend(a.id, b.id, null, 1, () => []),
      s2!.contacts.requestFriend(b.id, a.id, null, 1, () => []),
    ]);
    assert.deepEqual(outcomes.map((o) => o.outcome).sort(), ['friends', 'pending'], 'the second answers the first');
    assert.deepEqual(
      (await s2!.contacts.listFriends(a.id, 0, 10)).map((f) => f.user.id),
      [b.id],
    );
    assert.deepEqual(await s1!.contacts.listRequests(a.id, 10), { incoming: [], outgoing: [] });
  }
});

test('postgres: two processes saving the same login-throttle keys at once keep one row per key', async (t) => {
  const stores = await severalStores(t, 3);
  const rec = (key: string, count: number) => ({ key, count, until: 0, at: 100, expiresAt: 10_000 });
  await Promise.all(
    stores.flatMap((s, i) =>
      Array.from({ length: 5 }, (_, k) => s.authLimits.saveLimits([rec('login:user:ann', i * 10 + k), rec('login:ip:1', k)], [], 50)),
    ),
  );
  const rows = await stores[0]!.authLimits.loadLimits(60);
  assert.deepEqual(
    rows.map((r) => r.key),
    ['login:ip:1', 'login:user:ann'],
  );
});

test('postgres: the search indexer misses no message while several processes write and index at once', async (t) => {
  const stores = await severalStores(t, 3);
  const { a, b, msg } = await pair(stores[0]!);
  const textOf = (m: { body: string }): string => (JSON.parse(m.body) as { text?: string }).text ?? '';
  let writing = true;
  const indexers = stores.slice(0, 2).map(async (s) => {
    while (writing) await s.search.indexNext(7, textOf);
  });
  const sent = await Promise.all(
    stores.flatMap((s, i) =>
      Array.from({ length: 15 }, async (_, k) => {
        const batch = [msg(k % 2 ? a : b, `w${i}-${k}.`), msg(a, `v${i}-${k}.`)];
        const results = await appendAll(s, batch);
        return results.map((r, j) => ({ id: r.id, text: textOf(batch[j]!) }));
      }),
    ),
  );
  writing = false;
  await Promise.all(indexers);
  while ((await stores[2]!.search.indexNext(50, textOf)) === 50);
  const latest = await stores[0]!.search.latestId();
  assert.equal(await stores[0]!.search.indexedUpTo(), latest);
  for (const { id, text } of sent.flat()) {
    const found = await stores[1]!.search.candidates({ text, beforeId: latest + 1, max: 5 });
    assert.deepEqual(found.ids, [id], `message ${id} (${text}) indexed once`);
  }
});

test('postgres: Chinese text is found by the trigram index, and by a scan below three characters', async (t) => {
  const [store] = await severalStores(t, 1);
  const { a, msg } = await pair(store!);
  const body = (text: string) => JSON.stringify({ text });
  const [m1, m2] = await appendAll(store!, [
    { ...msg(a, 'zh1'), body: body('我们明天在北京见面') },
    { ...msg(a, 'zh2'), body: body('上海的天气很好') },
  ]);
  await store!.search.indexNext(10, (m) => (JSON.parse(m.body) as { text: string }).text);
  const find = async (text: string) => (await store!.search.candidates({ text, beforeId: m2!.id + 1, max: 10 })).ids;
  assert.deepEqual(await find('北京见'), [m1!.id]);
  assert.deepEqual(await find('天'), [m2!.id, m1!.id]);
  assert.deepEqual(await find('100%'), []);
});
