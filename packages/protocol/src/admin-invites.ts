import { Type, type Static } from '@sinclair/typebox';

/** Bounds of an invite: how many accounts it may create, how long it lives, its note. */
export const INVITE_LIMITS = {
  maxUses: 10000,
  defaultUses: 1,
  minTtlSeconds: 60,
  maxTtlSeconds: 366 * 86400,
  defaultTtlSeconds: 7 * 86400,
  noteChars: 200,
} as const;

/** Body of `POST /api/admin/invites` (docs/admin-api.md); every field optional. */
export const AdminCreateInviteBody = Type.Object({
  /** How many accounts the code may create (default 1). */
  uses: Type.Optional(Type.Integer({ minimum: 1, maximum: INVITE_LIMITS.maxUses })),
  /** Seconds from now until the code expires (default 7 days). */
  expiresInSeconds: Type.Optional(Type.Integer({ minimum: INVITE_LIMITS.minTtlSeconds, maximum: INVITE_LIMITS.maxTtlSeconds })),
  /** What the invite is for, shown in lists. */
  note: Type.Optional(Type.String({ maxLength: INVITE_LIMITS.noteChars })),
});
export type AdminCreateInviteBody = Static<typeof AdminCreateInviteBody>;

/** Body of `POST /api/admin/invites/revoke`. */
export const AdminRevokeInviteBody = Type.Object({ id: Type.Integer({ minimum: 1 }) });
export type AdminRevokeInviteBody = Static<typeof AdminRevokeInviteBody>;

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
