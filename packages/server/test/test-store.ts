import type { ConfigInput } from '../src/index.js';
import { mysqlTestDatabase, releaseMysqlTestDatabase } from './mysql-test-db.js';
import { createDatabase, databaseNameFor, dropDatabase } from './postgres-test-db.js';

/**
 * Which store the end-to-end tests run on: `WARBLER_TEST_STORE` (sqlite, postgres or mysql; sqlite by
 * default). `npm test` runs the whole suite on SQLite, then the server's end-to-end tests again on each
 * server database (scripts/test.mjs).
 *
 * A test server's data folder names its database: a server started again on the same folder (a
 * restart test) finds the same data, and `dropTestStore` removes it with the folder. A test that holds
 * only on one store says so with `onlyOn`, which gives the reason the others skip it.
 */
export type TestStoreKind = 'sqlite' | 'postgres' | 'mysql';

const KINDS: readonly TestStoreKind[] = ['sqlite', 'postgres', 'mysql'];

export const TEST_STORE: TestStoreKind = ((): TestStoreKind => {
  const v = process.env.WARBLER_TEST_STORE ?? 'sqlite';
  if (!(KINDS as readonly string[]).includes(v)) throw new Error(`WARBLER_TEST_STORE must be one of ${KINDS.join(', ')}, not ${v}`);
  return v as TestStoreKind;
})();

/** The `store` config section that puts the server of data folder `dataDir` on TEST_STORE (creating its database). */
export async function testStoreConfig(dataDir: string): Promise<ConfigInput['store']> {
  switch (TEST_STORE) {
    case 'sqlite':
      return { driver: 'sqlite' };
    case 'postgres':
      // A small pool: the tests run many servers at once on one PostgreSQL.
      return { driver: 'postgres', postgres: { url: await createDatabase(databaseNameFor(dataDir)), poolSize: 3 } };
    case 'mysql':
      return { driver: 'mysql', mysql: { url: await mysqlTestDatabase(dataDir) } };
    default:
      throw new Error(`WARBLER_TEST_STORE=${TEST_STORE}: this store's test setup is not built yet`);
  }
}

/** The environment variables that put a child `warbler serve` of data folder `dataDir` on TEST_STORE. */
export async function testStoreEnv(dataDir: string): Promise<Record<string, string>> {
  switch (TEST_STORE) {
    case 'postgres':
      return {
        WARBLER_STORE_DRIVER: 'postgres',
        WARBLER_STORE_POSTGRES_URL: await createDatabase(databaseNameFor(dataDir)),
        WARBLER_STORE_POSTGRES_POOL_SIZE: '3',
      };
    case 'mysql':
      return { WARBLER_STORE_DRIVER: 'mysql', WARBLER_STORE_MYSQL_URL: await mysqlTestDatabase(dataDir) };
    default:
      return {};
  }
}

/** Removes the database of data folder `dataDir` (nothing on SQLite: the folder is the database). */
export async function dropTestStore(dataDir: string): Promise<void> {
  switch (TEST_STORE) {
    case 'postgres':
      return dropDatabase(databaseNameFor(dataDir));
    case 'mysql':
      return releaseMysqlTestDatabase(dataDir);
    default:
      return;
  }
}

/**
 * `{ skip: reason }` unless the tests run on one of `kinds`: for a test of one store's own behaviour
 * (`test('…', onlyOn(['sqlite'], 'reads the database file'), async () => …)`).
 */
export function onlyOn(kinds: readonly TestStoreKind[], why: string): { skip?: string } {
  return kinds.includes(TEST_STORE) ? {} : { skip: `only on ${kinds.join(', ')}: ${why}` };
}
