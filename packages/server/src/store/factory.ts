import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config.js';
import { SqliteClient, type SqliteOptions } from './sql/sql-client-sqlite.js';
import { SqlStore } from './sql/store-sql.js';
import type { Store } from './store.js';

/**
 * Opens the Store the config names and applies its migrations.
 *
 * The store's layout: each seam's interface is `<seam>.ts` here (store.ts and its parts: group-store.ts,
 * contact-store.ts, search-store.ts, …); the one SQL implementation is sql/, every query written once in
 * `sql/<seam>-sql.ts`. What differs per database is in sql/ too, a file per database and seam:
 * sql-client-sqlite.ts (the driver, under the contract of sql-client.ts), dialect-sqlite.ts (SQL
 * spellings), search-engine-sqlite-fts.ts (full-text search). MySQL/MariaDB has its three (and
 * open-mysql.ts), loaded with `await import` so that mysql2 loads only when configured; PostgreSQL adds
 * its own the same way.
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
      const store = new SqlStore(new SqliteClient(opts));
      await store.migrate();
      return store;
    }
    case 'mysql': {
      const { openMysqlStore } = await import('./sql/open-mysql.js');
      return openMysqlStore(config.store.mysql);
    }
  }
}
