import { randomUUID } from 'node:crypto';
import {
  GROUP_MAX_USERS_PER_CALL,
  LIMITS,
  parseGroupConvId,
  selfConvId,
  type GroupInfo,
  type GroupSummary,
  type RequestData,
  type ResultData,
} from '@warbler/protocol';
import { WarblerError } from '../errors.js';
import type { GroupEventDraft, GroupMemberRow, GroupPatch, GroupRow } from '../store/group-store.js';
import type { AppendResult, NewMessage } from '../store/store.js';
import { publicUser } from './accounts.js';
import type { ServiceDeps } from './deps.js';
import type { GroupAccess, GroupDirectory } from './directory.js';
import {
  GroupRoster,
  addToState,
  isAdmin,
  removeFromState,
  requireAdmin,
  requireMember,
  requireOwner,
  type GroupState,
} from './group-roster.js';
import type { RequestContext } from '../connections/request.js';

/** Who is told when group membership changes (the presence service), after the change is stored. */
export interface MembershipListener {
  /** `users` joined or left a group whose members are now `members` (see Presence.membershipChanged). */
  membershipChanged(users: readonly number[], members: readonly number[]): void;
}

/** The users of a list without repeats, in first-seen order. */
const unique = (ids: readonly number[]): number[] => [...new Set(ids)];

/**
 * Groups: creation, settings, membership, roles, join requests, mutes; the GroupDirectory messaging asks.
 *
 * Every change runs under the group's lock, is checked against the in-memory state, written with its
 * `group` event in one store transaction, mirrored in memory just before that transaction commits, and
 * then pushed to the members (the acting connection included: a change's result does not carry its
 * event). This in-memory state is per node: each change also publishes a `group` bus message, on which
 * the other nodes drop the group's state and reload it on next use (and `members`, for their presence
 * watches). Two changes of one group made on two nodes at once are not serialized with each other.
 */
export class Groups implements GroupDirectory {
  private readonly roster: GroupRoster;
  private readonly listeners: MembershipListener[] = [];

  constructor(protected readonly deps: ServiceDeps) {
    this.roster = new GroupRoster(deps.store);
  }

  /** Registers a listener for membership changes (presence re-evaluates watches between group mates). */
  listen(l: MembershipListener): void {
    this.listeners.push(l);
  }

  /** Tells the listeners, after a membership change committed. */
  private membersChanged(users: readonly number[], members: readonly number[]): void {
    for (const l of this.listeners) l.membershipChanged(users, members);
  }

  async start(): Promise<void> {
    // Changes made on other nodes.
    this.deps.bus.on('group', (m) => this.roster.forget(m.conv));
    this.deps.bus.on('members', (m) => this.membersChanged(m.users, m.members));
  }
  async stop(): Promise<void> {}

  // ---------------------------------------------------------------------------------------------
  // GroupDirectory: on the send path, answered from memory once the group is loaded.

  async sendAccess(userId: number, conv: string): Promise<GroupAccess> {
    const g = await this.roster.find(conv);
    if (!g || g.row.dissolvedAt !== null) throw new WarblerError('conversation_not_found');
    const m = g.byUser.get(userId);
    if (!m) throw new WarblerError('not_member');
    if (m.mutedUntil !== 0 && m.mutedUntil > Date.now())
      throw new WarblerError('member_muted', `you are muted in this group until ${new Date(m.mutedUntil).toISOString()}`);
    if (g.row.mutedAll && m.role === 'member') throw new WarblerError('group_muted');
    return m.role === 'member' ? g.asMember : g.asAdmin;
  }

  async readAccess(userId: number, conv: string): Promise<GroupAccess> {
    const g = await this.roster.find(conv);
    if (!g || g.row.dissolvedAt !== null) throw new WarblerError('conversation_not_found');
    const m = g.byUser.get(userId);
    if (!m) throw new WarblerError('not_member');
    return m.role === 'member' ? g.asMember : g.asAdmin;
  }

