import { LIMITS, parseGroupConvId, type GroupInfo, type GroupSummary, type RequestData, type ResultData } from '@warbler/protocol';
import type { RequestContext } from '../connections/request.js';
import { WarblerError } from '../errors.js';
import type { GroupRow } from '../store/group-store.js';
import { publicUser } from './accounts.js';
import type { ServiceDeps } from './deps.js';
import type { GroupAccess, GroupDirectory } from './directory.js';
import type { GroupRoster, GroupState } from './group-roster.js';

/**
 * Who may read and write a group, and what anyone may see of it: the GroupDirectory messaging asks on
 * every group send (answered from memory once the group is loaded), and the `group.get` and
 * `group.members` ops.
 */
export class GroupDirectoryService implements GroupDirectory {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly roster: GroupRoster,
  ) {}

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

  async get(caller: RequestContext, data: RequestData<'group.get'>): Promise<ResultData<'group.get'>> {
    const g = await this.roster.live(data.conv);
    if (!g.byUser.has(caller.userId) && g.row.joinPolicy === 'invite')
      throw new WarblerError('not_member', 'an invite-only group is visible to its members only');
    return { group: groupInfo(g, caller.userId) };
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
}

/** What `userId` is shown of group `g` (the announcement, their role and mute to members only). */
export function groupInfo(g: GroupState, userId: number): GroupInfo {
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

function summary(r: GroupRow, memberCount: number): GroupSummary {
  return { name: r.name, ...(r.avatar ? { avatar: r.avatar } : {}), memberCount };
}
