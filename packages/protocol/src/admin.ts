import { Type, type Static } from '@sinclair/typebox';

/** Most users one `POST /api/admin/users` may create. */
export const ADMIN_MAX_USERS = 1000;

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

export interface AdminCreateUsersResult {
  users: { id: number; username: string; token?: string }[];
}
