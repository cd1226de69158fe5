import type { AdminStore } from './admin-store.js';
import type { AuditStore } from './audit-store.js';
import type { AuthLimitStore } from './auth-limit-store.js';
import type { ContactStore } from './contact-store.js';
import type { GroupStore } from './group-store.js';
import type { RegistrationStore } from './registration-store.js';
import type { SearchStore } from './search-store.js';

/**
 * The Store seam: everything Warbler keeps. Services use only this interface.
 * All methods are async so that network databases fit behind it; a method that finds
 * nothing returns `undefined` (single row) or an empty array, never throws for "not found".
 * Conflicts (a taken username) throw StoreConflictError.
 */
export interface Store {
  /** Applies pending migrations in version order; idempotent. */
  migrate(): Promise<void>;
  /** True while the store can serve reads and writes. */
  ready(): Promise<boolean>;
  /** Closes the store after pending work; later calls fail. */
  close(): Promise<void>;

  createUser(u: NewUser): Promise<UserRow>;
  /**
   * Creates users, each with a device when `devices[i]` is given, in one transaction: all or nothing.
   * A username taken in the store or repeated in the list throws StoreConflictError and creates nothing.
   */
  createUsers(users: readonly NewUser[], devices?: readonly (Omit<NewDevice, 'userId'> | undefined)[]): Promise<CreatedUser[]>;
  /** The user, or undefined when there is none or it was deleted (the same for every lookup below). */
  getUserById(id: number): Promise<UserRow | undefined>;
  getUserByUsername(username: string): Promise<UserRow | undefined>;
  /** Users by id, in no particular order; unknown and deleted ids are left out. */
  getUsersByIds(ids: readonly number[]): Promise<UserRow[]>;
  setPasswordHash(userId: number, hash: string): Promise<void>;

  createDevice(d: NewDevice): Promise<DeviceRow>;
  getDeviceByTokenHash(tokenHash: string): Promise<DeviceRow | undefined>;
  /** The user's devices that are not revoked, newest first. */
  listDevices(userId: number): Promise<DeviceRow[]>;
  setDeviceToken(deviceId: number, tokenHash: string, expiresAt: number): Promise<void>;
  /** Moves the devices' lastSeenAt (never back), all in one transaction; unknown ids are skipped. */
  touchDevices(touches: readonly { deviceId: number; at: number }[]): Promise<void>;
  /** Revokes the listed devices of `userId` that are not yet revoked; returns the ids revoked. */
  revokeDevices(userId: number, deviceIds: readonly number[] | 'all', at: number, exceptDeviceId?: number): Promise<number[]>;

