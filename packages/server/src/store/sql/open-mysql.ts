import { ConfigError } from '../../config/error.js';
import type { Config } from '../../config/schema.js';
import { SchemaTooNewError, type Store } from '../store.js';
import { MysqlClient } from './sql-client-mysql.js';
import { SqlStore } from './store-sql.js';

/** The URL as it may be shown: without its password. */
export function redactedUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    return '(not a URL)';
  }
}

/**
 * The Store on MySQL/MariaDB, migrated (the factory imports this module only when `store.driver` is
 * `mysql`, so mysql2 loads only then). A database that cannot be reached, refuses the credentials or
 * holds a newer schema fails with one ConfigError naming `store.mysql.url`.
 */
export async function openMysqlStore(c: Config['store']['mysql']): Promise<Store> {
  const client = new MysqlClient({ url: c.url, poolSize: c.poolSize, connectTimeoutMs: c.connectTimeoutMs });
  const store = new SqlStore(client);
  try {
    await store.migrate();
  } catch (e) {
    await store.close().catch(() => undefined);
    const why = e instanceof SchemaTooNewError ? e.message : `cannot use the database: ${(e as Error).message}`;
    throw new ConfigError(`config: store.mysql.url (${redactedUrl(c.url)}): ${why}`);
  }
  return store;
}
