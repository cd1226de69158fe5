import type { ServiceDeps } from './deps.js';
import { GroupChanges } from './group-changes.js';
import { GroupDirectoryService } from './group-directory.js';
import { GroupMembership } from './group-membership.js';
import { GroupModeration } from './group-moderation.js';
import { GroupRoster } from './group-roster.js';

export type { MembershipListener } from './group-changes.js';

/**
 * Groups, assembled: one roster (group-roster.ts) and one change recorder (group-changes.ts) shared by
 * the three parts the ops call: `directory` (who may read and write, what is shown: the GroupDirectory
 * messaging asks), `membership` (create, dissolve, add, remove, leave, join requests) and `moderation`
 * (settings, roles, ownership, mutes).
 *
 * Every change runs under the group's lock, is checked against the in-memory state, written with its
 * `group` event in one store transaction, mirrored in memory just before that transaction commits, and
 * then pushed to the members (the acting connection included: a change's result does not carry its
 * event). This in-memory state is per node: each change also publishes a `group` (or `left`) bus
 * message, on which the other nodes drop the group's state and reload it on next use, and is answered
 * only once every node has applied it (`publishApplied`; and `members`, for their presence watches).
 * Two changes of one group made on two nodes at once are not serialized with each other.
 */
export class Groups {
  /** What this node knows of each group, shared by the parts below. */
  private readonly roster: GroupRoster;
  /** Records changes, tells the other nodes and the membership listeners (`changes.listen`). */
  readonly changes: GroupChanges;
  readonly directory: GroupDirectoryService;
  readonly membership: GroupMembership;
  readonly moderation: GroupModeration;

  constructor(deps: ServiceDeps) {
    this.roster = new GroupRoster(deps.store);
    this.changes = new GroupChanges(deps, this.roster);
    this.directory = new GroupDirectoryService(deps, this.roster);
    this.membership = new GroupMembership(deps, this.roster, this.changes);
    this.moderation = new GroupModeration(deps, this.roster, this.changes);
  }

  async start(): Promise<void> {
    // Changes made on other nodes.
    this.changes.start();
  }
  async stop(): Promise<void> {}
}
