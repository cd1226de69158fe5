import { createPool, type Pool, type PoolConnection, type ResultSetHeader } from 'mysql2/promise';
import { MYSQL } from './dialect-mysql.js';
import type { Row, SqlClient, SqlQueries, SqlValue } from './sql-client.js';

export interface MysqlOptions {
  /** `mysql://user:password@host:port/database`, with mysql2's connection options as query parameters. */
  url: string;
  /** Most connections the pool opens. */
  poolSize: number;
  /** Milliseconds to wait for a connection to the server before giving up. */
  connectTimeoutMs: number;
}

/** What every connection sets before its first query: see the Isolation rule below. */
const SESSION_SETUP = [
  'SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED',
  // Strict: a value too long for its column fails instead of being cut, on every table.
  "SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION'",
];

/**
 * The SqlClient on MySQL 8 and MariaDB 10.6+, through mysql2: a pool of connections, one per open
 * transaction, utf8mb4 with the binary collation (dialect-mysql.ts).
 *
 * - Rows: BIGINT and DECIMAL (a SUM) arrive as numbers (`supportBigNumbers`, `decimalNumbers`); column
 *   aliases keep their case on MySQL. Statements go as text with mysql2's escaping of the `?` values.
 * - `run` counts matched rows: the connection sets CLIENT_FOUND_ROWS.
 * - Isolation: READ COMMITTED, as PostgreSQL's default. Each statement sees what was committed when it
 *   started, so a statement that follows a row lock (`dialect.forUpdate`) sees the work of the
 *   transaction it waited for (REPEATABLE READ would read on from a snapshot older than the lock), and
 *   InnoDB takes no gap locks, which would make concurrent inserts deadlock. A server that writes a
 *   binary log needs `binlog_format` ROW or MIXED with it (the default of MySQL 8 and MariaDB).
 * - Transactions: a connection of its own from START TRANSACTION to COMMIT; ROLLBACK when `fn` throws
 *   (a no-op when InnoDB already rolled back, after a deadlock). A connection that failed is destroyed,
 *   not returned to the pool.
 */
/** The name of the server-wide lock every Warbler process takes while it migrates (GET_LOCK). */
const MIGRATION_LOCK = 'warbler:migrate';

export class MysqlClient implements SqlClient {
  readonly dialect = MYSQL;
  private readonly pool: Pool;
  private readonly open = new Set<Promise<unknown>>();
  private closed = false;

  constructor(opts: MysqlOptions) {
    this.pool = createPool({
      uri: opts.url,
      connectionLimit: opts.poolSize,
      connectTimeout: opts.connectTimeoutMs,
      charset: 'UTF8MB4_BIN',
      supportBigNumbers: true,
      bigNumberStrings: false,
      decimalNumbers: true,
      flags: ['FOUND_ROWS'],
      // `exec` only (migrations, tests); every value still goes through mysql2's escaping.
      multipleStatements: true,
      // Times are numbers (ms) in BIGINT columns; no DATE columns to convert.
      dateStrings: true,
      enableKeepAlive: true,
    });
    // The core pool's connection runs its queries in order: these run before any other on it.
    this.pool.pool.on('connection', (conn) => {
      for (const sql of SESSION_SETUP) conn.query(sql);
    });
  }

  private check(): void {
    if (this.closed) throw new Error('store closed');
  }

  /** One statement outside a transaction, on any connection of the pool (INSERT IGNORE: one of its own, see `queryOn`). */
  private async query(sql: string, params: readonly SqlValue[] = []): Promise<unknown> {
    this.check();
    if (!IGNORING.test(sql)) return (await this.pool.query(sql, params as SqlValue[]))[0];
    const conn = await this.pool.getConnection();
    let broken = false;
    try {
      return await queryOn(conn, sql, params);
    } catch (e) {
      broken = (e as { fatal?: boolean }).fatal === true;
      throw e;
    } finally {
      release(conn, broken);
    }
  }

