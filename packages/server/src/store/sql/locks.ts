import type { Dialect, StoreLock } from './dialect.js';
import type { SqlQueries } from './sql-client.js';

/** Takes the store lock `name` (`Dialect.lock`) in `tx` until it ends, when the dialect has one; first in a transaction. */
export async function takeLock(tx: SqlQueries, dialect: Dialect, name: StoreLock, mode: 'shared' | 'exclusive'): Promise<void> {
  const sql = dialect.lock(name, mode);
  if (sql !== '') await tx.get(sql);
}
