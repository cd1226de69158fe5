import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import Database from 'better-sqlite3';
import { loadConfig } from '../src/config.js';
import { SqliteClient } from '../src/store/dialect-sqlite.js';
import { createStore } from '../src/store/factory.js';
import { MIGRATIONS } from '../src/store/migrations.js';
import { SqlStore } from '../src/store/store-sql.js';
import type { Store } from '../src/store/store.js';
import { storeContract } from './store.contract.js';

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
  const config = loadConfig({ overrides: { dataDir, store: { sqliteSynchronous: 'normal' } } });
  const store = await createStore(config);
  t.after(async () => {
    await closeQuietly(store);
    remove();
  });
  return { store, file: join(dataDir, config.store.sqliteFile) };
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
  const acked = await first.appendMessages([m('c1', 10), m('c2', 20)]);
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
  const [retried, next] = await second.appendMessages([m('c2', 30), m('c3', 30)]);
  assert.deepEqual(retried, { ...acked[1]!, duplicate: true });
  assert.deepEqual([next?.seq, next?.duplicate], [3, false]);
  assert.equal((await second.messagesAfter(conv, 2, 1))[0]?.id, next?.id);
  assert.deepEqual(await second.getConversation(conv), { conv, kind: 'direct', lastSeq: 3, updatedAt: 30 });
});
