/**
 * What differs in the SQL text itself between databases: the few spellings the store's queries take
 * from here instead of writing them per database. Everything else is written once, in the `*-sql.ts`
 * files. One file per database implements it: dialect-sqlite.ts, dialect-postgres.ts, and
 * dialect-mysql.ts next to them.
 */
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
}
