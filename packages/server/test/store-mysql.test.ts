import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test, type TestContext } from 'node:test';
import { createConnection } from 'mysql2/promise';
import { loadConfig } from '../src/config.js';
import { createStore } from '../src/store/factory.js';
import { MIGRATIONS, stepSql } from '../src/store/sql/migrations.js';
import { MysqlClient } from '../src/store/sql/sql-client-mysql.js';
import { MYSQL } from '../src/store/sql/dialect-mysql.js';
import { MYSQL_SCAN } from '../src/store/sql/search-engine-mysql-scan.js';
import { SqlStore } from '../src/store/sql/store-sql.js';
import type { NewMessage, Store, UserRow } from '../src/store/store.js';
import { storeContract } from './store.contract.js';
import { appendAll } from './append-all.js';
import { MYSQL_TEST_SERVER, mysqlAdmin } from './mysql-test-db.js';
import { runCli, spawnServer, tempDir } from './helpers.js';

/** A new empty database on the test server; `drop` removes it. */
async function freshDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `warbler_c_${randomBytes(8).toString('hex')}`;
  await mysqlAdmin(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
  return { url: new URL(name, MYSQL_TEST_SERVER).toString(), drop: () => mysqlAdmin(`DROP DATABASE IF EXISTS \`${name}\``) };
}

const openMysql = (url: string, poolSize = 4): SqlStore =>
  new SqlStore(new MysqlClient({ url, poolSize, connectTimeoutMs: 5000 }), MYSQL_SCAN);

/** Closes a store that a test may already have closed. */
const closeQuietly = (store: Store): Promise<void> => store.close().catch(() => undefined);

storeContract('mysql (MariaDB)', async () => {
  const { url, drop } = await freshDatabase();
  const store = openMysql(url);
  return {
    store,
    cleanup: async () => {
      await closeQuietly(store);
      await drop();
    },
  };
});

/** A fresh database for one test, dropped after it, with its URL. */
async function database(t: TestContext): Promise<string> {
  const { url, drop } = await freshDatabase();
  t.after(drop);
  return url;
}

/** A store on `url`, migrated, closed after the test. */
async function opened(t: TestContext, url: string, poolSize = 4): Promise<SqlStore> {
  const store = openMysql(url, poolSize);
  t.after(() => closeQuietly(store));
  await store.migrate();
  return store;
}

/** Rows of a query run straight on the database, as an operator's client would. */
async function inspect<T>(url: string, sql: string): Promise<T[]> {
  const conn = await createConnection({ uri: url });
  try {
    return (await conn.query(sql))[0] as T[];
  } finally {
    await conn.end();
  }
}

/** A message of `from` in conversation `conv` of `members`. */
const message = (conv: string, members: number[], from: number, clientId: string, text = clientId): NewMessage => ({
  conv,
  members,
  senderId: from,
  clientId,
  kind: 'text',
  body: JSON.stringify({ text }),
  createdAt: 1000,
});

const newUser = (store: Store, username: string): Promise<UserRow> =>
  store.createUser({ username, displayName: username, passwordHash: 'h', isAdmin: false, createdAt: 1 });

const textOf = (m: { body: string }): string => (JSON.parse(m.body) as { text?: string }).text ?? '';

/** Indexes every committed message. */
async function indexAll(store: Store): Promise<void> {
  while ((await store.search.indexNext(100, textOf)) === 100);
}

test('mysql: Chinese and emoji round-trip in names, messages and search; text compares by code point', async (t) => {
  const url = await database(t);
  const store = await opened(t, url);
  const a = await newUser(store, 'alice');
  const b = await store.createUser({ username: 'Alice', displayName: '爱丽丝 🐦‍⬛ 𠮷', passwordHash: 'h', isAdmin: false, createdAt: 1 });
  assert.deepEqual(await store.getUserByUsername('Alice'), b, 'Alice and alice are two accounts');
  const conv = `d:${a.id}:${b.id}`;
  const text = '我昨天买了一个树莓派 🍓🥧，打算做家庭服务器。';
  const [r] = await appendAll(store, [message(conv, [a.id, b.id], a.id, 'c1', text)]);
  assert.equal(textOf((await store.messagesAfter(conv, 0, 1))[0]!), text);
  await indexAll(store);
  for (const q of ['树莓派', '🍓', '🥧，打算'])
    assert.deepEqual((await store.search.candidates({ text: q, beforeId: r!.id + 1, max: 10 })).ids, [r!.id], q);
  // utf8mb4_general_ci would take every emoji for every other; LIKE's wildcards are literal.
  for (const q of ['🍎', '%', '_']) assert.deepEqual((await store.search.candidates({ text: q, beforeId: r!.id + 1, max: 10 })).ids, [], q);
  const db = new URL(url).pathname.slice(1);
  const other = await inspect<{ t: string }>(
    url,
    `SELECT CONCAT(table_name, '.', column_name) AS t FROM information_schema.columns
     WHERE table_schema = '${db}' AND collation_name IS NOT NULL AND collation_name <> 'utf8mb4_bin'`,
  );
  assert.deepEqual(other, [], 'every text column is utf8mb4_bin');
});

