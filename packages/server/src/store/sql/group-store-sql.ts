import { groupConvId } from '@warbler/protocol';
import { takeLock } from './locks.js';
import type { SqlClient, SqlQueries, SqlValue } from './sql-client.js';
import type { AppendInTx } from './append.js';
import type {
  BeforeCommit,
  GroupEventDraft,
  GroupMemberRow,
  GroupPatch,
  GroupRole,
  GroupRow,
  GroupStore,
  JoinPolicy,
  JoinRequestRow,
  NewGroup,
} from '../group-store.js';
import type { AppendResult } from '../store.js';

const GROUP_COLS = `id, conv_id AS conv, name, avatar, description, announcement, owner_id AS ownerId, join_policy AS joinPolicy,
  muted_all AS mutedAll, created_at AS createdAt, updated_at AS updatedAt, dissolved_at AS dissolvedAt`;
const MEMBER_COLS = 'user_id AS userId, role, muted_until AS mutedUntil, joined_at AS joinedAt';

const num = (v: unknown): number => Number(v);
const toGroup = (r: Record<string, unknown>): GroupRow => ({
  id: num(r.id),
  conv: r.conv as string,
  name: r.name as string,
  avatar: (r.avatar as string | null) ?? null,
  description: (r.description as string | null) ?? null,
  announcement: (r.announcement as string | null) ?? null,
  ownerId: num(r.ownerId),
  joinPolicy: r.joinPolicy as JoinPolicy,
  mutedAll: num(r.mutedAll) === 1,
  createdAt: num(r.createdAt),
  updatedAt: num(r.updatedAt),
  dissolvedAt: r.dissolvedAt == null ? null : num(r.dissolvedAt),
});
const toMember = (r: Record<string, unknown>): GroupMemberRow => ({
  userId: num(r.userId),
  role: r.role as GroupRole,
  mutedUntil: num(r.mutedUntil),
  joinedAt: num(r.joinedAt),
});
const toRequest = (r: Record<string, unknown>): JoinRequestRow => ({
  groupId: num(r.groupId),
  userId: num(r.userId),
  message: (r.message as string | null) ?? null,
  createdAt: num(r.createdAt),
});

/** The column of each GroupPatch field. */
const PATCH_COLUMNS: Record<keyof GroupPatch, string> = {
  name: 'name',
  avatar: 'avatar',
  description: 'description',
  announcement: 'announcement',
  joinPolicy: 'join_policy',
  mutedAll: 'muted_all',
};

/** GroupStore on SQL: queries written once, dialect hooks from the client. */
export class SqlGroupStore implements GroupStore {
  constructor(
    protected readonly db: SqlClient,
    /** Appends events in the caller's transaction, with the rules of a `Store.commit` append. */
    protected readonly append: AppendInTx,
  ) {}

  /** Runs `write` and appends `event` to group `id` in one transaction; `beforeCommit` last. */
  private change(
    id: number,
    event: GroupEventDraft,
    beforeCommit: BeforeCommit | undefined,
    write: (tx: SqlQueries, conv: string) => Promise<void>,
    eventFirst = false,
  ): Promise<AppendResult> {
    const conv = groupConvId(id);
    return this.db.transaction(async (tx) => {
      await takeLock(tx, this.db.dialect, 'message_ids', 'shared');
      if (!eventFirst) await write(tx, conv);
      const [r] = await this.append(tx, [{ conv, members: [], kind: 'group', ...event }]);
      if (eventFirst) await write(tx, conv);
      beforeCommit?.();
      return r!;
    });
  }