  /**
   * The group commit: applies `ops` in one transaction, in array order, and resolves with one outcome
   * per op, in the same order. Every durable write of a message or a cursor goes through it.
   * - An `append` stores a message with the next sequence of its conversation (gapless, strictly
   *   increasing). A message whose (sender, clientId) is already stored, in an earlier call or earlier in
   *   this batch, is not stored again: its result is the first one's, with `duplicate: true`.
   * - A `cursor` moves a member's read or delivery cursor forward to its `seq` (never back) and answers
   *   with the cursor after and whether this op moved it (0 and false when the user is not a member).
   *   Several moves of one cursor in a batch are written once (the highest), each answered as if applied
   *   alone in array order.
   *
   * **Isolation:** an op that throws fails alone: its outcome is `failed` and nothing of it is stored,
   * while the other ops commit as if it had not been submitted. When the promise resolves, every op
   * that did not fail is durable. It rejects only when the transaction as a whole could not commit
   * (nothing of it is stored).
   */
  commit(ops: readonly WriteOp[]): Promise<WriteOutcome[]>;
  /**
   * Messages of `conv` with sequence greater than `afterSeq`, ascending, at most `limit`. With `viewer`,
   * the ones that user deleted for themself have `hidden: true`.
   */
  messagesAfter(conv: string, afterSeq: number, limit: number, viewer?: number): Promise<MessageRow[]>;
  /** Messages of `conv` with sequence less than `beforeSeq` (or the newest), ascending, at most `limit`; `viewer` as above. */
  messagesBefore(conv: string, beforeSeq: number | null, limit: number, viewer?: number): Promise<MessageRow[]>;
  /** The messages of `conv` with these sequences, ascending; sequences with no message are left out. */
  getMessages(conv: string, seqs: readonly number[]): Promise<MessageRow[]>;
  /** The message `senderId` stored with `clientId`, in any conversation, or undefined. */
  messageByClientId(senderId: number, clientId: string): Promise<MessageRow | undefined>;
  /** The conversation's head, or undefined when nothing was ever sent in it. */
  getConversation(conv: string): Promise<ConversationRow | undefined>;
  /** Every conversation `userId` is a member of, with its head and the member's read cursor. */
  memberConversations(userId: number): Promise<MemberConversationRow[]>;
  /** A page of the user's conversations, most recently active first, with their last message. */
  listConversations(userId: number, limit: number, before: { updatedAt: number; conv: string } | null): Promise<ConversationSummaryRow[]>;
  /** The user's membership of `conv` with its cursors and list flags, or undefined when not a member. */
  getMemberState(conv: string, userId: number): Promise<MemberState | undefined>;
  /**
   * Receipts of the message `seq` of `conv` sent by `senderId`: how many other members read it and how many
   * got it (a read counts as delivered); with `listReaders`, who read it, by id ascending.
   */
  receipts(
    conv: string,
    seq: number,
    senderId: number,
    listReaders: boolean,
  ): Promise<{ read: number; delivered: number; readBy?: number[] }>;

  /** Groups, their members, roles and join requests. */
  readonly groups: GroupStore;
  /** Friends, friend requests, blocks and profiles. */
  readonly contacts: ContactStore;
  /** Full-text search over messages. */
  readonly search: SearchStore;
  /** API keys, disabled and deleted accounts, and the account changes servers act on. */
  readonly admin: AdminStore;
  /** The audit log. */
  readonly audit: AuditStore;
  /** The login throttle's and per-IP limits' state, kept across restarts. */
  readonly authLimits: AuthLimitStore;
  /** Registration invites. */
  readonly registration: RegistrationStore;
}

/** A user's membership of a conversation. */
export interface MemberRow {
  conv: string;
  userId: number;
  readSeq: number;
  joinedAt: number;
}

/** A membership with the member's cursors and conversation-list flags. */
export interface MemberState extends MemberRow {
  deliveredSeq: number;
  /** The last sequence that mentions the member (or @all); 0 when none. */
  mentionSeq: number;
  pinned: boolean;
  muted: boolean;
  archived: boolean;
}

export class StoreConflictError extends Error {
  override name = 'StoreConflictError';
}

/** `migrate` found a schema version this code does not know: a newer Warbler migrated the database. */
export class SchemaTooNewError extends Error {
  override name = 'SchemaTooNewError';
  constructor(
    readonly version: number,
    readonly known: number,
  ) {
    super(
      `the database schema is at version ${version}, newer than this Warbler knows (${known}): run the newer Warbler, or restore a backup`,
    );
  }
}

export interface NewUser {
  username: string;
  displayName: string;
  passwordHash: string;
  isAdmin: boolean;
  createdAt: number;
}
export interface UserRow extends NewUser {
  id: number;
  /** Profile fields, present only when set (profile.update). */
  avatar?: string;
  bio?: string;
  /** When an operator disabled the account; absent while it is enabled. */
  disabledAt?: number;
}

export interface CreatedUser {
  user: UserRow;
  device: DeviceRow | undefined;
}

export interface NewDevice {
  userId: number;
  name: string;
  tokenHash: string;
  createdAt: number;
  expiresAt: number;
}
export interface DeviceRow extends NewDevice {
  id: number;
  lastSeenAt: number;
  revokedAt: number | null;
}

