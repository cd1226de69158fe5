import type { AppendResult, NewMessage } from './store.js';

/** Who may send a user friend requests, and who sees the user's presence. */
export interface ContactSettings {
  friendPolicy: 'anyone' | 'approval' | 'nobody';
  presence: 'everyone' | 'contacts' | 'nobody';
}

/** What others see of a user: `avatar` and `bio` only when set. */
export interface ProfileRow {
  id: number;
  username: string;
  displayName: string;
  avatar?: string;
  bio?: string;
}

/** Profile changes: a field left out stays as it is; `null` clears `avatar` or `bio`. */
export interface ProfileChanges {
  displayName?: string;
  avatar?: string | null;
  bio?: string | null;
}

export interface UserSinceRow {
  user: ProfileRow;
  since: number;
}

export interface FriendRequestRow {
  /** The other user: the sender of an incoming request, the receiver of an outgoing one. */
  user: ProfileRow;
  message: string | null;
  createdAt: number;
}

/**
 * The events to store with a change, in the change's own transaction, once its outcome is known
 * (often none for an outcome that changed nothing). Called at most once, inside the transaction.
 */
export type EventsFor<O> = (outcome: O) => readonly NewMessage[];

/** What a change did, and the events appended with it (for the caller to push). */
export interface Applied<O> {
  outcome: O;
  appended: { message: NewMessage; result: AppendResult }[];
}

/**
 * What `requestFriend` found and did: `no_user` (no such receiver), `blocked` (the receiver blocked
 * the sender), `blocking` (the sender blocked the receiver), `closed` (receiver's policy `nobody`),
 * `already_friends`, `already_pending` (the sender's request is waiting already: kept as it was) —
 * these change nothing; `pending` (request stored), `friends` (friends now: the receiver's policy is
 * `anyone`, or the receiver had asked the sender, whose request is then gone).
 */
export type RequestOutcome = 'no_user' | 'blocked' | 'blocking' | 'closed' | 'already_friends' | 'already_pending' | 'pending' | 'friends';

/**
 * What `block` found and did: `no_user`, `already_blocked` (nothing changed), `blocked` (and any
 * request between the two deleted), `blocked_unfriended` (the same, and their friendship ended).
 */
export type BlockOutcome = 'no_user' | 'already_blocked' | 'blocked' | 'blocked_unfriended';

/** What `removeUser` ended: the user's friends, and every block from or to the user. */
export interface RemovedTies {
  friends: number[];
  blocks: { blocker: number; blocked: number }[];
}

/**
 * The part of the Store that keeps friends, friend requests, blocks, profiles and privacy settings:
 * see `Store.contacts`. Contract tests: test/store-contacts.contract.ts.
 *
 * Every change runs in one transaction with its decision: the rows it reads to choose an outcome
 * (policies, blocks, pending requests) are read inside it, so two changes between the same users
 * never both act on stale state; and the account-log events its `events` callback returns are
 * appended in that transaction (gapless sequences, dedup on sender and client id), so a change and
 * its events are stored together or not at all. Friendships are symmetric; requests and blocks are
 * directed. Unknown users are not an error: reads leave them out, changes report them as an outcome; a
 * deleted account is unknown to `requestFriend` and `block`.
 */
export interface ContactStore {
  /** Settings of these users; unknown ids are left out. */
  settings(userIds: readonly number[]): Promise<Map<number, ContactSettings>>;
  /** Profiles of these users; unknown ids are left out. */
  profiles(userIds: readonly number[]): Promise<Map<number, ProfileRow>>;
  /** Changes the profile; the outcome is the profile after, or undefined when the user does not exist. */
  updateProfile(
    userId: number,
    changes: ProfileChanges,
    events: EventsFor<ProfileRow | undefined>,
  ): Promise<Applied<ProfileRow | undefined>>;
  /** Changes the settings given; the outcome is the settings after, or undefined when the user does not exist. */
  updateSettings(
    userId: number,
    changes: Partial<ContactSettings>,
    events: EventsFor<ContactSettings | undefined>,
  ): Promise<Applied<ContactSettings | undefined>>;
  /** Users whose username starts with `prefix` (lowercase), by username, at most `limit`. */
  searchByUsername(prefix: string, limit: number): Promise<ProfileRow[]>;

  /** A friend request from `from` to `to`, decided as `RequestOutcome` says. */
  requestFriend(
    from: number,
    to: number,
    message: string | null,
    at: number,
    events: EventsFor<RequestOutcome>,
  ): Promise<Applied<RequestOutcome>>;
  /**
   * `to` accepts the pending request of `from`: they become friends (since `at`) and the request is
   * deleted, with `to`'s own request to `from` if any. `not_found` when `from` asked nothing.
   */
  acceptRequest(
    from: number,
    to: number,
    at: number,
    events: EventsFor<'accepted' | 'not_found'>,
  ): Promise<Applied<'accepted' | 'not_found'>>;
  /** `to` declines the pending request of `from`: it is deleted. `not_found` when there is none. */
  declineRequest(from: number, to: number, events: EventsFor<'declined' | 'not_found'>): Promise<Applied<'declined' | 'not_found'>>;
  /** Ends the friendship of `a` and `b`; `not_friends` when they were not. */
  removeFriend(a: number, b: number, events: EventsFor<'removed' | 'not_friends'>): Promise<Applied<'removed' | 'not_friends'>>;
  /** `blocker` blocks `blocked`: ends their friendship and deletes requests both ways. */
  block(blocker: number, blocked: number, at: number, events: EventsFor<BlockOutcome>): Promise<Applied<BlockOutcome>>;
  /**
   * Ends every tie of a user (an account being deleted): friendships, friend requests both ways, blocks
   * both ways. The outcome lists the friends and blocks there were (empty when none: changes nothing).
   */
  removeUser(userId: number, events: EventsFor<RemovedTies>): Promise<Applied<RemovedTies>>;
  /** Lifts a block; `not_blocked` when there was none. */
  unblock(blocker: number, blocked: number, events: EventsFor<'unblocked' | 'not_blocked'>): Promise<Applied<'unblocked' | 'not_blocked'>>;

  /** The user's friends by ascending user id, after id `after` (0: from the start), at most `limit`. */
  listFriends(userId: number, after: number, limit: number): Promise<UserSinceRow[]>;
  /** The users `userId` blocked, by ascending user id, after `after`, at most `limit`. */
  listBlocked(userId: number, after: number, limit: number): Promise<UserSinceRow[]>;
  /** Pending requests to and from the user, newest first, at most `limit` of each. */
  listRequests(userId: number, limit: number): Promise<{ incoming: FriendRequestRow[]; outgoing: FriendRequestRow[] }>;
  /** Every block, for the in-memory block list. */
  allBlocks(): Promise<{ blocker: number; blocked: number }[]>;
  /** Which of `candidates` are contacts of `userId`: friends, or members of a group `userId` is in. */
  contactsAmong(userId: number, candidates: readonly number[]): Promise<Set<number>>;
  /** The latest `last_seen_at` of each user's devices; users without devices are left out. */
  lastSeen(userIds: readonly number[]): Promise<Map<number, number>>;
}
