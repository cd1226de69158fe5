import type { RequestData, ResultData } from '@warbler/protocol';
import type { RequestContext } from '../connections/request.js';
import { WarblerError } from '../errors.js';
import type { GroupPatch } from '../store/group-store.js';
import type { ServiceDeps } from './deps.js';
import type { GroupChanges } from './group-changes.js';
import { groupInfo } from './group-directory.js';
import { requireAdmin, requireOwner, type GroupRoster } from './group-roster.js';

/**
 * Who may do what in a group: its settings (name, announcement, join policy, everyone muted), roles,
 * ownership and mutes. Each change runs under the group's lock (`roster.change`) and is recorded by
 * GroupChanges.
 */
export class GroupModeration {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly roster: GroupRoster,
    private readonly changes: GroupChanges,
  ) {}

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
        const event = this.changes.draft(caller.userId, { type: 'updated', actor: caller.userId, ...changed });
        await this.changes.record(
          g.conv,
          g.members,
          event,
          this.deps.store.groups.updateGroup(r.id, patch, event, () => {
            Object.assign(r, patch);
            r.updatedAt = event.createdAt;
          }),
        );
      }
      return { group: groupInfo(g, caller.userId) };
    });
  }

  async setRole(caller: RequestContext, data: RequestData<'group.role'>): Promise<ResultData<'group.role'>> {
    return this.roster.change(data.conv, async (g) => {
      requireOwner(g, caller.userId);
      const m = g.byUser.get(data.user);
      if (!m) throw new WarblerError('not_member', `user ${data.user} is not a member`);
      if (m.role === 'owner') throw new WarblerError('forbidden', "the owner's role changes only by group.transfer");
      if (m.role === data.role) return {};
      const event = this.changes.draft(caller.userId, { type: 'role', actor: caller.userId, users: [data.user], role: data.role });
      await this.changes.record(
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
      await this.changes.transferAs(g, caller.userId, data.user);
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
      const event = this.changes.draft(caller.userId, { type: 'muted', actor: caller.userId, users: [data.user], until });
      await this.changes.record(
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
}
