import { Type, type TSchema } from '@sinclair/typebox';
import { AUDIT_EVENTS } from '@warbler/protocol';

/**
 * The admin API's answers as schemas, for the OpenAPI document (the types in @warbler/protocol say the
 * same; test/openapi.test.ts checks real answers against these).
 */
const Int = (description?: string): TSchema => Type.Integer(description ? { description } : {});
const Time = (description: string): TSchema => Type.Integer({ description: `${description} (milliseconds since the epoch)` });

export const AdminUserSchema = Type.Object(
  {
    id: Int(),
    username: Type.String(),
    displayName: Type.String(),
    admin: Type.Boolean({ description: 'marked an administrator' }),
    disabled: Type.Boolean({ description: 'cannot log in or resume until enabled' }),
    createdAt: Time('when it was created'),
  },
  { title: 'AdminUser' },
);

export const CreateUsersResult = Type.Object({
  users: Type.Array(Type.Object({ id: Int(), username: Type.String(), token: Type.Optional(Type.String()) }), {
    description: 'in request order; `token` with `issueTokens`',
  }),
});

export const ListUsersResult = Type.Object({
  users: Type.Array(AdminUserSchema),
  next: Type.Optional(Int('give as `after` for the next page; absent on the last page')),
});

export const UserResult = Type.Object({ user: AdminUserSchema });

export const DeletedResult = Type.Object({ id: Int(), deleted: Type.Literal(true) });

export const AdminInviteSchema = Type.Object(
  {
    id: Int(),
    state: Type.Union([Type.Literal('live'), Type.Literal('expired'), Type.Literal('used_up'), Type.Literal('revoked')]),
    uses: Int(),
    maxUses: Int(),
    createdAt: Time('when it was made'),
    expiresAt: Time('when it expires'),
    note: Type.Optional(Type.String()),
    createdBy: Type.Optional(Int('the admin account that made it')),
    revokedAt: Type.Optional(Time('when it was revoked')),
  },
  { title: 'AdminInvite' },
);

export const ListInvitesResult = Type.Object({ invites: Type.Array(AdminInviteSchema), more: Type.Boolean() });

export const CreateInviteResult = Type.Object({
  invite: AdminInviteSchema,
  code: Type.String({ description: 'the invite code, shown this once' }),
});

export const InviteResult = Type.Object({ invite: AdminInviteSchema });

export const AuditEntrySchema = Type.Object(
  {
    id: Int(),
    at: Time('when it happened'),
    event: Type.Union(AUDIT_EVENTS.map((e) => Type.Literal(e))),
    userId: Type.Optional(Int('the account concerned')),
    actor: Type.Optional(Type.String({ description: '`key:<id>` or `cli:<system user>`' })),
    ip: Type.Optional(Type.String()),
    deviceId: Type.Optional(Int()),
    detail: Type.Optional(Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()]))),
  },
  { title: 'AuditEntry' },
);

export const AuditResult = Type.Object({
  entries: Type.Array(AuditEntrySchema),
  next: Type.Optional(Int('give as `before` for the next (older) page; absent on the last page')),
});
