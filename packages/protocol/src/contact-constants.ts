/** Contacts, profiles and presence: the closed sets and limits clients share (no schema library). */

/** Who may send the user a friend request: anyone (friends at once), with approval, or nobody. */
export const FRIEND_POLICIES = ['anyone', 'approval', 'nobody'] as const;
export type FriendPolicy = (typeof FRIEND_POLICIES)[number];
/** Who sees the user online and their last-seen time. */
export const PRESENCE_PRIVACIES = ['everyone', 'contacts', 'nobody'] as const;
export type PresencePrivacy = (typeof PRESENCE_PRIVACIES)[number];

/** Most characters of a profile's avatar reference and bio, and of a friend request's message. */
export const PROFILE_LIMITS = { avatarChars: 2048, bioChars: 500, requestMessageChars: 200, searchMaxResults: 50 } as const;
