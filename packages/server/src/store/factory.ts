import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, type Config } from '../config.js';
import { SqliteClient, type SqliteOptions } from './sql/sql-client-sqlite.js';
import { SqlStore } from './sql/store-sql.js';
import { SchemaTooNewError, type Store } from './store.js';

/**
 * Opens the Store the config names and applies its migrations.
 *
 * The store's layout: each seam's interface is `<seam>.ts` here (store.ts and its parts: group-store.ts,
 * contact-store.ts, search-store.ts, …); the one SQL implementation is sql/, every query written once in
 * `sql/<seam>-sql.ts`. What differs per database is in sql/ too, a file per database and seam:
 * sql-client-sqlite.ts (the driver, under the contract of sql-client.ts), dialect-sqlite.ts (SQL
 * spellings), search-engine-sqlite-fts.ts (full-text search). PostgreSQL's are sql-client-postgres.ts,
 * dialect-postgres.ts and search-engine-postgres-trgm.ts; MySQL/MariaDB's sql-client-mysql.ts,
 * dialect-mysql.ts and search-engine-mysql-scan.ts (with open-mysql.ts). A server database's case loads
 * its driver with `await import`, so it loads only when configured.
 */
export async function createStore(config: Config): Promise<Store> {
  switch (config.store.driver) {
    case 'sqlite': {
      mkdirSync(config.dataDir, { recursive: true });
      const opts: SqliteOptions = {
        file: join(config.dataDir, config.store.sqlite.file),
        synchronous: config.store.sqlite.synchronous,
        checkpointPages: config.store.sqlite.checkpointPages,
        cacheMiB: config.store.sqlite.cacheMb,
        mmapMiB: config.store.sqlite.mmapMb,
      };
      return migrated(new SqlStore(new SqliteClient(opts)), 'store.sqlite.file');
    }
    case 'postgres':
      return openPostgres(config.store.postgres);
    case 'mysql': {
      const { openMysqlStore } = await import('./sql/open-mysql.js');
      return openMysqlStore(config.store.mysql);
    }
  }
}

/** Migrates `store`; a database migrated by a newer Warbler stops the start with one line naming `key`. */
async function migrated(store: SqlStore, key: string): Promise<Store> {
  try {
    await store.migrate();
    return store;
  } catch (e) {
    await store.close().catch(() => undefined);
    if (e instanceof SchemaTooNewError) throw new ConfigError(`config: ${key}: ${e.message}`);
    throw e;
  }
}

/**
 * The store on PostgreSQL: postgres.js is loaded only here. Connects before migrating, so a wrong URL,
 * user, password or database fails the start with one line naming `store.postgres.url`.
 */
async function openPostgres(pg: Config['store']['postgres']): Promise<Store> {
  const key = 'store.postgres.url';
  if (pg.url === '')
    throw new ConfigError(`config: ${key} must be set when store.driver is postgres (e.g. postgres://warbler@127.0.0.1:5432/warbler)`);
  const { PostgresClient, describeUrl } = await import('./sql/sql-client-postgres.js');
  let client: InstanceType<typeof PostgresClient> | undefined;
  try {
    client = new PostgresClient({ url: pg.url, poolSize: pg.poolSize, connectTimeoutMs: pg.connectTimeoutMs });
    await client.get('SELECT 1 AS one');
  } catch (e) {
    await client?.close().catch(() => undefined);
    throw new ConfigError(
      `config: ${key}: cannot connect to PostgreSQL at ${describeUrl(pg.url)}: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  return migrated(new SqlStore(client), key);
}
