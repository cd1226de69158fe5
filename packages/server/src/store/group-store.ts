import type { AppendResult } from './store.js';

export type GroupRole = 'owner' | 'admin' | 'member';
export type JoinPolicy = 'open' | 'approval' | 'invite';

/** A group as stored. Optional texts are `null` when unset. */
export interface GroupRow {
  id: number;
  /** `g:<id>`. */
  conv: string;
  name: string;
  avatar: string | null;
  description: string | null;
  announcement: string | null;
  ownerId: number;
  joinPolicy: JoinPolicy;
  mutedAll: boolean;
  createdAt: number;
  updatedAt: number;
  /** When the group was dissolved; `null` while it lives. */
  dissolvedAt: number | null;
}

export interface NewGroup {
  name: string;
  avatar: string | null;
  description: string | null;
  ownerId: number;
  joinPolicy: JoinPolicy;
  createdAt: number;
}

/** The settings `updateGroup` may change; fields left out stay as they are. */
export type GroupPatch = Partial<Pick<GroupRow, 'name' | 'avatar' | 'description' | 'announcement' | 'joinPolicy' | 'mutedAll'>>;

/** A member of a group: what the groups service keeps in memory. */
export interface GroupMemberRow {
  userId: number;
  role: GroupRole;
  /** When the member's mute ends; 0 when never muted (a time in the past means no longer muted). */
  mutedUntil: number;
  joinedAt: number;
}

export interface JoinRequestRow {
  groupId: number;
  userId: number;
  message: string | null;
  createdAt: number;
}

/**
 * The `group` event that records a change, appended in the change's own transaction as a message of
 * kind `group` in the group's conversation (same sequence and dedup rules as a `Store.commit` append).
 */
export interface GroupEventDraft {
  /** The user whose action it records. */
  senderId: number;
  /** Unique per sender, like any message's client id (the service uses `sys:<uuid>`). */
  clientId: string;
  /** JSON text `{"event":{"type":...}}`. */
  body: string;
  createdAt: number;
}

/**
 * Called inside a change's transaction once every write (and its event) succeeded, just before the
 * commit: the caller mirrors the change in memory there, so no message stored after the change is
 * delivered by an outdated view. When the change's promise then rejects, the caller must forget what
 * it mirrored (reload from the store).
 */
export type BeforeCommit = () => void;

/**
 * The part of the Store that keeps groups: see `Store.groups`. Contract tests: test/store-groups.contract.ts.
 *
 * Membership is the `members` table the core store uses for every conversation: a member of a group
 * has a row (with `role` and `mutedUntil`), a user who left or was removed has none. Every method that
 * changes a group writes the change and its `group` event in ONE transaction (all or nothing) and returns
 * the event's AppendResult; pushing it is the caller's business. Methods that find nothing return
 * `undefined` or an empty array; they never throw for "not found". These methods do not check
 * permissions: the groups service does.
 */
export interface GroupStore {
  /**
   * Creates a group, its conversation `g:<id>` (kind `group`), its members (`ownerId` as `owner`, the
   * others as `member`; duplicates and the owner in `members` are ignored) and appends `event`.
   * Throws (creating nothing) when a member is not a user.
   */
  createGroup(g: NewGroup, members: readonly number[], event: GroupEventDraft): Promise<{ group: GroupRow; event: AppendResult }>;
  /** The group, dissolved or not; undefined when there never was one. */
  getGroup(id: number): Promise<GroupRow | undefined>;
  /** The live (not dissolved) groups among these ids, with their member counts; unknown ids are left out. */
  groupSummaries(ids: readonly number[]): Promise<(GroupRow & { memberCount: number })[]>;
  /** Every member of the group's conversation, in user id order. */
  listMembers(conv: string): Promise<GroupMemberRow[]>;
  /** A page of members with user id greater than `afterUserId`, in user id order, at most `limit`. */
  membersPage(conv: string, afterUserId: number, limit: number): Promise<GroupMemberRow[]>;

  /** Changes the given settings (and `updatedAt` to the event's time), and appends `event`. */
  updateGroup(id: number, patch: GroupPatch, event: GroupEventDraft, beforeCommit?: BeforeCommit): Promise<AppendResult>;
  /**
   * Adds users as plain members (read cursor at the conversation's current last sequence, so the
   * history before they joined is not unread), deletes their pending join requests, and appends `event`.
   * A user who is a member already is left as is.
   */
  addMembers(id: number, userIds: readonly number[], event: GroupEventDraft, beforeCommit?: BeforeCommit): Promise<AppendResult>;
  /** Deletes the members' rows (they left or were removed), and appends `event`. */
  removeMembers(id: number, userIds: readonly number[], event: GroupEventDraft, beforeCommit?: BeforeCommit): Promise<AppendResult>;
  /** Sets a member's role (`admin` or `member`), and appends `event`. */
  setRole(id: number, userId: number, role: 'admin' | 'member', event: GroupEventDraft, beforeCommit?: BeforeCommit): Promise<AppendResult>;
  /** Makes `to` the owner and the old owner an admin, and appends `event`. */
  transferOwnership(id: number, from: number, to: number, event: GroupEventDraft, beforeCommit?: BeforeCommit): Promise<AppendResult>;
  /** Sets when a member's mute ends (0 unmutes), and appends `event`. */
  setMutedUntil(id: number, userId: number, until: number, event: GroupEventDraft, beforeCommit?: BeforeCommit): Promise<AppendResult>;
  /** Appends `event` (first), then marks the group dissolved and deletes its members and pending requests. */
  dissolveGroup(id: number, event: GroupEventDraft, beforeCommit?: BeforeCommit): Promise<AppendResult>;

  /** Records a pending join request; false (and nothing changed) when the user has one pending already. */
  addRequest(r: JoinRequestRow): Promise<boolean>;
  getRequest(groupId: number, userId: number): Promise<JoinRequestRow | undefined>;
  /** Pending requests of the group, oldest first, at most `limit`. */
  listRequests(groupId: number, limit: number): Promise<JoinRequestRow[]>;
  /** Deletes a pending request; false when there was none. */
  deleteRequest(groupId: number, userId: number): Promise<boolean>;
}
