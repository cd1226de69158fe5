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
  | { t: 'privacy'; user: number; presence: PresencePrivacy }
  // --- Coherence across nodes: the kinds below, in one block. The rule for each piece of per-node state
  // (docs/deploy.md, "Several processes", has the table): group state, block lists, presence privacy
  // and kicks change through `publishApplied` (in force on every node before the change is answered);
  // operator account changes through `accounts` (same) or, from the CLI, the store's change feed (1 s);
  // the login throttle counts on `Bus.counters`; per-IP limits and lookup budgets count per node. ---
  /**
   * The account change feed in the store has new rows (an account disabled or deleted, its password
   * reset): read it now (AccountWatch), instead of at the next poll.
   */
  | { t: 'accounts' }
  /**
   * Group `conv` changed and `users` are no longer members (removed, left, dissolved): besides dropping
   * its state like `group`, a node takes them out of the state it drops, in place, so that a message
   * its sends already hold is not pushed to them.
   */
  | { t: 'left'; conv: string; users: readonly number[] }
  /**
   * This node may have missed messages (its bus lost and regained its connection): drop every cached
   * state and reload it from the store. Raised by a Bus implementation for its own node only.
   */
  | { t: 'reset' };

/** The kinds of cluster message. */
export type ClusterKind = ClusterMessage['t'];
/** The message of one kind. */
export type MessageOf<K extends ClusterKind> = Extract<ClusterMessage, { t: K }>;
