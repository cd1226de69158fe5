/** Bounds of an invite: how many accounts it may create, how long it lives, its note. */
export const INVITE_LIMITS = {
  maxUses: 10000,
  defaultUses: 1,
  minTtlSeconds: 60,
  maxTtlSeconds: 366 * 86400,
  defaultTtlSeconds: 7 * 86400,
  noteChars: 200,
} as const;

/** `live`: admits registrations; the others admit nobody. */
export type InviteState = 'live' | 'expired' | 'used_up' | 'revoked';

/** An invite as admins see it: never its code, which is shown once, when it is created. */
export interface AdminInvite {
  id: number;
  state: InviteState;
  uses: number;
  maxUses: number;
  createdAt: number;
  expiresAt: number;
  note?: string;
  /** The admin account that made it; absent when made by the CLI. */
  createdBy?: number;
  revokedAt?: number;
}

/** Result of `POST /api/admin/invites`: the invite and its code (the only time the code is shown). */
export interface AdminCreateInviteResult {
  invite: AdminInvite;
  code: string;
}