  async createGroup(g: NewGroup, members: readonly number[], event: GroupEventDraft): Promise<{ group: GroupRow; event: AppendResult }> {
    return this.db.transaction(async (tx) => {
      await takeLock(tx, this.db.dialect, 'message_ids', 'shared');
      const id = (await tx.insert(
        `INSERT INTO chat_groups (name, avatar, description, owner_id, join_policy, muted_all, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, 0, ?, ?)`,
        [g.name, g.avatar, g.description, g.ownerId, g.joinPolicy, g.createdAt, g.createdAt],
      ))!;
      const conv = groupConvId(id);
      await tx.run('UPDATE chat_groups SET conv_id = ? WHERE id = ?', [conv, id]);
      await tx.run('INSERT INTO conversations (id, kind, last_seq, created_at, updated_at) VALUES (?, ?, 0, ?, ?)', [
        conv,
        'group',
        g.createdAt,
        g.createdAt,
      ]);
      const insertMember = `INSERT INTO members (conv_id, user_id, read_seq, joined_at, role) VALUES (?, ?, 0, ?, ?)`;
      await tx.run(insertMember, [conv, g.ownerId, g.createdAt, 'owner']);
      for (const u of new Set(members)) if (u !== g.ownerId) await tx.run(insertMember, [conv, u, g.createdAt, 'member']);
      const [r] = await this.append(tx, [{ conv, members: [], kind: 'group', ...event }]);
      const group: GroupRow = {
        id,
        conv,
        name: g.name,
        avatar: g.avatar,
        description: g.description,
        announcement: null,
        ownerId: g.ownerId,
        joinPolicy: g.joinPolicy,
        mutedAll: false,
        createdAt: g.createdAt,
        updatedAt: g.createdAt,
        dissolvedAt: null,
      };
      return { group, event: r! };
    });
  }

  async getGroup(id: number): Promise<GroupRow | undefined> {
    const r = await this.db.get<Record<string, unknown>>(`SELECT ${GROUP_COLS} FROM chat_groups WHERE id = ?`, [id]);
    return r && toGroup(r);
  }

