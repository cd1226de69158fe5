import { takeLock } from './locks.js';
import type { SqlClient } from './sql-client.js';
import type { AuthLimitStore, LimitRecord } from '../auth-limit-store.js';

const num = (v: unknown): number => Number(v);

/** AuthLimitStore on SQL: one row per key in `auth_limits` (migration 7). */
export class SqlAuthLimitStore implements AuthLimitStore {
  constructor(private readonly db: SqlClient) {}

  async loadLimits(now: number): Promise<LimitRecord[]> {
    const rows = await this.db.all<{ k: string; hits: number; lockedUntil: number; setAt: number; expiresAt: number }>(
      'SELECT limit_key AS k, hits, locked_until AS lockedUntil, set_at AS setAt, expires_at AS expiresAt FROM auth_limits WHERE expires_at > ? ORDER BY set_at, limit_key',
      [now],
    );
    return rows.map((r) => ({ key: r.k, count: num(r.hits), until: num(r.lockedUntil), at: num(r.setAt), expiresAt: num(r.expiresAt) }));
  }

  async saveLimits(upsert: readonly LimitRecord[], remove: readonly string[], now: number): Promise<void> {
    const upserts = [...upsert].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const sql = this.db.dialect.upsert('auth_limits', ['limit_key', 'hits', 'locked_until', 'set_at', 'expires_at'], ['limit_key']);
    await this.db.transaction(async (tx) => {
      await takeLock(tx, this.db.dialect, 'auth_limits', 'exclusive');
      // One upsert per key (two processes saving the same key never both insert it), in key order (two
      // transactions writing the same keys take their row locks in the same order).
      for (const key of [...remove].sort()) await tx.run('DELETE FROM auth_limits WHERE limit_key = ?', [key]);
      for (const r of upserts) await tx.run(sql, [r.key, r.count, r.until, r.at, r.expiresAt]);
      await tx.run('DELETE FROM auth_limits WHERE expires_at <= ?', [now]);
    });
  }
}
