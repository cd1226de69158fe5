import { INVITE_LIMITS, type AdminCreateInviteBody, type AdminInvite, type InviteState } from '@warbler/protocol';
import { hashToken, newInviteCode } from '../auth/tokens.js';
import { WarblerError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { InviteRow, RegistrationStore } from '../store/registration-store.js';

/** What an invite admits at `now`. */
function stateOf(i: InviteRow, now: number): InviteState {
  if (i.revokedAt !== null) return 'revoked';
  if (i.expiresAt <= now) return 'expired';
  if (i.uses >= i.maxUses) return 'used_up';
  return 'live';
}

/** An invite as admins see it (never its code). */
export function adminInvite(i: InviteRow, now = Date.now()): AdminInvite {
  return {
    id: i.id,
    state: stateOf(i, now),
    uses: i.uses,
    maxUses: i.maxUses,
    createdAt: i.createdAt,
    expiresAt: i.expiresAt,
    ...(i.note !== null ? { note: i.note } : {}),
    ...(i.createdBy !== null ? { createdBy: i.createdBy } : {}),
    ...(i.revokedAt !== null ? { revokedAt: i.revokedAt } : {}),
  };
}

/**
 * Registration invites (`auth.registration` = `invite`): admins create codes, each good for a number of
 * accounts until it expires, list them and revoke them, through the CLI (`warbler invite`) or the admin
 * HTTP API. A code is shown once, when it is made; the store keeps only its hash. `auth.register` redeems
 * one (Accounts.register).
 */
export class Invites {
  constructor(
    private readonly store: RegistrationStore,
    private readonly logger: Logger,
  ) {}

  /** Makes an invite; `createdBy` is the admin account, or null for the CLI. Throws `invalid_body` for a bad note. */
  async create(input: AdminCreateInviteBody, createdBy: number | null): Promise<{ invite: AdminInvite; code: string }> {
    const note = input.note?.normalize('NFC').trim() || null;
    if (note !== null && /\p{Cc}/u.test(note)) throw new WarblerError('invalid_body', 'note: no control characters');
    const code = newInviteCode();
    const now = Date.now();
    const row = await this.store.createInvite({
      codeHash: hashToken(code),
      note,
      maxUses: input.uses ?? INVITE_LIMITS.defaultUses,
      createdAt: now,
      expiresAt: now + (input.expiresInSeconds ?? INVITE_LIMITS.defaultTtlSeconds) * 1000,
      createdBy,
    });
    this.logger.info('invite created', { invite: row.id, uses: row.maxUses, expiresAt: row.expiresAt, by: createdBy ?? 'cli' });
    return { invite: adminInvite(row, now), code };
  }

  /** Invites newest first, `limit` of them, with an id below `before` (0: from the newest). */
  async list(limit: number, before = 0): Promise<AdminInvite[]> {
    const now = Date.now();
    return (await this.store.listInvites(limit, before)).map((r) => adminInvite(r, now));
  }

  /** Revokes an invite (again: no change); throws `invite_not_found`. */
  async revoke(id: number, by: number | null): Promise<AdminInvite> {
    const row = await this.store.revokeInvite(id, Date.now());
    if (!row) throw new WarblerError('invite_not_found', `no invite ${id}`);
    this.logger.info('invite revoked', { invite: id, by: by ?? 'cli' });
    return adminInvite(row);
  }
}
