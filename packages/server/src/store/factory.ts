import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config.js';
import { SqliteClient } from './dialect-sqlite.js';
import { SqlStore } from './store-sql.js';
import type { Store } from './store.js';

/** Opens the Store the config names and applies its migrations. */
export async function createStore(config: Config): Promise<Store> {
  switch (config.store.driver) {
    case 'sqlite': {
      mkdirSync(config.dataDir, { recursive: true });
      const store = new SqlStore(
        new SqliteClient({
          file: join(config.dataDir, config.store.sqliteFile),
          synchronous: config.store.sqliteSynchronous,
          checkpointPages: config.store.sqliteCheckpointPages,
        }),
      );
      await store.migrate();
      return store;
    }
  }
}
