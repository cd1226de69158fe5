import type { CloseName, PresencePrivacy } from '@warbler/protocol';

/**
 * The messages the nodes of a cluster send each other over the Bus: a closed union, discriminated by
 * `t`. Each is plain JSON (numbers, strings, arrays), so any transport can carry it as it is; where
 * each kind goes is the Bus's routing table (bus.ts).
 */
export type ClusterMessage =
  /**
   * Write `payload` (a serialized event frame) to every connection of `users` but the connection `except`,
   * which is one of the publishing node's (connection ids are unique per node only): other nodes get none.
   */
  | { t: 'deliver'; users: readonly number[]; payload: string; except?: string }
  /** Close every connection of these devices with this close code (token revoked, logged out). */
  | { t: 'kick'; devices: readonly number[]; close: CloseName }
  /**
   * `user` came online (their first connection on any node) or went offline (their last one closed,
   * `lastSeen` then); published by the node where it happened, or for a node that died by the one that
   * noticed.
   */
  | { t: 'presence'; user: number; online: boolean; lastSeen?: number }
  /** Group `conv` changed (settings, members, roles, mutes, dissolved): drop its cached state. */
  | { t: 'group'; conv: string }
  /** The membership of `users` changed against the group's current `members` (presence between group mates). */
  | { t: 'members'; users: readonly number[]; members: readonly number[] }
  /**
   * The friendship or block between `a` and `b` changed; with `block`, `a`'s block of `b` is now on
   * (true) or off (false).
   */
  | { t: 'contacts'; a: number; b: number; block?: boolean }
  /** `user`'s presence privacy is now `presence`. */
  | { t: 'privacy'; user: number; presence: PresencePrivacy };

/** The kinds of cluster message. */
export type ClusterKind = ClusterMessage['t'];
/** The message of one kind. */
export type MessageOf<K extends ClusterKind> = Extract<ClusterMessage, { t: K }>;
