import Database from 'better-sqlite3';
import { SQLITE } from './dialect-sqlite.js';
import type { Row, SqlClient, SqlQueries, SqlValue } from './sql-client.js';

export interface SqliteOptions {
  /** Path of the database file. */
  file: string;
  synchronous: 'full' | 'normal';
  /** `wal_autocheckpoint`: WAL pages after which a commit checkpoints (SQLite's default 1000). */
  checkpointPages?: number;
  /** Page cache of the connection, MiB (`cache_size`; SQLite's default is 2 MiB). */
  cacheMiB?: number;
  /** Bytes of the database file read through a memory map instead of read calls (`mmap_size`), MiB; 0: none. */
  mmapMiB?: number;
}

/**
 * The SqlClient on SQLite, through better-sqlite3: WAL journal, one connection, statements prepared once
 * and cached. Transactions run one at a time (BEGIN IMMEDIATE: the write lock from the start), queued in
 * call order; a query outside them waits for the open one to end. Queries run synchronously: the
 * promises they return are already settled, so a transaction body that awaits only its own queries
 * runs to its end without yielding to other I/O (see the Timing rule of sql-client.ts).
 */
export class SqliteClient implements SqlClient {
  readonly dialect = SQLITE;
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();
  private txTail: Promise<void> = Promise.resolve();
  private inTx = false;
  private readonly tx: SqlQueries = {
    all: async (sql, p) => this.allNow(sql, p),
    get: async (sql, p) => this.getNow(sql, p),
    run: async (sql, p) => this.runNow(sql, p),
    insert: async (sql, p) => this.insertNow(sql, p),
  };

  constructor(opts: SqliteOptions) {
    this.db = new Database(opts.file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${opts.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    if (opts.checkpointPages !== undefined) this.db.pragma(`wal_autocheckpoint = ${opts.checkpointPages}`);
    if (opts.cacheMiB !== undefined) this.db.pragma(`cache_size = ${-opts.cacheMiB * 1024}`);
    if (opts.mmapMiB !== undefined) this.db.pragma(`mmap_size = ${opts.mmapMiB * 1024 * 1024}`);
  }

  private stmt(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }
  private allNow<T>(sql: string, params: readonly SqlValue[] = []): T[] {
    return this.stmt(sql).all(...params) as T[];
  }
  private getNow<T>(sql: string, params: readonly SqlValue[] = []): T | undefined {
    return this.stmt(sql).get(...params) as T | undefined;
  }
  private runNow(sql: string, params: readonly SqlValue[] = []): { changes: number } {
    return { changes: this.stmt(sql).run(...params).changes };
  }
  private insertNow(sql: string, params: readonly SqlValue[] = []): number | undefined {
    const r = this.stmt(sql).run(...params);
    return r.changes === 0 ? undefined : Number(r.lastInsertRowid);
  }
  /** Outside a transaction, a query waits for an open one to end so it never joins it. */
  private async idle(): Promise<void> {
    while (this.inTx) await this.txTail;
  }

  async all<T = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]> {
    if (this.inTx) await this.idle();
    return this.allNow<T>(sql, params);
  }
  async get<T = Row>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined> {
    if (this.inTx) await this.idle();
    return this.getNow<T>(sql, params);
  }
  async run(sql: string, params?: readonly SqlValue[]): Promise<{ changes: number }> {
    if (this.inTx) await this.idle();
    return this.runNow(sql, params);
  }
  async insert(sql: string, params?: readonly SqlValue[]): Promise<number | undefined> {
    if (this.inTx) await this.idle();
    return this.insertNow(sql, params);
  }

  transaction<T>(fn: (tx: SqlQueries) => Promise<T>): Promise<T> {
    const result = this.txTail.then(async () => {
      this.inTx = true;
      try {
        // Inside the try: a BEGIN that fails (closed database, SQLITE_BUSY) must still reset inTx,
        // or every later query would wait on it forever.
        this.db.exec('BEGIN IMMEDIATE');
        const value = await fn(this.tx);
        this.db.exec('COMMIT');
        return value;
      } catch (e) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw e;
      } finally {
        this.inTx = false;
      }
    });
    this.txTail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  async exec(sql: string): Promise<void> {
    if (this.inTx) await this.idle();
    this.db.exec(sql);
  }

  /** One connection, and transactions one at a time: a migration's own transactions are its lock. */
  withMigrationLock<T>(fn: () => Promise<T>): Promise<T> {
    return fn();
  }

  async close(): Promise<void> {
    await this.txTail;
    this.db.close();
  }
}
