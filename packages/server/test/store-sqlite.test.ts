import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import Database from 'better-sqlite3';
import { loadConfig } from '../src/config.js';
import { SqliteClient } from '../src/store/sql/sql-client-sqlite.js';
import { createStore } from '../src/store/factory.js';
import { MIGRATIONS, stepSql } from '../src/store/sql/migrations.js';
import { SqlStore } from '../src/store/sql/store-sql.js';
import type { Store } from '../src/store/store.js';
import { storeContract } from './store.contract.js';
import { appendAll } from './append-all.js';

/** A temp data folder, deleted after the test (or, with no context, by the returned function). */
function tempDataDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'warbler-store-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

const openSqlite = (file: string): Store => new SqlStore(new SqliteClient({ file, synchronous: 'normal' }));

/** Closes a store that a test may already have closed. */
const closeQuietly = (store: Store): Promise<void> => store.close().catch(() => undefined);

storeContract('sqlite', async () => {
  const { dir, remove } = tempDataDir();
  const store = openSqlite(join(dir, 'warbler.db'));
  return {
    store,
    cleanup: async () => {
      await closeQuietly(store);
      remove();
    },
  };
});

storeContract('sqlite, synchronous full', async () => {
  const { dir, remove } = tempDataDir();
  const store = new SqlStore(new SqliteClient({ file: join(dir, 'warbler.db'), synchronous: 'full' }));
  return {
    store,
    cleanup: async () => {
      await closeQuietly(store);
      remove();
    },
  };
});

/** A store opened by the factory from config, in a data folder that does not exist yet. */
async function fromConfig(t: TestContext): Promise<{ store: Store; file: string }> {
  const { dir, remove } = tempDataDir();
  const dataDir = join(dir, 'nested', 'data');
  const config = loadConfig({ overrides: { dataDir, store: { sqlite: { synchronous: 'normal' } } } });
  const store = await createStore(config);
  t.after(async () => {
    await closeQuietly(store);
    remove();
  });
  return { store, file: join(dataDir, config.store.sqlite.file) };
}

/** Opens the database file read-only beside the store, as an operator's tool would. */
function inspect(t: TestContext, file: string): Database.Database {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  t.after(() => db.close());
  return db;
}

test('sqlite: the factory creates the data folder and the database file, migrated', async (t) => {
  const { store, file } = await fromConfig(t);
  assert.ok(existsSync(file), `${file} exists`);
  assert.equal(await store.ready(), true);
  const u = await store.createUser({ username: 'first', displayName: 'First', passwordHash: 'h', isAdmin: false, createdAt: 1 });
  assert.deepEqual(await store.getUserByUsername('first'), u);
});

test('sqlite: the journal mode is WAL', async (t) => {
  const { file } = await fromConfig(t);
  assert.equal(inspect(t, file).pragma('journal_mode', { simple: true }), 'wal');
  assert.ok(existsSync(`${file}-wal`), 'the write-ahead log sits beside the database');
});

test('sqlite: schema_migrations records each migration once, also after migrating again', async (t) => {
  const { store, file } = await fromConfig(t);
  await store.migrate();
  const rows = inspect(t, file).prepare('SELECT version, name FROM schema_migrations ORDER BY version').all();
  assert.deepEqual(
    rows,
    MIGRATIONS.map((m) => ({ version: m.version, name: m.name })),
  );
  assert.equal((rows[0] as { version: number }).version, 1);
});

test('sqlite: data survives closing and reopening the store; sequences and deduplication carry on', async (t) => {
  const { dir, remove } = tempDataDir();
  t.after(remove);
  const file = join(dir, 'warbler.db');
  const first = openSqlite(file);
  await first.migrate();
  const a = await first.createUser({ username: 'ann', displayName: 'Ann', passwordHash: 'h', isAdmin: true, createdAt: 1 });
  const b = await first.createUser({ username: 'ben', displayName: 'Ben', passwordHash: 'h', isAdmin: false, createdAt: 2 });
  const d = await first.createDevice({ userId: a.id, name: 'laptop', tokenHash: 'tok', createdAt: 3, expiresAt: 99 });
  const conv = `d:${a.id}:${b.id}`;
  const m = (clientId: string, createdAt: number) => ({
    conv,
    members: [a.id, b.id],
    senderId: a.id,
    clientId,
    kind: 'text',
    body: JSON.stringify({ text: clientId }),
    createdAt,
  });
  const acked = await appendAll(first, [m('c1', 10), m('c2', 20)]);
  await first.close();

  const second = openSqlite(file);
  t.after(() => closeQuietly(second));
  await second.migrate();
  assert.deepEqual(await second.getUserById(a.id), a);
  assert.deepEqual(await second.getUserByUsername('ben'), b);
  assert.deepEqual(await second.getDeviceByTokenHash('tok'), d);
  assert.deepEqual(
    (await second.messagesAfter(conv, 0, 10)).map((x) => [x.id, x.seq, x.clientId]),
    acked.map((r, i) => [r.id, r.seq, `c${i + 1}`]),
  );
  const [retried, next] = await appendAll(second, [m('c2', 30), m('c3', 30)]);
  assert.deepEqual(retried, { ...acked[1]!, duplicate: true });
  assert.deepEqual([next?.seq, next?.duplicate], [3, false]);
  assert.equal((await second.messagesAfter(conv, 2, 1))[0]?.id, next?.id);
  assert.deepEqual(await second.getConversation(conv), { conv, kind: 'direct', lastSeq: 3, updatedAt: 30 });
});

