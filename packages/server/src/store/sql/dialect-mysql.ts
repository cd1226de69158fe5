import type { Dialect } from './dialect.js';

/**
 * Every table's options on MySQL/MariaDB: InnoDB (transactions, row locks) in utf8mb4 (all of Unicode:
 * Chinese, emoji) with the binary collation, so text compares by code point as on SQLite: `alice` and
 * `Alice` stay two usernames, and an emoji equals only itself (utf8mb4_general_ci ranks every emoji
 * alike).
 */
export const MYSQL_TABLE_OPTIONS = 'ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin';

/**
 * The errors of a migration step whose change exists: ER_TABLE_EXISTS_ERROR, ER_DUP_FIELDNAME (a column),
 * ER_DUP_KEYNAME (an index), ER_DUP_ENTRY (a row a step inserts). MySQL 8 has no `IF NOT EXISTS` for
 * indexes and columns, so these make every step safe to run again on MySQL and MariaDB alike.
 */
const ALREADY_THERE = new Set([1050, 1060, 1061, 1062]);

/**
 * MySQL's and MariaDB's spellings. Transactions run concurrently (READ COMMITTED, sql-client-mysql.ts):
 * the store locks the rows it reads to decide a write.
 *
 * `{{text}}` is LONGTEXT, like SQLite's unbounded TEXT (TEXT holds only 64 KiB). No index is built on a
 * `{{text}}` column: an index over text is built on a VARCHAR of a stated length (every indexed column
 * of the migrations is one, e.g. `client_id VARCHAR(64)`), since a prefix index cannot keep a UNIQUE
 * rule over the whole value and InnoDB keys stop at 3072 bytes (768 utf8mb4 characters).
 */
export const MYSQL: Dialect = {
  name: 'mysql',
  insertIgnore: (table, rest) => `INSERT IGNORE INTO ${table} ${rest}`,
  insertLocking: (table, rest, key) => `INSERT INTO ${table} ${rest} ON DUPLICATE KEY UPDATE ${key} = ${key}`,
  forUpdate: ' FOR UPDATE',
  // VALUES(c) names the value the row would have been inserted with (MariaDB has no row alias).
  upsert: (table, columns, key) =>
    `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')}) ON DUPLICATE KEY UPDATE ${columns
      .filter((c) => !key.includes(c))
      .map((c) => `${c} = VALUES(${c})`)
      .join(', ')}`,
  ddl: (sql) => {
    const typed = sql
      .replaceAll('{{id}}', 'BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY')
      .replaceAll('{{bigint}}', 'BIGINT')
      .replaceAll('{{text}}', 'LONGTEXT');
    return /^\s*CREATE TABLE/i.test(typed) ? `${typed.trimEnd()} ${MYSQL_TABLE_OPTIONS}` : typed;
  },
  alreadyApplied: (e) => ALREADY_THERE.has((e as { errno?: number }).errno ?? 0),
  // A row of store_locks per lock (migration 10): LOCK IN SHARE MODE is MySQL 8's and MariaDB's spelling.
  lock: (name, mode) =>
    `SELECT lock_key FROM store_locks WHERE lock_key = '${name}'${mode === 'shared' ? ' LOCK IN SHARE MODE' : ' FOR UPDATE'}`,
};
