import { isApiScope } from '@warbler/protocol';
import type { SqlClient, SqlQueries } from './sql-client.js';
import type { AccountChange, AccountChangeRow, AdminStore, ApiKeyRow, NewApiKey } from '../admin-store.js';
import { USER_COLS, toUser, type RawUser } from './user-rows.js';
import type { UserRow } from '../store.js';

const KEY_COLS = 'id, name, scopes, key_hash AS keyHash, created_at AS createdAt, last_used_at AS lastUsedAt, revoked_at AS revokedAt';
/** The stored password hash of a deleted account: matches no password (not an scrypt hash). */
const NO_PASSWORD = '!';

type RawKey = Omit<ApiKeyRow, 'scopes'> & { scopes: string };
const num = (v: unknown): number => Number(v);
const orNull = (v: unknown): number | null => (v == null ? null : num(v));

const toKey = (r: RawKey): ApiKeyRow => ({
  id: num(r.id),
  name: r.name,
  // A scope this build does not know (written by a newer one) grants nothing here.
  scopes: r.scopes.split(',').filter(isApiScope),
  keyHash: r.keyHash,
  createdAt: num(r.createdAt),
  lastUsedAt: orNull(r.lastUsedAt),
  revokedAt: orNull(r.revokedAt),
});

/** AdminStore on SQL: queries written once, dialect hooks from the client. */
export class SqlAdminStore implements AdminStore {
  constructor(private readonly db: SqlClient) {}

  async createApiKey(k: NewApiKey): Promise<ApiKeyRow> {
    const id = await this.db.insert('INSERT INTO api_keys (name, scopes, key_hash, created_at) VALUES (?, ?, ?, ?)', [
      k.name,
      k.scopes.join(','),
      k.keyHash,
      k.createdAt,
    ]);
    return { ...k, scopes: [...k.scopes], id: id!, lastUsedAt: null, revokedAt: null };
  }

  async apiKeyByHash(keyHash: string): Promise<ApiKeyRow | undefined> {
    const r = await this.db.get<RawKey>(`SELECT ${KEY_COLS} FROM api_keys WHERE key_hash = ?`, [keyHash]);
    return r && toKey(r);
  }

  async listApiKeys(): Promise<ApiKeyRow[]> {
    return (await this.db.all<RawKey>(`SELECT ${KEY_COLS} FROM api_keys ORDER BY id`)).map(toKey);
  }

  async revokeApiKey(id: number, at: number): Promise<boolean> {
    const r = await this.db.run('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL', [at, id]);
    return r.changes > 0;
  }

  async touchApiKey(id: number, at: number): Promise<void> {
    await this.db.run('UPDATE api_keys SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)', [at, id, at]);
  }

  async listUsers(after: number, limit: number): Promise<UserRow[]> {
    const rows = await this.db.all<RawUser>(`SELECT ${USER_COLS} FROM users WHERE id > ? AND deleted_at IS NULL ORDER BY id LIMIT ?`, [
      after,
      limit,
    ]);
    return rows.map(toUser);
  }

  setDisabled(userId: number, at: number | null): Promise<UserRow | undefined> {
    return this.db.transaction(async (tx) => {
      if (at === null) await tx.run('UPDATE users SET disabled_at = NULL WHERE id = ? AND deleted_at IS NULL', [userId]);
      else {
        const r = await tx.run('UPDATE users SET disabled_at = COALESCE(disabled_at, ?) WHERE id = ? AND deleted_at IS NULL', [at, userId]);
        if (r.changes > 0) await this.closeSessions(tx, userId, 'disabled', at);
      }
      const row = await tx.get<RawUser>(`SELECT ${USER_COLS} FROM users WHERE id = ? AND deleted_at IS NULL`, [userId]);
      return row && toUser(row);
    });
  }

  resetPassword(userId: number, passwordHash: string, at: number): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const r = await tx.run('UPDATE users SET password_hash = ? WHERE id = ? AND deleted_at IS NULL', [passwordHash, userId]);
      if (r.changes === 0) return false;
      await this.closeSessions(tx, userId, 'password', at);
      return true;
    });
  }

  deleteUser(userId: number, at: number): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const r = await tx.run(
        `UPDATE users SET username = ?, display_name = '', password_hash = ?, avatar = NULL, bio = NULL,
           friend_policy = 'nobody', presence_privacy = 'nobody', disabled_at = COALESCE(disabled_at, ?), deleted_at = ?
         WHERE id = ? AND deleted_at IS NULL`,
        [`~${userId}`, NO_PASSWORD, at, at, userId],
      );
      if (r.changes === 0) return false;
      // Requests live only in the store: gone now, so nobody can accept or approve a deleted account.
      await tx.run('DELETE FROM friend_requests WHERE from_id = ? OR to_id = ?', [userId, userId]);
      await tx.run('DELETE FROM group_requests WHERE user_id = ?', [userId]);
      await this.closeSessions(tx, userId, 'deleted', at);
      return true;
    });
  }

  /** Revokes every device of the user and records the change for the servers to act on. */
  private async closeSessions(tx: SqlQueries, userId: number, kind: AccountChange, at: number): Promise<void> {
    await tx.run('UPDATE devices SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL', [at, userId]);
    await tx.run('INSERT INTO account_changes (user_id, kind, at) VALUES (?, ?, ?)', [userId, kind, at]);
  }

  async unfinishedDeletions(): Promise<number[]> {
    const rows = await this.db.all<{ id: number }>(
      `SELECT u.id FROM users u WHERE u.deleted_at IS NOT NULL AND (
         EXISTS (SELECT 1 FROM members m JOIN conversations c ON c.id = m.conv_id WHERE m.user_id = u.id AND c.kind = 'group')
         OR EXISTS (SELECT 1 FROM friendships f WHERE f.user_id = u.id)
         OR EXISTS (SELECT 1 FROM friend_requests r WHERE r.from_id = u.id OR r.to_id = u.id)
         OR EXISTS (SELECT 1 FROM blocks b WHERE b.blocker_id = u.id OR b.blocked_id = u.id)
       ) ORDER BY u.id`,
    );
    return rows.map((r) => num(r.id));
  }

  async accountChangesAfter(after: number, limit: number): Promise<AccountChangeRow[]> {
    const rows = await this.db.all<AccountChangeRow>(
      'SELECT id, user_id AS userId, kind, at FROM account_changes WHERE id > ? ORDER BY id LIMIT ?',
      [after, limit],
    );
    return rows.map((r) => ({ id: num(r.id), userId: num(r.userId), kind: r.kind, at: num(r.at) }));
  }

  async lastAccountChange(): Promise<number> {
    const r = await this.db.get<{ last: number | null }>('SELECT MAX(id) AS last FROM account_changes');
    return num(r?.last ?? 0);
  }

  async pruneAccountChanges(before: number): Promise<void> {
    await this.db.run('DELETE FROM account_changes WHERE at < ?', [before]);
  }
}
