import type { ContactStore } from './store-contacts.js';
import type { GroupStore } from './store-groups.js';
import type { SearchStore } from './store-search.js';

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
  getUserById(id: number): Promise<UserRow | undefined>;
  getUserByUsername(username: string): Promise<UserRow | undefined>;
  /** Users by id, in no particular order; unknown ids are left out. */
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
   * Stores messages in one transaction, in array order. Each message gets the next sequence of its
   * conversation (gapless, strictly increasing). A message whose (sender, clientId) is already stored,
   * in an earlier call or earlier in this batch, is not stored again: its result is the first one's,
   * with `duplicate: true`. When the promise resolves, every message is durable.
   */
  appendMessages(batch: readonly NewMessage[]): Promise<AppendResult[]>;
  /** Messages of `conv` with sequence greater than `afterSeq`, ascending, at most `limit`. */
  messagesAfter(conv: string, afterSeq: number, limit: number): Promise<MessageRow[]>;
  /** Messages of `conv` with sequence less than `beforeSeq` (or the newest), ascending, at most `limit`. */
  messagesBefore(conv: string, beforeSeq: number | null, limit: number): Promise<MessageRow[]>;
  /** The conversation's head, or undefined when nothing was ever sent in it. */
  getConversation(conv: string): Promise<ConversationRow | undefined>;
  /** Every conversation `userId` is a member of, with its head and the member's read cursor. */
  memberConversations(userId: number): Promise<MemberConversationRow[]>;
  /** A page of the user's conversations, most recently active first, with their last message. */
  listConversations(userId: number, limit: number, before: { updatedAt: number; conv: string } | null): Promise<ConversationSummaryRow[]>;
  /** Moves the member's read cursor forward to `seq` (never back); returns the cursor after. */
  advanceReadSeq(conv: string, userId: number, seq: number): Promise<number>;
  /** The user's membership of `conv`, or undefined when the user is not a member. */
  getMember(conv: string, userId: number): Promise<MemberRow | undefined>;

  /** Groups, their members, roles and join requests. */
  readonly groups: GroupStore;
  /** Friends, friend requests, blocks and profiles. */
  readonly contacts: ContactStore;
  /** Full-text search over messages. */
  readonly search: SearchStore;
}

/** A user's membership of a conversation. */
export interface MemberRow {
  conv: string;
  userId: number;
  readSeq: number;
  joinedAt: number;
}

export class StoreConflictError extends Error {
  override name = 'StoreConflictError';
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
  /** JSON text of the message's content. */
  body: string;
  createdAt: number;
}
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
}
