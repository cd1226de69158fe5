import postgres from 'postgres';
import { POSTGRES } from './dialect-postgres.js';
import type { Row, SqlClient, SqlQueries, SqlValue } from './sql-client.js';

export interface PostgresOptions {
  /** `postgres://user:password@host:port/database?sslmode=…`. */
  url: string;
  /** Most connections the client opens: transactions and the reads outside them share them. */
  poolSize: number;
  /** How long opening a connection may take before it fails, ms. */
  connectTimeoutMs: number;
}

/** Key of the session-level advisory lock every Warbler process takes while it migrates (`pg_advisory_lock`). */
export const MIGRATION_LOCK_KEY = 0x77617262; // 'warb'

/** `user@host:port/database` of a connection URL, without its password, for messages; the URL as given when it does not parse. */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.username ? `${decodeURIComponent(u.username)}@` : ''}${u.hostname || 'localhost'}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return 'an unreadable URL (postgres://USER:PASSWORD@HOST:PORT/DATABASE)';
  }
}

/**
 * The store's SQL in PostgreSQL's spelling: `?` placeholders become `$1, $2, …`, and a camelCase alias
 * (`AS lastSeq`: lower case first, an upper-case letter later; not a keyword like `AS IDENTITY`) is quoted so PostgreSQL gives the column back as written instead of folding it to lower
 * case. Quoted strings and identifiers are left as they are.
 * @example toPostgresSql("SELECT last_seq AS lastSeq FROM c WHERE id = ? AND k = '?'") // SELECT last_seq AS "lastSeq" FROM c WHERE id = $1 AND k = '?'
 */
export function toPostgresSql(sql: string): string {
  let n = 0;
  // Outside quotes only: the odd pieces of a split on quoted runs are the quoted runs themselves.
  return sql
    .split(/('(?:[^']|'')*'|"(?:[^"]|"")*")/)
    .map((piece, i) =>
      i % 2 === 1
        ? piece
        : piece
            .replace(/\?/g, () => `$${++n}`)
            .replace(/\bAS\s+([A-Za-z_][A-Za-z0-9_]*)/gi, (all, name: string) =>
              /^[a-z][a-z0-9_]*[A-Z]/.test(name) ? `AS "${name}"` : all,
            ),
    )
    .join('');
}

/**
 * The SqlClient on PostgreSQL, through postgres.js: a pool of `poolSize` connections; every statement is
 * prepared once per connection (postgres.js names and caches them) from its SQL text translated once
 * (`toPostgresSql`, cached). BIGINT (int8) and COUNT/SUM results come back as numbers (every id,
 * sequence and time is a safe integer). A transaction holds one connection from BEGIN to COMMIT at
 * READ COMMITTED, whatever the server's default: the store locks the rows it decides on
 * (`dialect.forUpdate`), and each statement after a lock sees what the lock's holder committed. Reads
 * outside a transaction take any free connection of the pool, so they never see an open transaction's
 * writes.
 */
export class PostgresClient implements SqlClient {
  readonly dialect = POSTGRES;
  private readonly sql: postgres.Sql;
  /** The queries of the pool: reads and writes outside transactions. */
  private readonly pool: SqlQueries;
  private readonly texts = new Map<string, string>();
  /** Transactions begun and not yet ended: `close` waits for them. */
  private readonly open = new Set<Promise<unknown>>();
  private closed = false;

  constructor(opts: PostgresOptions) {
    const int8 = { to: 20, from: [20, 1700], serialize: (x: unknown) => String(x), parse: (x: string) => Number(x) };
    this.sql = postgres(opts.url, {
      max: opts.poolSize,
      connect_timeout: opts.connectTimeoutMs / 1000,
      // NOTICEs (e.g. "relation already exists, skipping") are not the operator's business.
      onnotice: () => undefined,
      types: { int8 },
      // Closes connections idle for a minute, so a quiet server holds few.
      idle_timeout: 60,
    });
    this.pool = this.queriesOf(this.sql);
  }

  private text(sql: string): string {
    let t = this.texts.get(sql);
    if (t === undefined) {
      t = toPostgresSql(sql);
      this.texts.set(sql, t);
    }
    return t;
  }

  /** The queries of `sql` (the pool, or one transaction's connection). */
  private queriesOf(sql: postgres.Sql | postgres.ReservedSql): SqlQueries {
    const q = (text: string, params: readonly SqlValue[] = []) =>
      sql.unsafe(this.text(text), params as postgres.ParameterOrJSON<never>[], { prepare: true });
    return {
      all: async <T>(text: string, params?: readonly SqlValue[]) => [...(await q(text, params))] as T[],
      get: async <T>(text: string, params?: readonly SqlValue[]) => (await q(text, params))[0] as T | undefined,
      run: async (text: string, params?: readonly SqlValue[]) => ({ changes: (await q(text, params)).count }),
      insert: async (text: string, params?: readonly SqlValue[]) => {
        const r = (await q(`${text} RETURNING id`, params))[0];
        return r === undefined ? undefined : Number(r.id);
      },
    };
  }

  private check(): void {
    if (this.closed) throw new Error('the PostgreSQL client is closed');
  }

  async all<T = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]> {
    this.check();
    return this.pool.all<T>(sql, params);
  }
  async get<T = Row>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined> {
    this.check();
    return this.pool.get<T>(sql, params);
  }
  async run(sql: string, params?: readonly SqlValue[]): Promise<{ changes: number }> {
    this.check();
    return this.pool.run(sql, params);
  }
  async insert(sql: string, params?: readonly SqlValue[]): Promise<number | undefined> {
    this.check();
    return this.pool.insert(sql, params);
  }

  async transaction<T>(fn: (tx: SqlQueries) => Promise<T>): Promise<T> {
    this.check();
    const run = this.runTransaction(fn);
    this.open.add(run);
    try {
      return await run;
    } finally {
      this.open.delete(run);
    }
  }

  /**
   * BEGIN … COMMIT on a connection reserved for the transaction, written out rather than postgres.js's
   * `begin`, which fails the whole transaction on any failed statement: the group commit rolls a failed
   * op back to its savepoint and commits the rest.
   */
  private async runTransaction<T>(fn: (tx: SqlQueries) => Promise<T>): Promise<T> {
    const conn = await this.sql.reserve();
    try {
      await conn.unsafe('BEGIN ISOLATION LEVEL READ COMMITTED');
      let value: T;
      try {
        value = await fn(this.queriesOf(conn));
      } catch (e) {
        // Also when the server aborted the transaction itself (a deadlock): ROLLBACK ends it either way.
        await conn.unsafe('ROLLBACK').catch(() => undefined);
        throw e;
      }
      // A transaction the server aborted answers COMMIT with ROLLBACK, not an error.
      const done = await conn.unsafe('COMMIT');
      if (done.command !== 'COMMIT') throw new Error('the transaction was aborted by an earlier error and rolled back');
      return value;
    } finally {
      conn.release();
    }
  }

  async exec(sql: string): Promise<void> {
    this.check();
    await this.sql.unsafe(sql).simple();
  }

  /**
   * Runs `fn` holding PostgreSQL's session-level advisory lock MIGRATION_LOCK_KEY on a connection of its
   * own: processes starting at once migrate one after the other, and the later ones find nothing to do.
   */
  async withMigrationLock<T>(fn: () => Promise<T>): Promise<T> {
    this.check();
    const conn = await this.sql.reserve();
    try {
      await conn.unsafe('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
      try {
        return await fn();
      } finally {
        await conn.unsafe('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
      }
    } finally {
      conn.release();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.open]);
    await this.sql.end({ timeout: 5 });
  }
}
