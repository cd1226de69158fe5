import type { ConfigInput } from '../src/index.js';

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
    case 'mysql':
      return { driver: 'mysql', mysql: { url: await mysqlTestDatabase(dataDir) } };
    default:
      throw new Error(`WARBLER_TEST_STORE=${TEST_STORE}: this store's test setup is not built yet`);
  }
}

/** The environment variables that put a child `warbler serve` of data folder `dataDir` on TEST_STORE. */
export async function testStoreEnv(dataDir: string): Promise<Record<string, string>> {
  switch (TEST_STORE) {
    case 'mysql':
      return { WARBLER_STORE_DRIVER: 'mysql', WARBLER_STORE_MYSQL_URL: await mysqlTestDatabase(dataDir) };
    default:
      return {};
  }
}

/** Removes the database of data folder `dataDir` (nothing on SQLite: the folder is the database). */
export async function dropTestStore(dataDir: string): Promise<void> {
  const name = mysqlDatabases.get(dataDir);
  if (name === undefined) return;
  mysqlDatabases.delete(dataDir);
  await recycleDatabase(name);
}

/**
 * The MySQL/MariaDB server of the tests: `WARBLER_TEST_MYSQL_URL`, a URL without a database whose user
 * may create and drop databases (the root of this machine's MariaDB by default).
 */
export const MYSQL_TEST_SERVER = process.env.WARBLER_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/';

/** Runs `sql` (statements separated by `;`) as the test server's admin user; mysql2 is loaded only on this store. */
export async function mysqlAdmin<T = unknown>(sql: string): Promise<T> {
  const { createConnection } = await import('mysql2/promise');
  const conn = await createConnection({ uri: MYSQL_TEST_SERVER, multipleStatements: true });
  try {
    return (await conn.query(sql))[0] as T;
  } finally {
    await conn.end();
  }
}

/**
 * The test databases of this process: by data folder, and the spare ones, migrated and emptied. A
 * database per data folder costs MariaDB about 2.5 s to create, migrate (some 50 DDL statements) and
 * drop, more than most tests; emptying one for the next test costs a few DELETEs. So a data folder gets
 * a database on first use (`warbler_t_<pid>_<n>`: a spare one, or a new one its server migrates), and
 * `dropTestStore` empties it for the next folder. They are dropped when the process exits; those of a
 * test process that died are dropped by the next one.
 */
const mysqlDatabases = new Map<string, string>();
const spareDatabases: string[] = [];
let databaseSerial = 0;
let swept = false;

/** Drops the test databases of processes that are gone. */
async function sweepDeadProcesses(): Promise<void> {
  swept = true;
  const rows = await mysqlAdmin<{ name: string }[]>(
    "SELECT schema_name AS name FROM information_schema.schemata WHERE schema_name LIKE 'warbler\\_t\\_%'",
  );
  for (const { name } of rows) {
    const pid = Number(/^warbler_t_(\d+)_/.exec(name)?.[1]);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      process.kill(pid, 0);
    } catch {
      await mysqlAdmin(`DROP DATABASE IF EXISTS \`${name}\``);
    }
  }
  process.once('beforeExit', () => {
    const all = [...spareDatabases, ...mysqlDatabases.values()];
    spareDatabases.length = 0;
    mysqlDatabases.clear();
    if (all.length > 0) void mysqlAdmin(all.map((n) => `DROP DATABASE IF EXISTS \`${n}\``).join(';'));
  });
}

/** The URL of the test database of `dataDir`. */
export async function mysqlTestDatabase(dataDir: string): Promise<string> {
  let name = mysqlDatabases.get(dataDir);
  if (name === undefined) {
    if (!swept) await sweepDeadProcesses();
    name = spareDatabases.pop();
    if (name === undefined) {
      name = `warbler_t_${process.pid}_${++databaseSerial}`;
      await mysqlAdmin(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
    }
    mysqlDatabases.set(dataDir, name);
  }
  return new URL(name, MYSQL_TEST_SERVER).toString();
}

/** Empties test database `name` for the next test (migrated schema and store locks kept), or drops it. */
async function recycleDatabase(name: string): Promise<void> {
  try {
    const tables = await mysqlAdmin<{ t: string }[]>(
      `SELECT table_name AS t FROM information_schema.tables WHERE table_schema = '${name}' AND table_name NOT IN ('schema_migrations', 'store_locks')`,
    );
    const reset = tables.map(({ t }) =>
      t === 'search_progress' ? `UPDATE \`${name}\`.search_progress SET last_id = 0` : `DELETE FROM \`${name}\`.\`${t}\``,
    );
    await mysqlAdmin(['SET FOREIGN_KEY_CHECKS = 0', ...reset].join(';'));
    spareDatabases.push(name);
  } catch {
    await mysqlAdmin(`DROP DATABASE IF EXISTS \`${name}\``);
  }
}

/**
 * `{ skip: reason }` unless the tests run on one of `kinds`: for a test of one store's own behaviour
 * (`test('…', onlyOn(['sqlite'], 'reads the database file'), async () => …)`).
 */
export function onlyOn(kinds: readonly TestStoreKind[], why: string): { skip?: string } {
  return kinds.includes(TEST_STORE) ? {} : { skip: `only on ${kinds.join(', ')}: ${why}` };
}
