import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config.js';
import { SqliteClient, type SqliteOptions } from './sql/sql-client-sqlite.js';
import { SqlStore } from './sql/store-sql.js';
import type { Store } from './store.js';

/** Opens the Store the config names and applies its migrations. */
export async function createStore(config: Config): Promise<Store> {
  switch (config.store.driver) {
    case 'sqlite': {
      mkdirSync(config.dataDir, { recursive: true });
      const opts: SqliteOptions = {
        file: join(config.dataDir, config.store.sqliteFile),
        synchronous: config.store.sqliteSynchronous,
        checkpointPages: config.store.sqliteCheckpointPages,
        cacheMiB: config.store.sqliteCacheMb,
        mmapMiB: config.store.sqliteMmapMb,
      };
      const store = new SqlStore(new SqliteClient(opts));
      await store.migrate();
      return store;
    }
  }
}
