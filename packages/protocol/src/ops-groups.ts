/**
 * Group ops and events (issue "full IM feature set", part 1). Spread into OPS / EVENTS by schemas.ts.
 * Document each op in docs/protocol.md (the Ops table and a ### section).
 *
 * A group is named by its conversation id `g:<group id>` (field `conv`). Every change to a group is a
 * message of kind `group` in that conversation, with an `event` whose `type` is one of GROUP_EVENT_TYPES,
 * so sync replays it; groups add no event frames of their own.
 */
import { Type, type Static } from '@sinclair/typebox';
import { PageLimit, User, UserId } from './common.js';
import { GROUP_MAX_MUTE_SECONDS, GROUP_ROLES, JOIN_POLICIES } from './group-constants.js';

/** A group's conversation id: `g:<group id>`. */
export const GroupConvId = Type.String({ pattern: '^g:[1-9][0-9]{0,15}$', maxLength: 18 });

export const GroupRoleSchema = Type.Union(GROUP_ROLES.map((r) => Type.Literal(r)));

export const JoinPolicySchema = Type.Union(JOIN_POLICIES.map((p) => Type.Literal(p)));

/** A group name: 1–128 characters with at least one that is not white space. */
const GroupName = Type.String({ minLength: 1, maxLength: 128, pattern: '\\S' });
/** An avatar URL; in `group.update`, `""` removes it. */
const Avatar = Type.String({ maxLength: 2048 });
const Description = Type.String({ maxLength: 1024 });
const Announcement = Type.String({ maxLength: 4096 });
/** A list of user ids; `GROUP_MAX_USERS_PER_CALL` is checked by the server (`request_too_large`). */
const Users = Type.Array(UserId, { minItems: 1 });

/** What `group.create`, `group.get` and `group.update` return about a group. */
export const GroupInfo = Type.Object({
  conv: GroupConvId,
  name: Type.String(),
  avatar: Type.Optional(Type.String()),
  description: Type.Optional(Type.String()),
  /** Members only. */
  announcement: Type.Optional(Type.String()),
  ownerId: UserId,
  joinPolicy: JoinPolicySchema,
  /** Only the owner and admins may send. */
  mutedAll: Type.Boolean(),
  memberCount: Type.Integer({ minimum: 0 }),
  createdAt: Type.Integer(),
  /** The caller's role, when the caller is a member. */
  role: Type.Optional(GroupRoleSchema),
  /** When the caller is muted: the time the mute ends. */
  mutedUntil: Type.Optional(Type.Integer()),
});
export type GroupInfo = Static<typeof GroupInfo>;

export const GroupMember = Type.Object({
  user: User,
  role: GroupRoleSchema,
  joinedAt: Type.Integer(),
  /** Present while the member is muted: the time the mute ends. */
  mutedUntil: Type.Optional(Type.Integer()),
});
export type GroupMember = Static<typeof GroupMember>;

export const GroupJoinRequest = Type.Object({
  user: User,
  message: Type.Optional(Type.String()),
  createdAt: Type.Integer(),
});
export type GroupJoinRequest = Static<typeof GroupJoinRequest>;

const Conv = Type.Object({ conv: GroupConvId });
const Empty = Type.Object({});

export const GROUP_OPS = {
  'group.create': {
    data: Type.Object({
      name: GroupName,
      /** Other users to add as members (the creator is the owner); duplicates are ignored. */
      members: Type.Optional(Type.Array(UserId)),
      avatar: Type.Optional(Avatar),
      description: Type.Optional(Description),
      /** Default `open`. */
      joinPolicy: Type.Optional(JoinPolicySchema),
    }),
    result: Type.Object({ group: GroupInfo }),
  },
  'group.get': { data: Conv, result: Type.Object({ group: GroupInfo }) },
  'group.members': {
    data: Type.Object({
      conv: GroupConvId,
      /** Members with a user id greater than this (the `next` of the previous page). */
      after: Type.Optional(Type.Integer({ minimum: 0 })),
      limit: Type.Optional(PageLimit),
    }),
    result: Type.Object({ members: Type.Array(GroupMember), more: Type.Boolean(), next: Type.Optional(Type.Integer()) }),
  },
  'group.update': {
    data: Type.Object({
      conv: GroupConvId,
      name: Type.Optional(GroupName),
      avatar: Type.Optional(Avatar),
      description: Type.Optional(Description),
      announcement: Type.Optional(Announcement),
      joinPolicy: Type.Optional(JoinPolicySchema),
      mutedAll: Type.Optional(Type.Boolean()),
    }),
    result: Type.Object({ group: GroupInfo }),
  },
  'group.dissolve': { data: Conv, result: Empty },
  'group.add': { data: Type.Object({ conv: GroupConvId, users: Users }), result: Type.Object({ added: Type.Array(UserId) }) },
  'group.remove': { data: Type.Object({ conv: GroupConvId, users: Users }), result: Type.Object({ removed: Type.Array(UserId) }) },
  'group.leave': { data: Conv, result: Empty },
  'group.join': {
    data: Type.Object({ conv: GroupConvId, message: Type.Optional(Type.String({ maxLength: 512 })) }),
    result: Type.Object({ status: Type.Union([Type.Literal('joined'), Type.Literal('pending')]) }),
  },
  'group.requests': {
    data: Type.Object({ conv: GroupConvId, limit: Type.Optional(PageLimit) }),
    result: Type.Object({ requests: Type.Array(GroupJoinRequest), more: Type.Boolean() }),
  },
  'group.approve': {
    data: Type.Object({ conv: GroupConvId, user: UserId, accept: Type.Boolean() }),
    result: Type.Object({ status: Type.Union([Type.Literal('joined'), Type.Literal('declined')]) }),
  },
  'group.role': {
    data: Type.Object({ conv: GroupConvId, user: UserId, role: Type.Union([Type.Literal('admin'), Type.Literal('member')]) }),
    result: Empty,
  },
  'group.transfer': { data: Type.Object({ conv: GroupConvId, user: UserId }), result: Empty },
  'group.mute': {
    data: Type.Object({ conv: GroupConvId, user: UserId, seconds: Type.Integer({ minimum: 0, maximum: GROUP_MAX_MUTE_SECONDS }) }),
    result: Type.Object({ mutedUntil: Type.Integer() }),
  },
} as const;

/** Groups push no event frames of their own: their changes are `msg` events of kind `group`. */
export const GROUP_EVENTS = {} as const;
