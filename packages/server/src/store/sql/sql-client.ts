import type { Dialect } from './dialect.js';

/**
 * The SqlClient seam: what one database driver gives the SQL store (`*-sql.ts` in this folder), which
 * writes every query once. A driver implements this contract; what differs in the SQL text is its
 * Dialect (dialect.ts), what differs in full-text search its SearchEngine (search-engine.ts).
 * Implemented by sql-client-sqlite.ts, sql-client-postgres.ts (PostgreSQL, postgres.js) and
 * sql-client-mysql.ts (MySQL/MariaDB, mysql2), each run through the Store contract suite
 * (test/store.contract.ts).
 *
 * The contract, and what it asks of each database:
 *
 * - **Statements.** One statement per call (several only in `exec`), with `?` placeholders: a client
 *   turns them into its own ($1, $2 … for PostgreSQL). Parameters are strings, numbers (ids, sequences
 *   and times in ms: safe integers), bigints or null; booleans are stored as 0/1.
 * - **Rows.** An object per row whose keys are the column names or aliases exactly as the SQL writes
 *   them (camelCase aliases, unquoted: PostgreSQL folds those to lower case, so its client must give
 *   them back as written), integers as numbers (a PostgreSQL client parses int8, a MySQL client
 *   BIGINT, to number), NULL as null.
 * - **Changes.** `run` counts the rows the statement matched, whether or not it changed their values
 *   (SQLite's and PostgreSQL's rule; a MySQL client sets CLIENT_FOUND_ROWS).
 * - **New ids.** A table keyed by `{{id}}` makes its ids; only `insert` reports one (SQLite: the last
 *   rowid; PostgreSQL: the statement with ` RETURNING id`; MySQL: insertId). Ids only grow; a rolled-back
 *   insert may use one up.
 * - **Transactions.** `transaction(fn)` runs `fn` exactly once, never retried (bodies call back into
 *   their callers: a contact change's events, a group change's beforeCommit), commits when it resolves
 *   and rolls back when it throws, also when the database ended the transaction by itself. Savepoints
 *   (SAVEPOINT, ROLLBACK TO SAVEPOINT, RELEASE SAVEPOINT: the same SQL everywhere) run through `tx.run`:
 *   the group commit isolates a failed op with them (commit.ts). `fn` awaits only the queries of `tx`
 *   and no other I/O, since a transaction holds its locks (SQLite: the whole database) until it ends.
 *   A query made outside `tx` never runs inside an open transaction and sees only committed data.
 * - **Isolation.** The store's transactions must behave as if they ran one at a time. SQLite's client
 *   runs them one at a time (one connection, BEGIN IMMEDIATE). A server database runs them
 *   concurrently, and the store takes a row lock (`dialect.forUpdate`) wherever it reads a row to decide
 *   a write: conversation heads, member cursors, message targets, devices, invites. What has no row to
 *   lock takes a store lock first in its transaction (`dialect.lock`, locks.ts; PostgreSQL: transaction
 *   advisory locks, MySQL: rows of `store_locks`): a contact change (`contacts`: friendships, requests
 *   and blocks it reads may not exist), `saveLimits` (`auth_limits`: its expiry sweep and key writes;
 *   each key is written with one upsert, `dialect.upsert`, in key order), and the search indexer
 *   (`message_ids`, exclusive; every append holds it shared), which so sees message ids committed in id
 *   order (search-store.ts). The group commit then locks the conversation heads of its batch in id order
 *   before it writes (append.ts `lockHeads`), so two batches over the same conversations never wait on
 *   each other in a circle. A database that detects a deadlock or a serialization failure rejects the
 *   transaction (no retry, see above); the group commit then fails its whole batch.
 * - **Migrations.** `withMigrationLock` runs the store's migration (store-sql.ts `migrate`) under a lock
 *   that every process migrating the same database takes (PostgreSQL: `pg_advisory_lock`, MySQL:
 *   `GET_LOCK`), so several processes starting at once migrate once; the others wait, then find nothing
 *   to do. SQLite runs it at once: one process owns its file.
 * - **Schema changes.** A migration runs its DDL and records its version in one transaction (store-sql.ts
 *   `migrate`). SQLite and PostgreSQL roll DDL back with the transaction; MySQL commits at every DDL
 *   statement, so there a migration that fails midway stays half applied and unrecorded: MySQL's own
 *   migration steps must be safe to run again. They are: `migrate` takes a step's "already there" error
 *   (`dialect.alreadyApplied`: the table, column, index or row exists) as done.
 * - **Timing.** Every method returns a promise, and the store is correct whenever it settles. The SQLite
 *   client's are settled at once (better-sqlite3 is synchronous): a transaction whose body awaits only
 *   `tx` runs from BEGIN to COMMIT within one turn of the event loop, with no I/O in between, and its
 *   fsync holds the loop. The write path is built on that cost: the group commit
 *   (services/write-batcher.ts) runs batches back to back within a turn's time budget, so the loop stays
 *   free between turns. With an asynchronous client it stays correct (one batch in flight, answered in
 *   order), but each commit yields the loop while the database works.
 */
export type SqlValue = string | number | bigint | null;
export type Row = Record<string, unknown>;

/** The queries of a client or of one transaction. */
export interface SqlQueries {
  /** Rows of a SELECT, in the order it gives. */
  all<T = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  /** First row of a SELECT, or undefined. */
  get<T = Row>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined>;
  /** Runs a write; returns how many rows it matched. */
  run(sql: string, params?: readonly SqlValue[]): Promise<{ changes: number }>;
  /**
   * Runs an INSERT of one row into a table keyed by `{{id}}` and returns the new row's id, or undefined
   * when no row was inserted (a conflict skipped by `dialect.insertIgnore`).
   */
  insert(sql: string, params?: readonly SqlValue[]): Promise<number | undefined>;
}

export interface SqlClient extends SqlQueries {
  readonly dialect: Dialect;
  /** Runs `fn` in one transaction: see the contract above. Resolves with what `fn` resolved with, once committed. */
  transaction<T>(fn: (tx: SqlQueries) => Promise<T>): Promise<T>;
  /** Runs DDL or several statements separated by `;`, outside any transaction (after an open one ends). */
  exec(sql: string): Promise<void>;
  /** Runs `fn` (the store's migration) holding the database's migration lock: see Migrations above. */
  withMigrationLock<T>(fn: () => Promise<T>): Promise<T>;
  /** Closes the client once its open transactions have ended; later calls reject. */
  close(): Promise<void>;
}
