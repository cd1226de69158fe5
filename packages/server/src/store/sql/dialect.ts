/**
 * What differs in the SQL text itself between databases: the few spellings the store's queries take
 * from here instead of writing them per database. Everything else is written once, in the `*-sql.ts`
 * files. One file per database implements it: dialect-sqlite.ts now; dialect-postgres.ts and
 * dialect-mysql.ts next to it.
 */
/**
 * The store's named locks, for decisions that rows alone cannot guard (see `Dialect.lock`):
 * - `message_ids`: shared by every transaction that appends messages, from its start; exclusive for the
 *   search indexer, which so never passes an id whose transaction is still open (search-store.ts).
 * - `contacts`: a contact change (requests, friendships, blocks) reads rows that may not exist yet.
 * - `auth_limits`: `saveLimits` deletes, then inserts, each key it writes.
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
   * Suffix of a SELECT that locks the rows it reads until the transaction ends (` FOR UPDATE`), written
   * wherever the store reads a row to decide a write. '' where transactions run one at a time anyway.
   */
  readonly forUpdate: string;
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
   * where transactions run one at a time. A transaction takes its store locks first, before any row lock,
   * so waiting for one never closes a cycle of waits (`takeLock`, locks.ts).
   */
  lock(name: StoreLock, mode: 'shared' | 'exclusive'): string;
}
