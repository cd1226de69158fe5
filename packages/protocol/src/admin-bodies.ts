import { Type, type Static } from '@sinclair/typebox';
import { INVITE_LIMITS } from './admin-invites.js';

/** The admin API's request bodies, as schemas the server compiles (docs/admin-api.md). */

/** Body of `POST /api/admin/users`: create accounts in bulk (docs/admin-api.md). */
export const AdminCreateUsersBody = Type.Object({
  users: Type.Array(
    Type.Object({
      username: Type.String({ maxLength: 64 }),
      displayName: Type.Optional(Type.String({ maxLength: 256 })),
      password: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
    }),
    { minItems: 1 },
  ),
  /** Give each new account a device and return its token. */
  issueTokens: Type.Optional(Type.Boolean()),
  /** Name of the devices created with `issueTokens`. */
  device: Type.Optional(Type.String({ maxLength: 64 })),
});
export type AdminCreateUsersBody = Static<typeof AdminCreateUsersBody>;

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