export interface NewMessage {
  conv: string;
  /** Members of the conversation; created with it on its first message. */
  members: readonly number[];
  senderId: number;
  clientId: string;
  kind: string;
  /**
   * JSON text of the message's content. An effect may rewrite it as it stores the message (an edit or a
   * reply of a message recalled since it was checked loses the copied text); the push sends it as stored.
   */
  body: string;
  createdAt: number;
  /**
   * What else the append changes, in the same transaction, when the message is stored (not for a
   * duplicate). Validated before it is submitted: applying it never fails for bad input.
   */
  effect?: MessageEffect;
}

/**
 * Side data of a message, applied by the store in the transaction that appends it. `target` is a
 * sequence in the message's own conversation; the acting user is the message's sender.
 */
export type MessageEffect =
  /** The new message mentions these members (or every member but the sender): sets their mention cursor. */
  | { type: 'mention'; users: readonly number[] | 'all' }
  /**
   * Replaces the text of the target and marks it edited; the entry is recorded as a copy of the target's
   * text. A target recalled since the edit was checked is left as is, and the entry loses its text.
   */
  | { type: 'edit'; target: number; text: string }
  /**
   * The new message replies to `target` and its body quotes it (`replyTo`); it may mention members too
   * (as `mention` does). The reply is recorded as a copy of the target's text; a target recalled since
   * the reply was checked leaves the quote without text at once.
   */
  | { type: 'reply'; target: number; mentions?: readonly number[] | 'all' }
  /**
   * Empties the target's body and reactions, marks it recalled, and removes the copied text from every
   * recorded copy of it (its `edit` entries, the quotes in replies): see recall-copies.ts.
   */
  | { type: 'recall'; target: number }
  /** Adds (on) or takes back the sender's `emoji` on the target (a recalled target is left as is). */
  | { type: 'reaction'; target: number; emoji: string; on: boolean }
  /** The sender deletes these messages of `conv` for themself. */
  | { type: 'hide'; conv: string; seqs: readonly number[] }
  /** Sets the sender's list flags of `conv` (the ones given). */
  | { type: 'flags'; conv: string; pinned?: boolean; muted?: boolean; archived?: boolean };

/** A durable write of the group commit (`Store.commit`). */
export type WriteOp = { type: 'append'; msg: NewMessage } | { type: 'cursor'; move: CursorMove };

/** Moves `userId`'s `cursor` in `conv` forward to `seq` (never back). */
export interface CursorMove {
  conv: string;
  userId: number;
  cursor: 'read' | 'delivered';
  seq: number;
}

/** A cursor after a move, and whether this move moved it (0 and false when the user is not a member). */
export interface CursorResult {
  seq: number;
  moved: boolean;
}

/** What became of one op of `Store.commit`. */
export type WriteOutcome =
  { type: 'append'; result: AppendResult } | { type: 'cursor'; result: CursorResult } | { type: 'failed'; error: unknown };

export interface AppendResult {
  id: number;
  conv: string;
  seq: number;
  createdAt: number;
  duplicate: boolean;
}
export interface MessageRow {
  id: number;
  conv: string;
  seq: number;
  senderId: number;
  clientId: string;
  kind: string;
  body: string;
  createdAt: number;
  /** State of a content message, present only when set: when it was last edited, when recalled. */
  editedAt?: number;
  recalledAt?: number;
  /** JSON object emoji -> user ids, present only when the message has reactions. */
  reactions?: string;
  /** The reader deleted it for themself (only when the read named a viewer). */
  hidden?: boolean;
}
export interface ConversationRow {
  conv: string;
  kind: string;
  lastSeq: number;
  updatedAt: number;
}
export interface MemberConversationRow extends ConversationRow {
  readSeq: number;
}
export interface ConversationSummaryRow extends MemberConversationRow {
  lastMessage: MessageRow | null;
  mentionSeq: number;
  pinned: boolean;
  muted: boolean;
  archived: boolean;
  /** One-to-one with another user: the peer's read and delivery cursors. */
  peerReadSeq?: number;
  peerDeliveredSeq?: number;
}