  async summaries(convs: readonly string[]): Promise<Map<string, GroupSummary>> {
    const out = new Map<string, GroupSummary>();
    const unknown: number[] = [];
    for (const conv of convs) {
      const g = this.roster.cached(conv);
      const id = parseGroupConvId(conv);
      if (g) {
        if (g.row.dissolvedAt === null) out.set(conv, summary(g.row, g.members.length));
      } else if (id !== undefined) unknown.push(id);
    }
    // Groups not in memory: one query, without loading their members.
    for (const r of await this.deps.store.groups.groupSummaries(unknown)) out.set(r.conv, summary(r, r.memberCount));
    return out;
  }

  // ---------------------------------------------------------------------------------------------
  // Ops.

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
    const event = this.draft(owner, {
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
    this.membershipChanged(members, members);
    return { group: this.info(g, owner) };
  }

  async get(caller: RequestContext, data: RequestData<'group.get'>): Promise<ResultData<'group.get'>> {
    const g = await this.roster.live(data.conv);
    if (!g.byUser.has(caller.userId) && g.row.joinPolicy === 'invite')
      throw new WarblerError('not_member', 'an invite-only group is visible to its members only');
    return { group: this.info(g, caller.userId) };
  }

  async members(caller: RequestContext, data: RequestData<'group.members'>): Promise<ResultData<'group.members'>> {
    await this.readAccess(caller.userId, data.conv);
    const limit = data.limit ?? LIMITS.defaultPage;
    const rows = await this.deps.store.groups.membersPage(data.conv, data.after ?? 0, limit + 1);
    const page = rows.slice(0, limit);
    const users = new Map((await this.deps.store.getUsersByIds(page.map((m) => m.userId))).map((u) => [u.id, publicUser(u)]));
    const now = Date.now();
    const members = page.map((m) => ({
      user: users.get(m.userId) ?? { id: m.userId, username: '', displayName: '' },
      role: m.role,
      joinedAt: m.joinedAt,
      ...(m.mutedUntil > now ? { mutedUntil: m.mutedUntil } : {}),
    }));
    const more = rows.length > limit;
    return { members, more, ...(more ? { next: page.at(-1)!.userId } : {}) };
  }

  async update(caller: RequestContext, data: RequestData<'group.update'>): Promise<ResultData<'group.update'>> {
    return this.roster.change(data.conv, async (g) => {
      requireAdmin(g, caller.userId);
      const r = g.row;
      const patch: GroupPatch = {};
      const changed: Record<string, unknown> = {};
      if (data.name !== undefined && data.name !== r.name) changed.name = patch.name = data.name;
      for (const key of ['avatar', 'description', 'announcement'] as const) {
        const v = data[key];
        // "" clears the field.
        if (v !== undefined && (v || null) !== r[key]) {
          patch[key] = v || null;
          changed[key] = v;
        }
      }
      if (data.joinPolicy !== undefined && data.joinPolicy !== r.joinPolicy) changed.joinPolicy = patch.joinPolicy = data.joinPolicy;
      if (data.mutedAll !== undefined && data.mutedAll !== r.mutedAll) changed.mutedAll = patch.mutedAll = data.mutedAll;
      if (Object.keys(patch).length > 0) {
        const event = this.draft(caller.userId, { type: 'updated', actor: caller.userId, ...changed });
        await this.record(
          g.conv,
          g.members,
          event,
          this.deps.store.groups.updateGroup(r.id, patch, event, () => {
            Object.assign(r, patch);
            r.updatedAt = event.createdAt;
          }),
        );
      }
      return { group: this.info(g, caller.userId) };
    });
  }

  async dissolve(caller: RequestContext, data: RequestData<'group.dissolve'>): Promise<ResultData<'group.dissolve'>> {
    return this.roster.change(data.conv, async (g) => {
      requireOwner(g, caller.userId);
      await this.dissolveAs(g, caller.userId);
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
      const event = this.draft(caller.userId, { type: 'added', actor: caller.userId, users });
      await this.record(
        g.conv,
        g.members,
        event,
        this.deps.store.groups.addMembers(g.row.id, users, event, () => addToState(g, users)),
      );
      this.membershipChanged(users, g.members);
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
      const event = this.draft(caller.userId, { type: 'removed', actor: caller.userId, users });
      await this.record(
        g.conv,
        recipients,
        event,
        this.deps.store.groups.removeMembers(g.row.id, users, event, () => removeFromState(g, users)),
      );
      this.membershipChanged(users, g.members);
      return { removed: users };
    });
  }

  async leave(caller: RequestContext, data: RequestData<'group.leave'>): Promise<ResultData<'group.leave'>> {
    return this.roster.change(data.conv, async (g) => {
      const role = requireMember(g, caller.userId);
      if (role === 'owner') throw new WarblerError('owner_required', 'the owner must transfer the group (group.transfer) before leaving');
      await this.leaveAs(g, caller.userId);
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
        const event = this.draft(me, { type: 'joined', actor: me });
        await this.record(
          g.conv,
          g.members,
          event,
          this.deps.store.groups.addMembers(g.row.id, [me], event, () => addToState(g, [me])),
        );
        this.membershipChanged([me], g.members);
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
      const event = this.draft(data.user, { type: 'joined', actor: data.user, by: caller.userId });
      await this.record(
        g.conv,
        g.members,
        event,
        this.deps.store.groups.addMembers(g.row.id, [data.user], event, () => addToState(g, [data.user])),
      );
      this.membershipChanged([data.user], g.members);
      return { status: 'joined' };
    });
  }

  async setRole(caller: RequestContext, data: RequestData<'group.role'>): Promise<ResultData<'group.role'>> {
    return this.roster.change(data.conv, async (g) => {
      requireOwner(g, caller.userId);
      const m = g.byUser.get(data.user);
      if (!m) throw new WarblerError('not_member', `user ${data.user} is not a member`);
      if (m.role === 'owner') throw new WarblerError('forbidden', "the owner's role changes only by group.transfer");
      if (m.role === data.role) return {};
      const event = this.draft(caller.userId, { type: 'role', actor: caller.userId, users: [data.user], role: data.role });
      await this.record(
        g.conv,
        g.members,
        event,
        this.deps.store.groups.setRole(g.row.id, data.user, data.role, event, () => {
          m.role = data.role;
        }),
      );
      return {};
    });
  }

  async transfer(caller: RequestContext, data: RequestData<'group.transfer'>): Promise<ResultData<'group.transfer'>> {
    return this.roster.change(data.conv, async (g) => {
      const from = requireOwner(g, caller.userId);
      const to = g.byUser.get(data.user);
      if (!to) throw new WarblerError('not_member', `user ${data.user} is not a member`);
      if (to === from) return {};
      await this.transferAs(g, caller.userId, data.user);
      return {};
    });
  }

  async mute(caller: RequestContext, data: RequestData<'group.mute'>): Promise<ResultData<'group.mute'>> {
    return this.roster.change(data.conv, async (g) => {
      const role = requireAdmin(g, caller.userId);
      const m = g.byUser.get(data.user);
      if (!m) throw new WarblerError('not_member', `user ${data.user} is not a member`);
      if (m.role === 'owner') throw new WarblerError('forbidden', 'the owner cannot be muted');
      if (m.role === 'admin' && role !== 'owner') throw new WarblerError('owner_required', 'only the owner mutes an admin');
      const now = Date.now();
      const until = data.seconds === 0 ? 0 : now + data.seconds * 1000;
      // Unmuting someone who is not muted changes nothing.
      if (until === 0 && m.mutedUntil <= now) return { mutedUntil: 0 };
      const event = this.draft(caller.userId, { type: 'muted', actor: caller.userId, users: [data.user], until });
      await this.record(
        g.conv,
        g.members,
        event,
        this.deps.store.groups.setMutedUntil(g.row.id, data.user, until, event, () => {
          m.mutedUntil = until;
        }),
      );
      return { mutedUntil: until };
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
          if (heir === undefined) return this.dissolveAs(g, userId);
          await this.transferAs(g, userId, heir);
        }
        await this.leaveAs(g, userId);
      });
    }
  }

  // The changes that several ops share, run inside `roster.change` after the op's own checks.

  /** `user` leaves (`left`); the event goes to the members before. */
  private async leaveAs(g: GroupState, user: number): Promise<void> {
    const recipients = [...g.members];
    const event = this.draft(user, { type: 'left', actor: user });
    await this.record(
      g.conv,
      recipients,
      event,
      this.deps.store.groups.removeMembers(g.row.id, [user], event, () => removeFromState(g, [user])),
    );
    this.membershipChanged([user], g.members);
  }

  /** `actor` dissolves the group (`dissolved`), told to every member of before. */
  private async dissolveAs(g: GroupState, actor: number): Promise<void> {
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
    );
    this.membershipChanged(everyone, everyone);
  }

  /** The owner hands the group to `heir` (`transferred`) and becomes an admin. */
  private async transferAs(g: GroupState, owner: number, heir: number): Promise<void> {
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

  // ---------------------------------------------------------------------------------------------
  // Checks.

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

  // ---------------------------------------------------------------------------------------------
  // Events and answers.

  private draft(actor: number, event: Record<string, unknown>): GroupEventDraft {
    return { senderId: actor, clientId: `sys:${randomUUID()}`, body: JSON.stringify({ event }), createdAt: Date.now() };
  }

  /**
   * Records a change written with its `group` event in one store transaction (`write`) through the
   * journal, which pushes the event to `recipients` once durable (every connection, the acting one too);
   * then tells the other nodes that the group changed.
   */
  private async record(conv: string, recipients: readonly number[], d: GroupEventDraft, write: Promise<AppendResult>): Promise<void> {
    await this.deps.journal.record(
      write.then((r) => ({ outcome: r, appended: [{ message: groupEntry(conv, recipients, d), result: r }] })),
    );
    // The other nodes drop their copy of the group and reload it on next use.
    this.deps.bus.publish({ t: 'group', conv });
  }

  /** Membership of `users` changed against `members`: told here (`membersChanged`) and to the other nodes. */
  private membershipChanged(users: readonly number[], members: readonly number[]): void {
    this.membersChanged(users, members);
    this.deps.bus.publish({ t: 'members', users, members });
  }

  private info(g: GroupState, userId: number): GroupInfo {
    const r = g.row;
    const m = g.byUser.get(userId);
    return {
      conv: g.conv,
      name: r.name,
      ...(r.avatar ? { avatar: r.avatar } : {}),
      ...(r.description ? { description: r.description } : {}),
      ...(m && r.announcement ? { announcement: r.announcement } : {}),
      ownerId: r.ownerId,
      joinPolicy: r.joinPolicy,
      mutedAll: r.mutedAll,
      memberCount: g.members.length,
      createdAt: r.createdAt,
      ...(m ? { role: m.role } : {}),
      ...(m && m.mutedUntil > Date.now() ? { mutedUntil: m.mutedUntil } : {}),
    };
  }
}

/** The entry of a `group` event in the group's conversation, delivered to `recipients`. */
function groupEntry(conv: string, recipients: readonly number[], d: GroupEventDraft): NewMessage {
  return { conv, members: recipients, kind: 'group', ...d };
}

function summary(r: GroupRow, memberCount: number): GroupSummary {
  return { name: r.name, ...(r.avatar ? { avatar: r.avatar } : {}), memberCount };
}

/** Who inherits a group from `owner`: the admin who joined first, else the member who joined first. */
function successor(members: readonly GroupMemberRow[], owner: number): number | undefined {
  const others = members.filter((m) => m.userId !== owner).sort((a, b) => a.joinedAt - b.joinedAt || a.userId - b.userId);
  return (others.find((m) => m.role === 'admin') ?? others[0])?.userId;
}

function tooMany(): WarblerError {
  return new WarblerError('request_too_large', `at most ${GROUP_MAX_USERS_PER_CALL} users per request`);
}
