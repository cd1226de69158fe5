import { randomUUID } from 'node:crypto';
import type { GroupEventDraft } from '../store/group-store.js';
import type { AppendResult, NewMessage } from '../store/store.js';
import type { ServiceDeps } from './deps.js';
import { removeFromState, type GroupRoster, type GroupState } from './group-roster.js';

/** Who is told when group membership changes (the presence service), after the change is stored. */
export interface MembershipListener {
  /** `users` joined or left a group whose members are now `members` (see Presence.membershipChanged). */
  membershipChanged(users: readonly number[], members: readonly number[]): void;
}

/**
 * The shared change recorder of the groups services: drafts a change's `group` event, records it with
 * its store write through the journal, tells the other nodes and the membership listeners; and the
 * changes that several ops share (leave, dissolve, transfer), run inside `roster.change` after the op's
 * own checks. The ops (membership, moderation) call it; it calls none of them.
 */
export class GroupChanges {
  private readonly listeners: MembershipListener[] = [];

  constructor(
    private readonly deps: ServiceDeps,
    private readonly roster: GroupRoster,
  ) {}

  /** Registers a listener for membership changes (presence re-evaluates watches between group mates). */
  listen(l: MembershipListener): void {
    this.listeners.push(l);
  }

  /**
   * Applies the changes other nodes made: drops the group's state (taking out first, in place, those
   * who left), tells the listeners; after a `reset`, drops every group.
   */
  start(): void {
    this.deps.bus.on('group', (m) => this.roster.forget(m.conv));
    this.deps.bus.on('left', (m) => this.roster.forget(m.conv, m.users));
    this.deps.bus.on('members', (m) => this.membersChanged(m.users, m.members));
    this.deps.bus.on('reset', () => this.roster.forgetAll());
  }

  /** A `group` event of `actor`, ready to be stored. */
  draft(actor: number, event: Record<string, unknown>): GroupEventDraft {
    return { senderId: actor, clientId: `sys:${randomUUID()}`, body: JSON.stringify({ event }), createdAt: Date.now() };
  }

  /**
   * Records a change written with its `group` event in one store transaction (`write`) through the
   * journal, which pushes the event to `recipients` once durable (every connection, the acting one too);
   * then tells the other nodes that the group changed, and that `gone` left it, and waits until they
   * have applied it: the op is answered only then, so the change is in force on every node once its
   * result arrives (docs/deploy.md, "Several processes").
   */
  async record(
    conv: string,
    recipients: readonly number[],
    d: GroupEventDraft,
    write: Promise<AppendResult>,
    gone: readonly number[] = [],
  ): Promise<void> {
    await this.deps.journal.record(
      write.then((r) => ({ outcome: r, appended: [{ message: groupEntry(conv, recipients, d), result: r }] })),
    );
    // The other nodes drop their copy of the group and reload it on next use.
    await this.deps.bus.publishApplied(gone.length > 0 ? { t: 'left', conv, users: gone } : { t: 'group', conv });
  }

  /** Membership of `users` changed against `members`: told here (the listeners) and to the other nodes. */
  membershipChanged(users: readonly number[], members: readonly number[]): void {
    this.membersChanged(users, members);
    this.deps.bus.publish({ t: 'members', users, members });
  }

  /** Tells the listeners, after a membership change committed. */
  private membersChanged(users: readonly number[], members: readonly number[]): void {
    for (const l of this.listeners) l.membershipChanged(users, members);
  }

  /** `user` leaves (`left`); the event goes to the members before. */
  async leaveAs(g: GroupState, user: number): Promise<void> {
    const recipients = [...g.members];
    const event = this.draft(user, { type: 'left', actor: user });
    await this.record(
      g.conv,
      recipients,
      event,
      this.deps.store.groups.removeMembers(g.row.id, [user], event, () => removeFromState(g, [user])),
      [user],
    );
    this.membershipChanged([user], g.members);
  }

  /** `actor` dissolves the group (`dissolved`), told to every member of before. */
  async dissolveAs(g: GroupState, actor: number): Promise<void> {
    const everyone = [...g.members];
    const event = this.draft(actor, { type: 'dissolved', actor });
    await this.record(
      g.conv,
      everyone,
      event,
      this.deps.store.groups.dissolveGroup(g.row.id, event, () => {
        g.row.dissolvedAt = event.createdAt;
        g.members.length = 0;
        g.byUser.clear();
      }),
      everyone,
    );
    this.membershipChanged(everyone, everyone);
  }

  /** The owner hands the group to `heir` (`transferred`) and becomes an admin. */
  async transferAs(g: GroupState, owner: number, heir: number): Promise<void> {
    const from = g.byUser.get(owner)!;
    const to = g.byUser.get(heir)!;
    const event = this.draft(owner, { type: 'transferred', actor: owner, users: [heir] });
    await this.record(
      g.conv,
      g.members,
      event,
      this.deps.store.groups.transferOwnership(g.row.id, owner, heir, event, () => {
        from.role = 'admin';
        to.role = 'owner';
        g.row.ownerId = heir;
        g.row.updatedAt = event.createdAt;
      }),
    );
  }
}

/** The entry of a `group` event in the group's conversation, delivered to `recipients`. */
export function groupEntry(conv: string, recipients: readonly number[], d: GroupEventDraft): NewMessage {
  return { conv, members: recipients, kind: 'group', ...d };
}
