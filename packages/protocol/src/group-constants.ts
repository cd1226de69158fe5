/** Groups: the closed sets and limits clients share (no schema library). */

/** Most user ids one `group.create`, `group.add` or `group.remove` may list; more is `request_too_large`. */
export const GROUP_MAX_USERS_PER_CALL = 1000;
/** Longest mute `group.mute` sets: 366 days, in seconds. */
export const GROUP_MAX_MUTE_SECONDS = 366 * 24 * 3600;

export const GROUP_ROLES = ['owner', 'admin', 'member'] as const;
export type GroupRole = (typeof GROUP_ROLES)[number];

/** `open`: anyone joins; `approval`: joining asks the admins; `invite`: only members add people. */
export const JOIN_POLICIES = ['open', 'approval', 'invite'] as const;
export type JoinPolicy = (typeof JOIN_POLICIES)[number];

/** The `type` of a `group` message's `event`. */
export const GROUP_EVENT_TYPES = [
  'created',
  'updated',
  'added',
  'removed',
  'left',
  'joined',
  'role',
  'transferred',
  'muted',
  'dissolved',
] as const;
export type GroupEventType = (typeof GROUP_EVENT_TYPES)[number];