test('mysql: many stores append to one conversation at once: sequences 1..n, each once, in id order; the indexer misses none', async (t) => {
  const url = await database(t);
  const stores = [await opened(t, url), await opened(t, url), await opened(t, url), await opened(t, url)];
  const [a, b] = [await newUser(stores[0]!, 'ann'), await newUser(stores[0]!, 'ben')];
  const conv = `d:${a.id}:${b.id}`;
  const perStore = 40;
  let indexing = true;
  // A fifth store indexes all along, as a server's indexer does while others write.
  const indexer = (async () => {
    const s = await opened(t, url);
    while (indexing) await s.search.indexNext(7, textOf);
    await indexAll(s);
  })();
  await Promise.all(
    stores.map(async (s, i) => {
      for (let k = 0; k < perStore; k += 4)
        await appendAll(
          s,
          [0, 1, 2, 3].map((j) => message(conv, [a.id, b.id], (i + j) % 2 ? a.id : b.id, `s${i}-${k + j}`)),
        );
    }),
  );
  indexing = false;
  await indexer;
  const rows = await stores[0]!.messagesAfter(conv, 0, 1000);
  const n = stores.length * perStore;
  assert.deepEqual(
    rows.map((m) => m.seq),
    Array.from({ length: n }, (_, i) => i + 1),
  );
  assert.deepEqual(
    rows.map((m) => m.id),
    rows.map((m) => m.id).sort((x, y) => x - y),
    'sequence order is id order',
  );
  assert.equal(new Set(rows.map((m) => m.clientId)).size, n);
  assert.equal((await stores[0]!.getConversation(conv))?.lastSeq, n);
  const [indexed] = await inspect<{ c: number }>(url, 'SELECT COUNT(*) AS c FROM message_text');
  assert.equal(Number(indexed!.c), n, 'every message indexed once');
});

test('mysql: two users ask each other at once from two stores: they become friends, no request is left', async (t) => {
  const url = await database(t);
  const [s1, s2] = [await opened(t, url), await opened(t, url)];
  for (let round = 0; round < 5; round++) {
    const [a, b] = [await newUser(s1, `a${round}`), await newUser(s1, `b${round}`)];
    const outcomes = await Promise.all([
      s1.contacts.requestFriend(a.id, b.id, null, 1, () => []),
      s2.contacts.requestFriend(b.id, a.id, null, 1, () => []),
    ]);
    assert.deepEqual(outcomes.map((o) => o.outcome).sort(), ['friends', 'pending']);
    const requests = await s1.contacts.listRequests(a.id, 10);
    assert.deepEqual([requests.incoming, requests.outgoing], [[], []]);
    assert.deepEqual(
      (await s2.contacts.listFriends(b.id, 0, 10)).map((f) => f.user.id),
      [a.id],
    );
  }
});

test('mysql: several processes starting at once on an empty database migrate it once', async (t) => {
  const url = await database(t);
  const dirs = [tempDir(), tempDir(), tempDir()];
  const env = { WARBLER_STORE_DRIVER: 'mysql', WARBLER_STORE_MYSQL_URL: url };
  const servers = await Promise.all(dirs.map((d) => spawnServer(d, env)));
  t.after(() => {
    for (const s of servers) s.proc.kill('SIGKILL');
  });
  const rows = await inspect<{ version: number; n: number }>(
    url,
    'SELECT version, COUNT(*) AS n FROM schema_migrations GROUP BY version ORDER BY version',
  );
  assert.deepEqual(
    rows.map((r) => [Number(r.version), Number(r.n)]),
    MIGRATIONS.map((m) => [m.version, 1]),
  );
});

