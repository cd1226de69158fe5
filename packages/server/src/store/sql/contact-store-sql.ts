import type { SqlClient, SqlQueries, SqlValue } from './sql-client.js';
import type {
  Applied,
  BlockOutcome,
  ContactSettings,
  ContactStore,
  EventsFor,
  FriendRequestRow,
  ProfileChanges,
  ProfileRow,
  RemovedTies,
  RequestOutcome,
  UserSinceRow,
} from '../contact-store.js';
import type { AppendInTx } from './append.js';

const PROFILE_COLS = 'u.id, u.username, u.display_name AS displayName, u.avatar, u.bio';
type RawProfile = { id: number; username: string; displayName: string; avatar: string | null; bio: string | null };
const num = (v: unknown): number => Number(v);

const toProfile = (r: RawProfile): ProfileRow => ({
  id: num(r.id),
  username: r.username,
  displayName: r.displayName,
  ...(r.avatar != null ? { avatar: r.avatar } : {}),
  ...(r.bio != null ? { bio: r.bio } : {}),
});

/** Runs `query` once per chunk of at most 500 ids, so a placeholder list never grows past what every database accepts. */
async function chunked<T>(ids: readonly number[], query: (placeholders: string, chunk: number[]) => Promise<T[]>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    out.push(...(await query(chunk.map(() => '?').join(','), chunk)));
  }
  return out;
}

/** Sets the given columns of a user (undefined: left as is; null: cleared). */
async function updateUser(tx: SqlQueries, userId: number, columns: Record<string, SqlValue | undefined>): Promise<void> {
  const set = Object.entries(columns).filter((e): e is [string, SqlValue] => e[1] !== undefined);
  if (set.length === 0) return;
  await tx.run(`UPDATE users SET ${set.map(([c]) => `${c} = ?`).join(', ')} WHERE id = ?`, [...set.map(([, v]) => v), userId]);
}

/** ContactStore on SQL: queries written once, dialect hooks from the client. */
export class SqlContactStore implements ContactStore {
  constructor(
    protected readonly db: SqlClient,
    /** Appends events in the caller's transaction, with the rules of a `Store.commit` append. */
    protected readonly append: AppendInTx,
  ) {}

  /**
   * Runs `decide` and the events of its outcome in one transaction. `decide` reads the friendships,
   * requests and blocks between `users`: their user rows are locked first, in id order, so two changes
   * between the same users (from two processes) run one after the other, each reading what the other
   * committed (where transactions run one at a time anyway, `forUpdate` is '' and nothing is locked).
   */
  private change<O>(users: readonly number[], decide: (tx: SqlQueries) => Promise<O>, events: EventsFor<O>): Promise<Applied<O>> {
    return this.db.transaction(async (tx) => {
      const lock = this.db.dialect.forUpdate;
      if (lock !== '')
        for (const id of [...new Set(users)].sort((a, b) => a - b)) await tx.get(`SELECT id FROM users WHERE id = ?${lock}`, [id]);
      const outcome = await decide(tx);
      const messages = events(outcome);
      const results = messages.length > 0 ? await this.append(tx, messages) : [];
      return { outcome, appended: messages.map((message, i) => ({ message, result: results[i]! })) };
    });
  }

