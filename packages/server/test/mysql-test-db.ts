/**
 * MySQL/MariaDB test databases (test/test-store.ts's mysql case, store-mysql.test.ts). mysql2 is loaded
 * only when these run.
 */

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

/** Gives back the test database of `dataDir` (emptied for the next data folder). */
export async function releaseMysqlTestDatabase(dataDir: string): Promise<void> {
  const name = mysqlDatabases.get(dataDir);
  if (name === undefined) return;
  mysqlDatabases.delete(dataDir);
  await recycleDatabase(name);
}
