import { GROUP_MAX_USERS_PER_CALL, LIMITS, selfConvId, type RequestData, type ResultData } from '@warbler/protocol';
import type { RequestContext } from '../connections/request.js';
import { WarblerError } from '../errors.js';
import type { GroupMemberRow } from '../store/group-store.js';
import { publicUser } from './accounts.js';
import type { ServiceDeps } from './deps.js';
import { groupEntry, type GroupChanges } from './group-changes.js';
import { groupInfo } from './group-directory.js';
import { addToState, isAdmin, removeFromState, requireAdmin, requireMember, requireOwner, type GroupRoster } from './group-roster.js';

/** The users of a list without repeats, in first-seen order. */
const unique = (ids: readonly number[]): number[] => [...new Set(ids)];

/** Refusal of a request naming more users than one call may. */
function tooMany(): WarblerError {
  return new WarblerError('request_too_large', `at most ${GROUP_MAX_USERS_PER_CALL} users per request`);
}

/**
 * Who is in a group: creating and dissolving it, adding, removing and leaving, join requests and their
 * approval, and taking a deleted account out of its groups. Each change runs under the group's lock
 * (`roster.change`) and is recorded by GroupChanges.
 */
export class GroupMembership {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly roster: GroupRoster,
    private readonly changes: GroupChanges,
  ) {}

  async create(caller: RequestContext, data: RequestData<'group.create'>): Promise<ResultData<'group.create'>> {
    const owner = caller.userId;
    const listed = data.members ?? [];
    if (listed.length > GROUP_MAX_USERS_PER_CALL) throw tooMany();
    const others = unique(listed).filter((u) => u !== owner);
    this.checkCap(others.length + 1);
    await this.deps.lookups.chargeStrangers(owner, others);
    await this.checkUsersExist(others);
    const createdAt = Date.now();
    const joinPolicy = data.joinPolicy ?? 'open';
    const avatar = data.avatar || null;
    const description = data.description || null;
    const members = [owner, ...others];
    const event = this.changes.draft(owner, {
      type: 'created',
      actor: owner,
      name: data.name,
      ...(avatar ? { avatar } : {}),
      ...(description ? { description } : {}),
      joinPolicy,
      users: members,
    });
    const { group } = await this.deps.journal.record(
      this.deps.store.groups
        .createGroup({ name: data.name, avatar, description, ownerId: owner, joinPolicy, createdAt }, others, event)
        .then((c) => ({ outcome: c, appended: [{ message: groupEntry(c.group.conv, members, event), result: c.event }] })),
    );
    const g = this.roster.created(
      group,
      members.map((userId) => ({ userId, role: userId === owner ? 'owner' : 'member', mutedUntil: 0 })),
    );
    this.changes.membershipChanged(members, members);
    return { group: groupInfo(g, owner) };
  }

  async dissolve(caller: RequestContext, data: RequestData<'group.dissolve'>): Promise<ResultData<'group.dissolve'>> {
    return this.roster.change(data.conv, async (g) => {
      requireOwner(g, caller.userId);
      await this.changes.dissolveAs(g, caller.userId);
      return {};
    });
  }

  async add(caller: RequestContext, data: RequestData<'group.add'>): Promise<ResultData<'group.add'>> {
    if (data.users.length > GROUP_MAX_USERS_PER_CALL) throw tooMany();
    return this.roster.change(data.conv, async (g) => {
      const role = requireMember(g, caller.userId);
      // Plain members invite too, except where joining needs an admin's approval.
      if (!isAdmin(role) && g.row.joinPolicy === 'approval')
        throw new WarblerError('admin_required', 'in a group that approves joins, only admins add members');
      const users = unique(data.users);
      const already = users.find((u) => g.byUser.has(u));
      if (already !== undefined) throw new WarblerError('already_member', `user ${already} is already a member`);
      this.checkCap(g.members.length + users.length);
      await this.deps.lookups.chargeStrangers(caller.userId, users);
      await this.checkUsersExist(users);
      const event = this.changes.draft(caller.userId, { type: 'added', actor: caller.userId, users });
      await this.changes.record(
        g.conv,
        g.members,
        event,
        this.deps.store.groups.addMembers(g.row.id, users, event, () => addToState(g, users)),
      );
      this.changes.membershipChanged(users, g.members);
      return { added: users };
    });
  }

  async remove(caller: RequestContext, data: RequestData<'group.remove'>): Promise<ResultData<'group.remove'>> {
    if (data.users.length > GROUP_MAX_USERS_PER_CALL) throw tooMany();
    return this.roster.change(data.conv, async (g) => {
      const role = requireAdmin(g, caller.userId);
      const users = unique(data.users);
      if (users.includes(caller.userId)) throw new WarblerError('forbidden', 'to leave a group, use group.leave');
      for (const u of users) {
        const m = g.byUser.get(u);
        if (!m) throw new WarblerError('not_member', `user ${u} is not a member`);
        if (isAdmin(m.role) && role !== 'owner')
          throw new WarblerError('owner_required', `only the owner removes the owner or an admin (user ${u})`);
      }
      // The removed get the event too, and nothing after it.
      const recipients = [...g.members];
      const event = this.changes.draft(caller.userId, { type: 'removed', actor: caller.userId, users });
      await this.changes.record(
        g.conv,
        recipients,
        event,
        this.deps.store.groups.removeMembers(g.row.id, users, event, () => removeFromState(g, users)),
        users,
      );
      this.changes.membershipChanged(users, g.members);
      return { removed: users };
    });
  }

  async leave(caller: RequestContext, data: RequestData<'group.leave'>): Promise<ResultData<'group.leave'>> {
    return this.roster.change(data.conv, async (g) => {
      const role = requireMember(g, caller.userId);
      if (role === 'owner') throw new WarblerError('owner_required', 'the owner must transfer the group (group.transfer) before leaving');
      await this.changes.leaveAs(g, caller.userId);
      return {};
    });
  }

  async join(caller: RequestContext, data: RequestData<'group.join'>): Promise<ResultData<'group.join'>> {
    const me = caller.userId;
    return this.roster.change(data.conv, async (g) => {
      if (g.byUser.has(me)) throw new WarblerError('already_member');
      if (g.row.joinPolicy === 'invite') throw new WarblerError('invite_only');
      this.checkCap(g.members.length + 1);
      if (g.row.joinPolicy === 'open') {
        const event = this.changes.draft(me, { type: 'joined', actor: me });
        await this.changes.record(
          g.conv,
          g.members,
          event,
          this.deps.store.groups.addMembers(g.row.id, [me], event, () => addToState(g, [me])),
        );
        this.changes.membershipChanged([me], g.members);
        return { status: 'joined' };
      }
      const message = data.message?.trim() || null;
      const fresh = await this.deps.store.groups.addRequest({ groupId: g.row.id, userId: me, message, createdAt: Date.now() });
      // A repeated request while one is pending changes nothing and tells nobody again.
      if (fresh) {
        const admins = g.members.filter((u) => isAdmin(g.byUser.get(u)?.role));
        const event = { type: 'group.request', conv: g.conv, user: me, ...(message ? { message } : {}) };
        await Promise.all(
          admins.map((a) => this.deps.journal.appendSystem({ conv: selfConvId(a), members: [a], senderId: me, kind: 'account', event })),
        );
      }
      return { status: 'pending' };
    });
  }

  async requests(caller: RequestContext, data: RequestData<'group.requests'>): Promise<ResultData<'group.requests'>> {
    const g = await this.roster.live(data.conv);
    requireAdmin(g, caller.userId);
    const limit = data.limit ?? LIMITS.defaultPage;
    const rows = await this.deps.store.groups.listRequests(g.row.id, limit + 1);
    const page = rows.slice(0, limit);
    const users = new Map((await this.deps.store.getUsersByIds(page.map((r) => r.userId))).map((u) => [u.id, publicUser(u)]));
    const requests = page.map((r) => ({
      user: users.get(r.userId) ?? { id: r.userId, username: '', displayName: '' },
      ...(r.message ? { message: r.message } : {}),
      createdAt: r.createdAt,
    }));
    return { requests, more: rows.length > limit };
  }

  async approve(caller: RequestContext, data: RequestData<'group.approve'>): Promise<ResultData<'group.approve'>> {
    return this.roster.change(data.conv, async (g) => {
      requireAdmin(g, caller.userId);
      const req = await this.deps.store.groups.getRequest(g.row.id, data.user);
      if (!req) throw new WarblerError('request_not_found', `no pending request from user ${data.user} to join this group`);
      if (!data.accept) {
        await this.deps.store.groups.deleteRequest(g.row.id, data.user);
        await this.deps.journal.appendSystem({
          conv: selfConvId(data.user),
          members: [data.user],
          senderId: caller.userId,
          kind: 'account',
          event: { type: 'group.declined', conv: g.conv, actor: caller.userId },
        });
        return { status: 'declined' };
      }
      if (g.byUser.has(data.user)) throw new WarblerError('already_member', `user ${data.user} is already a member`);
      this.checkCap(g.members.length + 1);
      const event = this.changes.draft(data.user, { type: 'joined', actor: data.user, by: caller.userId });
      await this.changes.record(
        g.conv,
        g.members,
        event,
        this.deps.store.groups.addMembers(g.row.id, [data.user], event, () => addToState(g, [data.user])),
      );
      this.changes.membershipChanged([data.user], g.members);
      return { status: 'joined' };
    });
  }

  /**
   * Takes a deleted account out of every group it is in, each step a `group` event like any other (the
   * account as actor): an owner first hands the group to its longest-standing admin, else its
   * longest-standing member (`transferred`), or dissolves it when alone; then it leaves (`left`).
   */
  async removeDeletedUser(userId: number): Promise<void> {
    const convs = (await this.deps.store.memberConversations(userId)).filter((c) => c.kind === 'group').map((c) => c.conv);
    for (const conv of convs) {
      await this.roster.change(conv, async (g) => {
        const m = g.byUser.get(userId);
        if (!m) return;
        if (m.role === 'owner') {
          const heir = successor(await this.deps.store.groups.listMembers(conv), userId);
          if (heir === undefined) return this.changes.dissolveAs(g, userId);
          await this.changes.transferAs(g, userId, heir);
        }
        await this.changes.leaveAs(g, userId);
      });
    }
  }

  private checkCap(count: number): void {
    const max = this.deps.config.groups.maxMembers;
    if (count > max) throw new WarblerError('group_full', `a group has at most ${max} members`);
  }

  private async checkUsersExist(ids: readonly number[]): Promise<void> {
    if (ids.length === 0) return;
    const found = new Set((await this.deps.store.getUsersByIds(ids)).map((u) => u.id));
    const missing = ids.find((id) => !found.has(id));
    if (missing !== undefined) throw new WarblerError('user_not_found', `no user ${missing}`);
  }
}

/** Who inherits a group from `owner`: the admin who joined first, else the member who joined first. */
function successor(members: readonly GroupMemberRow[], owner: number): number | undefined {
  const others = members.filter((m) => m.userId !== owner).sort((a, b) => a.joinedAt - b.joinedAt || a.userId - b.userId);
  return (others.find((m) => m.role === 'admin') ?? others[0])?.userId;
}
