/**
 * What one SQL database driver gives the SQL store: parameterised queries written once with `?`
 * placeholders, and transactions. A dialect file implements this and holds only what differs
 * between databases (placeholders, upsert-ignore syntax, DDL types, row locks).
 */
export type SqlValue = string | number | bigint | null;
export type Row = Record<string, unknown>;

export interface SqlQueries {
  /** Rows of a SELECT. */
  all<T = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  /** First row of a SELECT, or undefined. */
  get<T = Row>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined>;
  /** Runs a write; returns rows changed and, for an INSERT into a table with an id, the new id. */
  run(sql: string, params?: readonly SqlValue[]): Promise<{ changes: number; lastId: number }>;
}

export interface Dialect {
  readonly name: 'sqlite' | 'postgres' | 'mysql';
  /** `INSERT ... ` prefix that skips rows conflicting on a unique key. */
  insertIgnore(table: string, columnsAndValues: string): string;
  /** Suffix that locks selected rows until the transaction ends ('' where writes are serialised anyway). */
  readonly forUpdate: string;
  /** DDL with `{{id}}` (auto-increment primary key), `{{bigint}}`, `{{text}}` replaced. */
  ddl(sql: string): string;
}

export interface SqlClient extends SqlQueries {
  readonly dialect: Dialect;
  /**
   * Runs `fn` in one transaction: commits when it resolves, rolls back when it throws.
   * Transactions run one at a time. `fn` must await only the queries of `tx`.
   */
  transaction<T>(fn: (tx: SqlQueries) => Promise<T>): Promise<T>;
  /** Runs DDL or several statements, outside any transaction. */
  exec(sql: string): Promise<void>;
  close(): Promise<void>;
}
