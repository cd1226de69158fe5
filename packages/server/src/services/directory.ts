import type { GroupSummary } from '@warbler/protocol';

/** A user's standing in a group, as messaging needs it. */
export interface GroupAccess {
  /**
   * Every current member: who a new message in the group is delivered to. A live view, kept current in
   * place by the groups service (so a message pushed later goes to the members of then): read it, never
   * change it, and copy it to keep a snapshot.
   */
  members: readonly number[];
  /** The user is the owner or an admin. */
  admin: boolean;
}

/**
 * What messaging asks the groups service. Answers come from memory where they can: this is on the
 * send path of every group message.
 */
export interface GroupDirectory {
  /**
   * The user's access to write to group `conv`. Throws `conversation_not_found` (no such group, or
   * dissolved), `not_member`, `member_muted`, `group_muted`.
   */
  sendAccess(userId: number, conv: string): Promise<GroupAccess>;
  /** The user's access to read group `conv`. Throws `conversation_not_found`, `not_member`. */
  readAccess(userId: number, conv: string): Promise<GroupAccess>;
  /** What the conversation list shows of each of these groups; unknown ones are left out. */
  summaries(convs: readonly string[]): Promise<Map<string, GroupSummary>>;
}

/** Who refuses whom: the contacts service keeps the block lists in memory. */
export interface BlockList {
  /** True when `blocker` has blocked `sender`. */
  isBlocked(blocker: number, sender: number): boolean;
}