  private async exists(tx: SqlQueries, sql: string, params: SqlValue[]): Promise<boolean> {
    return (await tx.get(sql, params)) !== undefined;
  }
  private isBlocking(tx: SqlQueries, blocker: number, blocked: number): Promise<boolean> {
    return this.exists(tx, 'SELECT 1 AS x FROM blocks WHERE blocker_id = ? AND blocked_id = ?', [blocker, blocked]);
  }
  private areFriends(tx: SqlQueries, a: number, b: number): Promise<boolean> {
    return this.exists(tx, 'SELECT 1 AS x FROM friendships WHERE user_id = ? AND friend_id = ?', [a, b]);
  }
  private hasRequest(tx: SqlQueries, from: number, to: number): Promise<boolean> {
    return this.exists(tx, 'SELECT 1 AS x FROM friend_requests WHERE from_id = ? AND to_id = ?', [from, to]);
  }
  private async befriend(tx: SqlQueries, a: number, b: number, at: number): Promise<void> {
    await tx.run('INSERT INTO friendships (user_id, friend_id, created_at) VALUES (?, ?, ?)', [a, b, at]);
    await tx.run('INSERT INTO friendships (user_id, friend_id, created_at) VALUES (?, ?, ?)', [b, a, at]);
  }
  /** Deletes the friendship of a and b; true when there was one. */
  private async unfriend(tx: SqlQueries, a: number, b: number): Promise<boolean> {
    const r = await tx.run('DELETE FROM friendships WHERE (user_id = ? AND friend_id = ?) OR (user_id = ? AND friend_id = ?)', [
      a,
      b,
      b,
      a,
    ]);
    return r.changes > 0;
  }
  private deleteRequest(tx: SqlQueries, from: number, to: number): Promise<{ changes: number }> {
    return tx.run('DELETE FROM friend_requests WHERE from_id = ? AND to_id = ?', [from, to]);
  }
  private userExists(tx: SqlQueries, id: number): Promise<boolean> {
    return this.exists(tx, 'SELECT 1 AS x FROM users WHERE id = ? AND deleted_at IS NULL', [id]);
  }

  async settings(userIds: readonly number[]): Promise<Map<number, ContactSettings>> {
    const rows = await chunked(userIds, (ph, chunk) =>
      this.db.all<{ id: number; friendPolicy: ContactSettings['friendPolicy']; presence: ContactSettings['presence'] }>(
        `SELECT id, friend_policy AS friendPolicy, presence_privacy AS presence FROM users WHERE id IN (${ph})`,
        chunk,
      ),
    );
    return new Map(rows.map((r) => [num(r.id), { friendPolicy: r.friendPolicy, presence: r.presence }]));
  }

  async profiles(userIds: readonly number[]): Promise<Map<number, ProfileRow>> {
    const rows = await chunked(userIds, (ph, chunk) =>
      this.db.all<RawProfile>(`SELECT ${PROFILE_COLS} FROM users u WHERE u.id IN (${ph})`, chunk),
    );
    return new Map(rows.map((r) => [num(r.id), toProfile(r)]));
  }

  updateProfile(
    userId: number,
    changes: ProfileChanges,
    events: EventsFor<ProfileRow | undefined>,
  ): Promise<Applied<ProfileRow | undefined>> {
    return this.change(
      [],
      async (tx) => {
        await updateUser(tx, userId, { display_name: changes.displayName, avatar: changes.avatar, bio: changes.bio });
        const r = await tx.get<RawProfile>(`SELECT ${PROFILE_COLS} FROM users u WHERE u.id = ?`, [userId]);
        return r && toProfile(r);
      },
      events,
    );
  }

  updateSettings(
    userId: number,
    changes: Partial<ContactSettings>,
    events: EventsFor<ContactSettings | undefined>,
  ): Promise<Applied<ContactSettings | undefined>> {
    return this.change(
      [],
      async (tx) => {
        await updateUser(tx, userId, { friend_policy: changes.friendPolicy, presence_privacy: changes.presence });
        return tx.get<ContactSettings>('SELECT friend_policy AS friendPolicy, presence_privacy AS presence FROM users WHERE id = ?', [
          userId,
        ]);
      },
      events,
    );
  }

  async searchByUsername(prefix: string, limit: number): Promise<ProfileRow[]> {
    // The range keeps the search on the username index; the LIKE makes it exact whatever the collation.
    const like = `${prefix.replace(/[!%_]/g, (c) => `!${c}`)}%`;
    const rows = await this.db.all<RawProfile>(
      `SELECT ${PROFILE_COLS} FROM users u WHERE u.username >= ? AND u.username < ? AND u.username LIKE ? ESCAPE '!' ORDER BY u.username LIMIT ?`,
      [prefix, `${prefix}\u007f`, like, limit],
    );
    return rows.map(toProfile);
  }

