import { Type } from '@sinclair/typebox';
import { ConvId, PageLimit, User, UserId } from './common.js';
import { FRIEND_POLICIES, PRESENCE_PRIVACIES, PROFILE_LIMITS } from './contact-constants.js';

/**
 * Contacts (friends, requests, blocking), profiles, user search, presence and typing.
 * Spread into OPS / EVENTS by schemas.ts. Document each op in docs/protocol.md.
 */

const FriendPolicy = Type.Union(FRIEND_POLICIES.map((p) => Type.Literal(p)));
const PresencePrivacy = Type.Union(PRESENCE_PRIVACIES.map((p) => Type.Literal(p)));
/** A user and since when (friends, blocks). */
const UserSince = Type.Object({ user: User, since: Type.Integer() });
/** A pending friend request, as its receiver or sender sees it: the other user. */
const FriendRequest = Type.Object({ user: User, message: Type.Optional(Type.String()), ts: Type.Integer() });
const OtherUser = Type.Object({ user: UserId });
const Empty = Type.Object({});
/** A page of users by ascending id: `after` is the last id of the previous page. */
const IdPage = Type.Object({ after: Type.Optional(UserId), limit: Type.Optional(PageLimit) });
/** One user's presence as the watcher may see it; `lastSeen` only when offline and visible. */
export const PresenceState = Type.Object({ user: UserId, online: Type.Boolean(), lastSeen: Type.Optional(Type.Integer()) });

export const CONTACT_OPS = {
  'profile.update': {
    data: Type.Object({
      displayName: Type.Optional(Type.String({ maxLength: 256 })),
      /** A URL or attachment id; `""` removes it. */
      avatar: Type.Optional(Type.String({ maxLength: PROFILE_LIMITS.avatarChars, pattern: '^\\S*$' })),
      /** `""` removes it. */
      bio: Type.Optional(Type.String({ maxLength: PROFILE_LIMITS.bioChars })),
    }),
    result: Type.Object({ user: User }),
  },
  'privacy.update': {
    data: Type.Object({ friendPolicy: Type.Optional(FriendPolicy), presence: Type.Optional(PresencePrivacy) }),
    result: Type.Object({ friendPolicy: FriendPolicy, presence: PresencePrivacy }),
  },
  'user.search': {
    data: Type.Object({
      q: Type.String({ maxLength: 64 }),
      limit: Type.Optional(Type.Integer({ minimum: 1, maximum: PROFILE_LIMITS.searchMaxResults })),
    }),
    result: Type.Object({ users: Type.Array(User) }),
  },
  'friend.request': {
    data: Type.Object({ user: UserId, message: Type.Optional(Type.String({ maxLength: PROFILE_LIMITS.requestMessageChars })) }),
    /** `pending`: waiting for their answer; `friends`: friends now; `already_friends`: nothing changed. */
    result: Type.Object({ status: Type.Union([Type.Literal('pending'), Type.Literal('friends'), Type.Literal('already_friends')]) }),
  },
  'friend.accept': { data: OtherUser, result: Type.Object({ user: User }) },
  'friend.decline': { data: OtherUser, result: Empty },
  'friend.remove': { data: OtherUser, result: Type.Object({ removed: Type.Boolean() }) },
  'friend.list': { data: IdPage, result: Type.Object({ friends: Type.Array(UserSince), more: Type.Boolean() }) },
  'friend.requests': {
    data: Type.Object({ limit: Type.Optional(PageLimit) }),
    result: Type.Object({ incoming: Type.Array(FriendRequest), outgoing: Type.Array(FriendRequest) }),
  },
  'block.add': { data: OtherUser, result: Empty },
  'block.remove': { data: OtherUser, result: Empty },
  'block.list': { data: IdPage, result: Type.Object({ blocked: Type.Array(UserSince), more: Type.Boolean() }) },
  'presence.watch': {
    data: Type.Object({ users: Type.Array(UserId, { minItems: 1, maxItems: 10000 }) }),
    result: Type.Object({ presence: Type.Array(PresenceState) }),
  },
  'presence.unwatch': { data: Type.Object({ users: Type.Array(UserId, { minItems: 1, maxItems: 10000 }) }), result: Empty },
  typing: { data: Type.Object({ conv: ConvId, typing: Type.Boolean() }), result: Empty },
} as const;

export const CONTACT_EVENTS = {
  /** A watched user went online or offline (as the watcher may see it). */
  presence: PresenceState,
  /** Another member started or stopped typing in a conversation of the user. */
  typing: Type.Object({ conv: ConvId, user: UserId, typing: Type.Boolean() }),
} as const;