  async all<T = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]> {
    return (await this.query(sql, params)) as T[];
  }
  async get<T = Row>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined> {
    return (await this.all<T>(sql, params))[0];
  }
  async run(sql: string, params?: readonly SqlValue[]): Promise<{ changes: number }> {
    return changes(await this.query(sql, params));
  }
  async insert(sql: string, params?: readonly SqlValue[]): Promise<number | undefined> {
    return insertId(await this.query(sql, params));
  }

  transaction<T>(fn: (tx: SqlQueries) => Promise<T>): Promise<T> {
    try {
      this.check();
    } catch (e) {
      return Promise.reject(e as Error);
    }
    const run = this.runTransaction(fn);
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.open.add(settled);
    void settled.then(() => this.open.delete(settled));
    return run;
  }

  private async runTransaction<T>(fn: (tx: SqlQueries) => Promise<T>): Promise<T> {
    const conn = await this.pool.getConnection();
    let broken = false;
    const q = async (sql: string, params: readonly SqlValue[] = []): Promise<unknown> => {
      try {
        return await queryOn(conn, sql, params);
      } catch (e) {
        if ((e as { fatal?: boolean }).fatal) broken = true;
        throw e;
      }
    };
    const tx: SqlQueries = {
      all: async <R>(sql: string, p?: readonly SqlValue[]) => (await q(sql, p)) as R[],
      get: async <R>(sql: string, p?: readonly SqlValue[]) => ((await q(sql, p)) as R[])[0],
      run: async (sql, p) => changes(await q(sql, p)),
      insert: async (sql, p) => insertId(await q(sql, p)),
    };
    try {
      await q('START TRANSACTION');
      const value = await fn(tx);
      await q('COMMIT');
      return value;
    } catch (e) {
      if (!broken) await q('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      release(conn, broken);
    }
  }

  async exec(sql: string): Promise<void> {
    this.check();
    await this.pool.query(sql);
  }

  /**
   * Runs `fn` holding the MySQL named lock MIGRATION_LOCK (GET_LOCK): one holder at a time among every
   * client of the server, whatever its process. Waits for it at most `waitSeconds`, then throws.
   */
  async withMigrationLock<T>(fn: () => Promise<T>, waitSeconds = 120): Promise<T> {
    const name = MIGRATION_LOCK;
    this.check();
    // Held by this connection's session: it stays out of the pool until the lock is released.
    const conn = await this.pool.getConnection();
    let broken = true;
    try {
      const [rows] = await conn.query('SELECT GET_LOCK(?, ?) AS got', [name, waitSeconds]);
      if ((rows as { got: number | null }[])[0]?.got !== 1)
        throw new Error(`could not take the lock ${name} within ${waitSeconds} s (another process holds it)`);
      try {
        return await fn();
      } finally {
        await conn.query('SELECT RELEASE_LOCK(?)', [name]);
        broken = false;
      }
    } finally {
      release(conn, broken);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.open);
    await this.pool.end();
  }
}

/** `dialect.insertIgnore`'s statements. */
const IGNORING = /^INSERT IGNORE /;
const ER_DUP_ENTRY = 1062;

/**
 * Runs one statement on `conn`. INSERT IGNORE skips more than a duplicate key: a foreign key or a NOT
 * NULL it turns into a warning too. Only the duplicate is what `insertIgnore` may skip, so any other
 * warning of such a statement is thrown as the error it stands for (nothing was inserted).
 */
async function queryOn(conn: PoolConnection, sql: string, params: readonly SqlValue[] = []): Promise<unknown> {
  const [result] = await conn.query(sql, params as SqlValue[]);
  if (IGNORING.test(sql) && (result as ResultSetHeader).warningStatus > 0) {
    const [warnings] = await conn.query('SHOW WARNINGS');
    const bad = (warnings as { Code: number; Message: string }[]).find((w) => w.Code !== ER_DUP_ENTRY);
    if (bad) throw Object.assign(new Error(bad.Message), { errno: bad.Code });
  }
  return result;
}

function changes(result: unknown): { changes: number } {
  return { changes: (result as ResultSetHeader).affectedRows };
}

function insertId(result: unknown): number | undefined {
  const r = result as ResultSetHeader;
  return r.affectedRows === 0 ? undefined : Number(r.insertId);
}

/** Back to the pool, or closed when it failed (a broken connection, or a session that may hold a lock). */
function release(conn: PoolConnection, broken: boolean): void {
  if (broken) conn.destroy();
  else conn.release();
}
