import type { Dialect } from './dialect.js';

/** SQLite's spellings. Transactions run one at a time (sql-client-sqlite.ts), so nothing needs a row lock. */
export const SQLITE: Dialect = {
  name: 'sqlite',
  insertIgnore: (table, rest) => `INSERT OR IGNORE INTO ${table} ${rest}`,
  insertLocking: (table, rest) => `INSERT OR IGNORE INTO ${table} ${rest}`,
  forUpdate: '',
  upsert: (table, columns) => `INSERT OR REPLACE INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
  ddl: (sql) =>
    sql.replaceAll('{{id}}', 'INTEGER PRIMARY KEY AUTOINCREMENT').replaceAll('{{bigint}}', 'INTEGER').replaceAll('{{text}}', 'TEXT'),
  // A migration's DDL rolls back with its transaction: no step is ever half applied.
  alreadyApplied: () => false,
  lock: () => '',
};
