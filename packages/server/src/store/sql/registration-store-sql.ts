import type { SqlClient, SqlQueries } from './sql-client.js';
import type { InviteRefusal, InviteRow, NewInvite, RegistrationStore } from '../registration-store.js';
import type { NewUser, UserRow } from '../store.js';

const INVITE_COLS =
  'id, note, max_uses AS maxUses, uses, created_at AS createdAt, expires_at AS expiresAt, created_by AS createdBy, revoked_at AS revokedAt';
type RawInvite = Record<keyof InviteRow, unknown>;
const num = (v: unknown): number => Number(v);
const orNull = (v: unknown): number | null => (v == null ? null : num(v));

const toInvite = (r: RawInvite): InviteRow => ({
  id: num(r.id),
  note: (r.note as string | null) ?? null,
  maxUses: num(r.maxUses),
  uses: num(r.uses),
  createdAt: num(r.createdAt),
  expiresAt: num(r.expiresAt),
  createdBy: orNull(r.createdBy),
  revokedAt: orNull(r.revokedAt),
});

/** Inserts a user in the caller's transaction; throws StoreConflictError when the username is taken. */
export type InsertUser = (tx: SqlQueries, user: NewUser) => Promise<UserRow>;

/** RegistrationStore on SQL: the `invites` table (migration 7). */
export class SqlRegistrationStore implements RegistrationStore {
  constructor(
    private readonly db: SqlClient,
    private readonly insertUser: InsertUser,
  ) {}

  async hasUsers(): Promise<boolean> {
    return (await this.db.get('SELECT id FROM users LIMIT 1')) !== undefined;
  }

  async createInvite(i: NewInvite): Promise<InviteRow> {
    const id = await this.db.insert(
      'INSERT INTO invites (code_hash, note, max_uses, uses, created_at, expires_at, created_by) VALUES (?, ?, ?, 0, ?, ?, ?)',
      [i.codeHash, i.note, i.maxUses, i.createdAt, i.expiresAt, i.createdBy],
    );
    return {
      id: id!,
      note: i.note,
      maxUses: i.maxUses,
      uses: 0,
      createdAt: i.createdAt,
      expiresAt: i.expiresAt,
      createdBy: i.createdBy,
      revokedAt: null,
    };
  }

  async listInvites(limit: number, before: number): Promise<InviteRow[]> {
    const rows =
      before > 0
        ? await this.db.all<RawInvite>(`SELECT ${INVITE_COLS} FROM invites WHERE id < ? ORDER BY id DESC LIMIT ?`, [before, limit])
        : await this.db.all<RawInvite>(`SELECT ${INVITE_COLS} FROM invites ORDER BY id DESC LIMIT ?`, [limit]);
    return rows.map(toInvite);
  }

  async revokeInvite(id: number, at: number): Promise<InviteRow | undefined> {
    return this.db.transaction(async (tx) => {
      await tx.run('UPDATE invites SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL', [at, id]);
      const r = await tx.get<RawInvite>(`SELECT ${INVITE_COLS} FROM invites WHERE id = ?`, [id]);
      return r && toInvite(r);
    });
  }

  registerWithInvite(
    codeHash: string,
    user: NewUser,
    now: number,
  ): Promise<{ user: UserRow; inviteId: number } | { refused: InviteRefusal }> {
    return this.db.transaction(async (tx) => {
      const r = await tx.get<RawInvite>(`SELECT ${INVITE_COLS} FROM invites WHERE code_hash = ?${this.db.dialect.forUpdate}`, [codeHash]);
      const refused = r === undefined ? 'unknown' : refusal(toInvite(r), now);
      if (refused) return { refused };
      const invite = toInvite(r!);
      await tx.run('UPDATE invites SET uses = uses + 1 WHERE id = ?', [invite.id]);
      // A taken username throws here, and the transaction takes the use back.
      return { user: await this.insertUser(tx, user), inviteId: invite.id };
    });
  }
}

/** Why a known invite admits nobody at `now`, or undefined when it is live. */
function refusal(i: InviteRow, now: number): InviteRefusal | undefined {
  if (i.revokedAt !== null) return 'revoked';
  if (i.expiresAt <= now) return 'expired';
  if (i.uses >= i.maxUses) return 'used_up';
  return undefined;
}