test('sqlite: migration 6 rebuilds messages with every row and id, the retry index keyed by client id first', async (t) => {
  const { dir, remove } = tempDataDir();
  t.after(remove);
  const file = join(dir, 'warbler.db');
  // A database as migration 5 left it, with messages written by an earlier version.
  const old = new SqliteClient({ file, synchronous: 'normal' });
  await old.exec(
    'CREATE TABLE schema_migrations (version INTEGER NOT NULL PRIMARY KEY, name VARCHAR(200) NOT NULL, applied_at INTEGER NOT NULL)',
  );
  for (const m of MIGRATIONS.filter((x) => x.version <= 5))
    await old.transaction(async (tx) => {
      for (const step of m.up) {
        const sql = stepSql(step, 'sqlite');
        if (sql !== undefined) await tx.run(old.dialect.ddl(sql));
      }
      await tx.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, 1)', [m.version, m.name]);
    });
  await old.transaction(async (tx) => {
    await tx.run(
      "INSERT INTO users (id, username, display_name, password_hash, created_at) VALUES (1, 'ann', 'Ann', 'h', 1), (2, 'ben', 'Ben', 'h', 1)",
    );
    await tx.run("INSERT INTO conversations (id, kind, last_seq, created_at, updated_at) VALUES ('d:1:2', 'direct', 4, 1, 1)");
    await tx.run("INSERT INTO members (conv_id, user_id, joined_at) VALUES ('d:1:2', 1, 1), ('d:1:2', 2, 1)");
    await tx.run(
      `INSERT INTO messages (conv_id, seq, sender_id, client_id, kind, body, created_at, edited_at, recalled_at, reactions) VALUES
       ('d:1:2', 1, 1, 'a1', 'text', '{"text":"hi (edited)"}', 10, 11, NULL, '{"👍":[2]}'),
       ('d:1:2', 2, 2, 'b1', 'text', '{}', 20, NULL, 21, NULL),
       ('d:1:2', 3, 1, 'a2', 'text', '{"text":"third"}', 30, NULL, NULL, NULL),
       ('d:1:2', 4, 1, 'a3', 'text', '{"text":"fourth"}', 40, NULL, NULL, NULL)`,
    );
    // The newest row gone (as a test tool might leave it): AUTOINCREMENT must still not reuse its id.
    await tx.run("DELETE FROM messages WHERE client_id = 'a3'");
  });
  await old.close();
  const before = new Database(file, { readonly: true });
  const rowsBefore = before.prepare('SELECT * FROM messages ORDER BY id').all();
  before.close();

  const store = openSqlite(file);
  t.after(() => closeQuietly(store));
  await store.migrate();
  const db = inspect(t, file);
  assert.deepEqual(db.prepare('SELECT * FROM messages ORDER BY id').all(), rowsBefore, 'every row and id kept');
  const indexes = db.prepare('SELECT name FROM pragma_index_list(\'messages\') WHERE "unique" = 1').all() as { name: string }[];
  const keys = indexes.map(({ name }) =>
    (db.prepare(`SELECT name FROM pragma_index_info('${name}') ORDER BY seqno`).all() as { name: string }[]).map((c) => c.name).join(','),
  );
  assert.deepEqual(keys.sort(), ['client_id,sender_id', 'conv_id,seq']);
  assert.deepEqual(db.prepare("SELECT COUNT(*) AS c FROM sqlite_master WHERE name = 'messages_v5'").get(), { c: 0 });

  const m = (senderId: number, clientId: string) => ({
    conv: 'd:1:2',
    members: [1, 2],
    senderId,
    clientId,
    kind: 'text',
    body: '{"text":"x"}',
    createdAt: 50,
  });
  const [retry, fresh, sameIdOtherSender] = await appendAll(store, [m(1, 'a2'), m(1, 'a4'), m(2, 'a2')]);
  assert.deepEqual(
    retry,
    { id: 3, conv: 'd:1:2', seq: 3, createdAt: 30, duplicate: true },
    'a retry of a message stored before the migration',
  );
  assert.equal(fresh?.duplicate, false);
  assert.equal(fresh?.id, 5, 'the id of the deleted newest row is not reused');
  assert.equal(sameIdOtherSender?.duplicate, false, 'a clientId is unique per sender, not across senders');
});