  requestFriend(
    from: number,
    to: number,
    message: string | null,
    at: number,
    events: EventsFor<RequestOutcome>,
  ): Promise<Applied<RequestOutcome>> {
    return this.change(
      [from, to],
      async (tx): Promise<RequestOutcome> => {
        const target = await tx.get<{ policy: ContactSettings['friendPolicy'] }>(
          'SELECT friend_policy AS policy FROM users WHERE id = ? AND deleted_at IS NULL',
          [to],
        );
        if (!target) return 'no_user';
        if (await this.isBlocking(tx, to, from)) return 'blocked';
        if (await this.isBlocking(tx, from, to)) return 'blocking';
        if (await this.areFriends(tx, from, to)) return 'already_friends';
        // They asked first: this request answers theirs, whatever their policy.
        if ((await this.deleteRequest(tx, to, from)).changes > 0) {
          await this.befriend(tx, from, to, at);
          return 'friends';
        }
        if (await this.hasRequest(tx, from, to)) return 'already_pending';
        if (target.policy === 'nobody') return 'closed';
        if (target.policy === 'anyone') {
          await this.befriend(tx, from, to, at);
          return 'friends';
        }
        await tx.run('INSERT INTO friend_requests (from_id, to_id, message, created_at) VALUES (?, ?, ?, ?)', [from, to, message, at]);
        return 'pending';
      },
      events,
    );
  }

  acceptRequest(
    from: number,
    to: number,
    at: number,
    events: EventsFor<'accepted' | 'not_found'>,
  ): Promise<Applied<'accepted' | 'not_found'>> {
    return this.change(
      [from, to],
      async (tx) => {
        if ((await this.deleteRequest(tx, from, to)).changes === 0) return 'not_found';
        await this.deleteRequest(tx, to, from);
        await this.befriend(tx, from, to, at);
        return 'accepted';
      },
      events,
    );
  }

  declineRequest(from: number, to: number, events: EventsFor<'declined' | 'not_found'>): Promise<Applied<'declined' | 'not_found'>> {
    return this.change([from, to], async (tx) => ((await this.deleteRequest(tx, from, to)).changes > 0 ? 'declined' : 'not_found'), events);
  }

  removeFriend(a: number, b: number, events: EventsFor<'removed' | 'not_friends'>): Promise<Applied<'removed' | 'not_friends'>> {
    return this.change([a, b], async (tx) => ((await this.unfriend(tx, a, b)) ? 'removed' : 'not_friends'), events);
  }

  block(blocker: number, blocked: number, at: number, events: EventsFor<BlockOutcome>): Promise<Applied<BlockOutcome>> {
    return this.change(
      [blocker, blocked],
      async (tx): Promise<BlockOutcome> => {
        if (!(await this.userExists(tx, blocked))) return 'no_user';
        if (await this.isBlocking(tx, blocker, blocked)) return 'already_blocked';
        await tx.run('INSERT INTO blocks (blocker_id, blocked_id, created_at) VALUES (?, ?, ?)', [blocker, blocked, at]);
        await this.deleteRequest(tx, blocker, blocked);
        await this.deleteRequest(tx, blocked, blocker);
        return (await this.unfriend(tx, blocker, blocked)) ? 'blocked_unfriended' : 'blocked';
      },
      events,
    );
  }

  removeUser(userId: number, events: EventsFor<RemovedTies>): Promise<Applied<RemovedTies>> {
    return this.change(
      [userId],
      async (tx): Promise<RemovedTies> => {
        const friends = await tx.all<{ id: number }>('SELECT friend_id AS id FROM friendships WHERE user_id = ? ORDER BY friend_id', [
          userId,
        ]);
        const blocks = await tx.all<{ blocker: number; blocked: number }>(
          'SELECT blocker_id AS blocker, blocked_id AS blocked FROM blocks WHERE blocker_id = ? OR blocked_id = ? ORDER BY blocker_id, blocked_id',
          [userId, userId],
        );
        await tx.run('DELETE FROM friendships WHERE user_id = ? OR friend_id = ?', [userId, userId]);
        await tx.run('DELETE FROM friend_requests WHERE from_id = ? OR to_id = ?', [userId, userId]);
        await tx.run('DELETE FROM blocks WHERE blocker_id = ? OR blocked_id = ?', [userId, userId]);
        return {
          friends: friends.map((r) => num(r.id)),
          blocks: blocks.map((b) => ({ blocker: num(b.blocker), blocked: num(b.blocked) })),
        };
      },
      events,
    );
  }

