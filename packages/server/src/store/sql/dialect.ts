/**
 * What differs in the SQL text itself between databases: the few spellings the store's queries take
 * from here instead of writing them per database. Everything else is written once, in the `*-sql.ts`
 * files. One file per database implements it: dialect-sqlite.ts, dialect-postgres.ts and
 * dialect-mysql.ts.
 */
/**
 * The store's named locks, for decisions that rows alone cannot guard (see `Dialect.lock`):
 * - `message_ids`: shared by every transaction that appends messages, from its start; exclusive for the
 *   search indexer, which so never passes an id whose transaction is still open (search-store.ts).
 * - `contacts`: a contact change (requests, friendships, blocks) reads rows that may not exist yet.
 * - `auth_limits`: `saveLimits` writes keys and sweeps expired ones: one at a time.
 */
export type StoreLock = 'message_ids' | 'contacts' | 'auth_limits';

export interface Dialect {
  readonly name: 'sqlite' | 'postgres' | 'mysql';
  /**
   * The whole INSERT of `columnsAndValues` (`(a, b) VALUES (?, ?)`) into `table`, skipping a row that
   * conflicts on a unique key: SQLite `INSERT OR IGNORE INTO`, MySQL `INSERT IGNORE INTO`, PostgreSQL
   * `INSERT INTO … ON CONFLICT DO NOTHING`.
   */
  insertIgnore(table: string, columnsAndValues: string): string;
  /**
   * Like `insertIgnore`, for a row the transaction locks for update next (a new conversation): a row with
   * the same `key` that exists is skipped but left locked for update, never shared. MySQL's INSERT IGNORE
   * takes a shared lock on it, which the following FOR UPDATE upgrades; two transactions upgrading at
   * once deadlock. SQLite and PostgreSQL: `insertIgnore` (PostgreSQL's ON CONFLICT DO NOTHING locks nothing).
   */
  insertLocking(table: string, columnsAndValues: string, key: string): string;
  /**
   * Suffix of a SELECT that locks the rows it reads until the transaction ends (` FOR UPDATE`), written
   * wherever the store reads a row to decide a write. '' where transactions run one at a time anyway.
   */
  readonly forUpdate: string;
  /**
   * The whole INSERT of one row of `columns` (one `?` each) into `table` that, when a row with the same
   * unique `key` exists, sets that row's other columns instead: SQLite `INSERT OR REPLACE INTO`, PostgreSQL
   * `ON CONFLICT (key) DO UPDATE`, MySQL `ON DUPLICATE KEY UPDATE`. One statement, so two transactions
   * writing the same key never both insert it.
   */
  upsert(table: string, columns: readonly string[], key: readonly string[]): string;
  /**
   * Migration DDL with `{{id}}` (an auto-increment integer primary key named `id`), `{{bigint}}` (a
   * 64-bit integer) and `{{text}}` (unbounded text) replaced by this database's types.
   */
  ddl(sql: string): string;
  /**
   * True when `error`, thrown by a migration step, says the step's change is there already (a table,
   * column, index or row that exists): a step run again after a migration stopped midway on a database
   * whose DDL commits at once (MySQL). False everywhere else.
   */
  alreadyApplied(error: unknown): boolean;
  /**
   * A statement that holds the store lock `name` until the transaction ends, shared or exclusive, or ''
   * where transactions run one at a time (SQLite). PostgreSQL: a transaction-level advisory lock; MySQL:
   * the lock's row of `store_locks` (migration 10). A transaction takes its store locks first, before any row lock,
   * so waiting for one never closes a cycle of waits (`takeLock`, locks.ts).
   */
  lock(name: StoreLock, mode: 'shared' | 'exclusive'): string;
}
