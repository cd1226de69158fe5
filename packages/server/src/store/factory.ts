import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config.js';
import { SqliteClient, type SqliteOptions } from './dialect-sqlite.js';
import { SqlStore } from './store-sql.js';
import type { Store } from './store.js';

/** Opens the Store the config names and applies its migrations. */
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
  }
}