  unblock(blocker: number, blocked: number, events: EventsFor<'unblocked' | 'not_blocked'>): Promise<Applied<'unblocked' | 'not_blocked'>> {
    return this.change(
      [blocker, blocked],
      async (tx) => {
        const r = await tx.run('DELETE FROM blocks WHERE blocker_id = ? AND blocked_id = ?', [blocker, blocked]);
        return r.changes > 0 ? 'unblocked' : 'not_blocked';
      },
      events,
    );
  }

  async listFriends(userId: number, after: number, limit: number): Promise<UserSinceRow[]> {
    const rows = await this.db.all<RawProfile & { since: number }>(
      `SELECT f.created_at AS since, ${PROFILE_COLS} FROM friendships f JOIN users u ON u.id = f.friend_id
       WHERE f.user_id = ? AND f.friend_id > ? ORDER BY f.friend_id LIMIT ?`,
      [userId, after, limit],
    );
    return rows.map((r) => ({ user: toProfile(r), since: num(r.since) }));
  }

  async listBlocked(userId: number, after: number, limit: number): Promise<UserSinceRow[]> {
    const rows = await this.db.all<RawProfile & { since: number }>(
      `SELECT b.created_at AS since, ${PROFILE_COLS} FROM blocks b JOIN users u ON u.id = b.blocked_id
       WHERE b.blocker_id = ? AND b.blocked_id > ? ORDER BY b.blocked_id LIMIT ?`,
      [userId, after, limit],
    );
    return rows.map((r) => ({ user: toProfile(r), since: num(r.since) }));
  }

  async listRequests(userId: number, limit: number): Promise<{ incoming: FriendRequestRow[]; outgoing: FriendRequestRow[] }> {
    const list = async (mine: 'to_id' | 'from_id', theirs: 'from_id' | 'to_id'): Promise<FriendRequestRow[]> => {
      const rows = await this.db.all<RawProfile & { message: string | null; createdAt: number }>(
        `SELECT r.message, r.created_at AS createdAt, ${PROFILE_COLS} FROM friend_requests r JOIN users u ON u.id = r.${theirs}
         WHERE r.${mine} = ? ORDER BY r.created_at DESC, u.id DESC LIMIT ?`,
        [userId, limit],
      );
      return rows.map((r) => ({ user: toProfile(r), message: r.message, createdAt: num(r.createdAt) }));
    };
    return { incoming: await list('to_id', 'from_id'), outgoing: await list('from_id', 'to_id') };
  }

  async allBlocks(): Promise<{ blocker: number; blocked: number }[]> {
    const rows = await this.db.all<{ blocker: number; blocked: number }>('SELECT blocker_id AS blocker, blocked_id AS blocked FROM blocks');
    return rows.map((r) => ({ blocker: num(r.blocker), blocked: num(r.blocked) }));
  }

  async contactsAmong(userId: number, candidates: readonly number[]): Promise<Set<number>> {
    const friends = await chunked(candidates, (ph, chunk) =>
      this.db.all<{ id: number }>(`SELECT friend_id AS id FROM friendships WHERE user_id = ? AND friend_id IN (${ph})`, [userId, ...chunk]),
    );
    const groupmates = await chunked(candidates, (ph, chunk) =>
      this.db.all<{ id: number }>(
        `SELECT DISTINCT m2.user_id AS id FROM members m1
         JOIN conversations c ON c.id = m1.conv_id
         JOIN members m2 ON m2.conv_id = m1.conv_id
         WHERE m1.user_id = ? AND c.kind = 'group' AND m2.user_id IN (${ph})`,
        [userId, ...chunk],
      ),
    );
    return new Set([...friends, ...groupmates].map((r) => num(r.id)));
  }

  async lastSeen(userIds: readonly number[]): Promise<Map<number, number>> {
    const rows = await chunked(userIds, (ph, chunk) =>
      this.db.all<{ id: number; at: number }>(
        `SELECT user_id AS id, MAX(last_seen_at) AS at FROM devices WHERE user_id IN (${ph}) GROUP BY user_id`,
        chunk,
      ),
    );
    return new Map(rows.map((r) => [num(r.id), num(r.at)]));
  }
}