test('mysql: a migration that stopped midway (DDL commits at once) completes when run again', async (t) => {
  const url = await database(t);
  const conn = await createConnection({ uri: url });
  // Migrations 1 to 3 recorded; every step of 4 and the first half of 5 applied, unrecorded.
  await conn.query(
    MYSQL.ddl(
      'CREATE TABLE schema_migrations (version {{bigint}} NOT NULL PRIMARY KEY, name VARCHAR(200) NOT NULL, applied_at {{bigint}} NOT NULL)',
    ),
  );
  for (const m of MIGRATIONS) {
    const steps = m.up.map((step) => stepSql(step, 'mysql')).filter((x) => x !== undefined);
    const applied = m.version <= 4 ? steps : m.version === 5 ? steps.slice(0, Math.ceil(steps.length / 2)) : [];
    for (const sql of applied) await conn.query(MYSQL.ddl(sql));
    if (m.version <= 3) await conn.query('INSERT INTO schema_migrations VALUES (?, ?, 1)', [m.version, m.name]);
  }
  await conn.end();
  const store = await opened(t, url);
  const rows = await inspect<{ version: number }>(url, 'SELECT version FROM schema_migrations ORDER BY version');
  assert.deepEqual(
    rows.map((r) => Number(r.version)),
    MIGRATIONS.map((m) => m.version),
  );
  const [a, b] = [await newUser(store, 'ann'), await newUser(store, 'ben')];
  await store.contacts.requestFriend(a.id, b.id, 'hi', 1, () => []);
  assert.equal(await store.search.indexedUpTo(), 0, 'the search position row exists once');
});

test('mysql: a wrong URL, wrong credentials or a newer schema fail at start with one line naming store.mysql.url', async (t) => {
  const url = await database(t);
  const cases: [string, RegExp][] = [
    ['mysql://root@127.0.0.1:1/test', /ECONNREFUSED/],
    [new URL('warbler_no_such_database_x', MYSQL_TEST_SERVER).toString(), /Unknown database/],
    [url.replace('//root@', '//nobody:secret-pw@'), /Access denied/],
  ];
  for (const [bad, why] of cases) {
    const r = await runCli(['user', 'list'], { WARBLER_STORE_DRIVER: 'mysql', WARBLER_STORE_MYSQL_URL: bad }, 30_000);
    assert.equal(r.code, 2, r.stderr);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, /^config: store\.mysql\.url \(mysql:\/\/[^)]*\): cannot use the database: /);
    assert.match(lines[0]!, why);
    assert.doesNotMatch(lines[0]!, /secret-pw/, 'the password is not shown');
  }
  const store = await opened(t, url);
  await store.close();
  await inspect(url, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, 'from the future', 1)`);
  const r = await runCli(['serve', '--port', '0'], { WARBLER_STORE_DRIVER: 'mysql', WARBLER_STORE_MYSQL_URL: url }, 30_000);
  assert.equal(r.code, 2, r.stderr);
  assert.match(
    r.stderr.trim(),
    /^config: store\.mysql\.url \([^)]*\): the database schema is at version 99, newer than this Warbler knows \(\d+\)/,
  );
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
});

test('mysql: the factory opens the store the config names, migrated', async (t) => {
  const url = await database(t);
  const store = await createStore(loadConfig({ overrides: { store: { driver: 'mysql', mysql: { url } } } }));
  t.after(() => closeQuietly(store));
  assert.equal(await store.ready(), true);
  const u = await newUser(store, 'first');
  assert.deepEqual(await store.getUserByUsername('first'), u);
});

test('mysql: batches of several processes writing the same conversations in opposite orders all commit', async (t) => {
  const url = await database(t);
  const stores = [await opened(t, url), await opened(t, url), await opened(t, url), await opened(t, url)];
  const users: UserRow[] = [];
  for (let i = 0; i < 5; i++) users.push(await newUser(stores[0]!, `u${i}`));
  const convs = users.slice(1).map((u) => ({ conv: `d:${users[0]!.id}:${u.id}`, members: [users[0]!.id, u.id] }));
  // Seed every conversation, so all batches below find them existing.
  await appendAll(
    stores[0]!,
    convs.map((c, i) => message(c.conv, c.members, users[0]!.id, `seed${i}`)),
  );
  let failed = 0;
  await Promise.all(
    stores.map(async (s, i) => {
      for (let k = 0; k < 25; k++) {
        // Each store writes the conversations in its own order, with read-cursor moves among the messages.
        const order = i % 2 ? [...convs].reverse() : convs;
        const out = await s
          .commit(
            order.flatMap((c, j) => [
              { type: 'append' as const, msg: message(c.conv, c.members, c.members[1]!, `s${i}-${k}-${j}`) },
              { type: 'cursor' as const, move: { conv: c.conv, userId: users[0]!.id, cursor: 'read' as const, seq: k + 1 } },
            ]),
          )
          .catch(() => {
            failed++;
            return [];
          });
        failed += out.filter((o) => o.type === 'failed').length;
      }
    }),
  );
  assert.equal(failed, 0, `no batch failed (a deadlock fails a whole batch); ${failed} of ${stores.length * 25} did`);
  for (const c of convs) assert.equal((await stores[0]!.getConversation(c.conv))?.lastSeq, 1 + stores.length * 25);
});
