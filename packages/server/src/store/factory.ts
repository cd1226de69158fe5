import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config.js';
import { SqliteClient, type SqliteOptions } from './dialect-sqlite.js';
import { SqliteWriter } from './sqlite-writer.js';
import { SqlStore } from './store-sql.js';
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
        checkpointThread: config.store.sqliteCheckpoints === 'thread',
        cacheMiB: config.store.sqliteCacheMb,
        mmapMiB: config.store.sqliteMmapMb,
      };
      if (config.store.sqliteWriter === 'thread') {
        // Migrated first, by the event loop's connection; then the writer opens its own.
        const plain = new SqlStore(new SqliteClient(opts));
        await plain.migrate();
        await plain.close();
        const store = new SqlStore(new SqliteClient({ ...opts, checkpointThread: false, sharesWrites: true }), new SqliteWriter(opts));
        return store;
      }
      const store = new SqlStore(new SqliteClient(opts));
      await store.migrate();
      return store;
    }
  }
}