  async groupSummaries(ids: readonly number[]): Promise<(GroupRow & { memberCount: number })[]> {
    const out: (GroupRow & { memberCount: number })[] = [];
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      const rows = await this.db.all<Record<string, unknown>>(
        `SELECT ${GROUP_COLS}, (SELECT COUNT(*) FROM members m WHERE m.conv_id = g.conv_id) AS memberCount
         FROM chat_groups g WHERE g.dissolved_at IS NULL AND g.id IN (${chunk.map(() => '?').join(',')})`,
        chunk,
      );
      for (const r of rows) out.push({ ...toGroup(r), memberCount: num(r.memberCount) });
    }
    return out;
  }

  async listMembers(conv: string): Promise<GroupMemberRow[]> {
    const rows = await this.db.all<Record<string, unknown>>(`SELECT ${MEMBER_COLS} FROM members WHERE conv_id = ? ORDER BY user_id`, [
      conv,
    ]);
    return rows.map(toMember);
  }

  async membersPage(conv: string, afterUserId: number, limit: number): Promise<GroupMemberRow[]> {
    const rows = await this.db.all<Record<string, unknown>>(
      `SELECT ${MEMBER_COLS} FROM members WHERE conv_id = ? AND user_id > ? ORDER BY user_id LIMIT ?`,
      [conv, afterUserId, limit],
    );
    return rows.map(toMember);
  }

  updateGroup(id: number, patch: GroupPatch, event: GroupEventDraft, beforeCommit?: BeforeCommit): Promise<AppendResult> {
    return this.change(id, event, beforeCommit, async (tx) => {
      const sets: string[] = ['updated_at = ?'];
      const params: SqlValue[] = [event.createdAt];
      for (const key of Object.keys(PATCH_COLUMNS) as (keyof GroupPatch)[]) {
        const v = patch[key];
        if (v === undefined) continue;
        sets.push(`${PATCH_COLUMNS[key]} = ?`);
        params.push(typeof v === 'boolean' ? (v ? 1 : 0) : v);
      }
      await tx.run(`UPDATE chat_groups SET ${sets.join(', ')} WHERE id = ?`, [...params, id]);
    });
  }

  addMembers(id: number, userIds: readonly number[], event: GroupEventDraft, beforeCommit?: BeforeCommit): Promise<AppendResult> {
    return this.change(id, event, beforeCommit, async (tx, conv) => {
      const head = await tx.get<{ lastSeq: number }>(
        `SELECT last_seq AS lastSeq FROM conversations WHERE id = ?${this.db.dialect.forUpdate}`,
        [conv],
      );
      const readSeq = num(head?.lastSeq ?? 0);
      for (const u of userIds) {
        await tx.run(this.db.dialect.insertIgnore('members', '(conv_id, user_id, read_seq, joined_at, role) VALUES (?, ?, ?, ?, ?)'), [
          conv,
          u,
          readSeq,
          event.createdAt,
          'member',
        ]);
        await tx.run('DELETE FROM group_requests WHERE group_id = ? AND user_id = ?', [id, u]);
      }
    });
  }

  removeMembers(id: number, userIds: readonly number[], event: GroupEventDraft, beforeCommit?: BeforeCommit): Promise<AppendResult> {
    return this.change(id, event, beforeCommit, async (tx, conv) => {
      for (const u of userIds) await tx.run('DELETE FROM members WHERE conv_id = ? AND user_id = ?', [conv, u]);
    });
  }

  setRole(
    id: number,
    userId: number,
    role: 'admin' | 'member',
    event: GroupEventDraft,
    beforeCommit?: BeforeCommit,
  ): Promise<AppendResult> {
    return this.change(id, event, beforeCommit, async (tx, conv) => {
      await tx.run('UPDATE members SET role = ? WHERE conv_id = ? AND user_id = ?', [role, conv, userId]);
    });
  }

  transferOwnership(id: number, from: number, to: number, event: GroupEventDraft, beforeCommit?: BeforeCommit): Promise<AppendResult> {
    return this.change(id, event, beforeCommit, async (tx, conv) => {
      await tx.run('UPDATE members SET role = ? WHERE conv_id = ? AND user_id = ?', ['admin', conv, from]);
      await tx.run('UPDATE members SET role = ? WHERE conv_id = ? AND user_id = ?', ['owner', conv, to]);
      await tx.run('UPDATE chat_groups SET owner_id = ?, updated_at = ? WHERE id = ?', [to, event.createdAt, id]);
    });
  }

  setMutedUntil(id: number, userId: number, until: number, event: GroupEventDraft, beforeCommit?: BeforeCommit): Promise<AppendResult> {
    return this.change(id, event, beforeCommit, async (tx, conv) => {
      await tx.run('UPDATE members SET muted_until = ? WHERE conv_id = ? AND user_id = ?', [until, conv, userId]);
    });
  }

  dissolveGroup(id: number, event: GroupEventDraft, beforeCommit?: BeforeCommit): Promise<AppendResult> {
    // The event is appended first, while the members still have their rows (it moves the actor's read cursor).
    return this.change(
      id,
      event,
      beforeCommit,
      async (tx, conv) => {
        await tx.run('UPDATE chat_groups SET dissolved_at = ?, updated_at = ? WHERE id = ?', [event.createdAt, event.createdAt, id]);
        await tx.run('DELETE FROM members WHERE conv_id = ?', [conv]);
        await tx.run('DELETE FROM group_requests WHERE group_id = ?', [id]);
      },
      true,
    );
  }

  async addRequest(r: JoinRequestRow): Promise<boolean> {
    const res = await this.db.run(
      this.db.dialect.insertIgnore('group_requests', '(group_id, user_id, message, created_at) VALUES (?, ?, ?, ?)'),
      [r.groupId, r.userId, r.message, r.createdAt],
    );
    return res.changes > 0;
  }

  async getRequest(groupId: number, userId: number): Promise<JoinRequestRow | undefined> {
    const r = await this.db.get<Record<string, unknown>>(
      'SELECT group_id AS groupId, user_id AS userId, message, created_at AS createdAt FROM group_requests WHERE group_id = ? AND user_id = ?',
      [groupId, userId],
    );
    return r && toRequest(r);
  }

  async listRequests(groupId: number, limit: number): Promise<JoinRequestRow[]> {
    const rows = await this.db.all<Record<string, unknown>>(
      `SELECT group_id AS groupId, user_id AS userId, message, created_at AS createdAt FROM group_requests
       WHERE group_id = ? ORDER BY created_at, user_id LIMIT ?`,
      [groupId, limit],
    );
    return rows.map(toRequest);
  }

  async deleteRequest(groupId: number, userId: number): Promise<boolean> {
    const r = await this.db.run('DELETE FROM group_requests WHERE group_id = ? AND user_id = ?', [groupId, userId]);
    return r.changes > 0;
  }
}
