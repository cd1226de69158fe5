import { MSG_COLS, toMessage, type RawMessage } from './message-rows.js';
import { USER_COLS, toUser, type RawUser } from './user-rows.js';
import { SqlAppender } from './append.js';
import { SqlAuthLimitStore } from './auth-limit-store-sql.js';
import { SqlCommitter } from './commit.js';
import { MIGRATIONS, stepSql } from './migrations.js';
import { SqlAdminStore } from './admin-store-sql.js';
import { SqlAuditStore } from './audit-store-sql.js';
import { SqlContactStore } from './contact-store-sql.js';
import { SqlGroupStore } from './group-store-sql.js';
import { SqlRegistrationStore } from './registration-store-sql.js';
import { SqlSearchStore } from './search-store-sql.js';
import { noSearchEngine, type SearchEngine } from './search-engine.js';
import { MYSQL_SCAN } from './search-engine-mysql-scan.js';
import { POSTGRES_TRGM } from './search-engine-postgres-trgm.js';
import { SQLITE_FTS } from './search-engine-sqlite-fts.js';
import type { SqlClient, SqlQueries, SqlValue } from './sql-client.js';
import {
  SchemaTooNewError,
  StoreConflictError,
  type ConversationRow,
  type ConversationSummaryRow,
  type CreatedUser,
  type DeviceRow,
  type MemberConversationRow,
  type MemberState,
  type MessageRow,
  type NewDevice,
  type NewUser,
  type Store,
  type UserRow,
  type WriteOp,
  type WriteOutcome,
} from '../store.js';

/** Deleted accounts are tombstones: no user lookup finds them. */
const LIVE = 'deleted_at IS NULL';
const DEVICE_COLS =
  'id, user_id AS userId, name, token_hash AS tokenHash, created_at AS createdAt, last_seen_at AS lastSeenAt, expires_at AS expiresAt, revoked_at AS revokedAt';
/** Joined to `messages m` for a viewer (the first parameter): their deletions for themself. */
const HIDDEN_JOIN = 'LEFT JOIN hidden_messages h ON h.user_id = ? AND h.conv_id = m.conv_id AND h.seq = m.seq';

const USER_INSERT = '(username, display_name, password_hash, is_admin, created_at) VALUES (?, ?, ?, ?, ?)';
const userParams = (u: NewUser): SqlValue[] => [u.username, u.displayName, u.passwordHash, u.isAdmin ? 1 : 0, u.createdAt];

const num = (v: unknown): number => Number(v);
/** A member row's list flags (`pinned`, `muted`, `archived` columns, stored as 0/1). */
const listFlags = (r: Record<string, unknown>): { pinned: boolean; muted: boolean; archived: boolean } => ({
  pinned: num(r.pinned) === 1,
  muted: num(r.muted) === 1,
  archived: num(r.archived) === 1,
});

/** The full-text engine of each database (search-engine.ts). */
function searchEngineFor(dialect: SqlClient['dialect']['name']): SearchEngine {
  switch (dialect) {
    case 'sqlite':
      return SQLITE_FTS;
    case 'postgres':
      return POSTGRES_TRGM;
    case 'mysql':
      return MYSQL_SCAN;
    default:
      return noSearchEngine(dialect);
  }
}

/**
 * The Store on any SQL database: every query is written here once, with `?` placeholders;
 * the SqlClient's dialect supplies what differs.
 */
export class SqlStore implements Store {
  private readonly appender: SqlAppender;
  private readonly committer: SqlCommitter;
  readonly groups: SqlGroupStore;
  readonly contacts: SqlContactStore;
  readonly search: SqlSearchStore;
  readonly admin: SqlAdminStore;
  readonly audit: SqlAuditStore;
  readonly authLimits: SqlAuthLimitStore;
  readonly registration: SqlRegistrationStore;

  /** `engine`: the search of the client's database (searchEngineFor its dialect unless given). */
  constructor(
    private readonly db: SqlClient,
    engine: SearchEngine = searchEngineFor(db.dialect.name),
  ) {
    this.appender = new SqlAppender(db);
    this.committer = new SqlCommitter(db, this.appender);
    this.groups = new SqlGroupStore(db, this.appender.inTx);
    this.contacts = new SqlContactStore(db, this.appender.inTx);
    this.search = new SqlSearchStore(db, engine);
    this.admin = new SqlAdminStore(db);
    this.audit = new SqlAuditStore(db);
    this.authLimits = new SqlAuthLimitStore(db);
    this.registration = new SqlRegistrationStore(db, (tx, u) => this.insertUser(tx, u));
  }

  /**
   * Applies the migrations this database lacks, under the database's migration lock (several processes
   * starting at once migrate once). Throws SchemaTooNewError, changing nothing, when the database holds
   * a version this code does not know (it was migrated by a newer Warbler). A step whose change is there
   * already (`dialect.alreadyApplied`: MySQL, whose DDL commits at once) counts as done.
   */
  migrate(): Promise<void> {
    return this.db.withMigrationLock(() => this.migrateLocked());
  }

  private async migrateLocked(): Promise<void> {
    const d = this.db.dialect;
    await this.db.exec(
      d.ddl(
        `CREATE TABLE IF NOT EXISTS schema_migrations (version {{bigint}} NOT NULL PRIMARY KEY, name VARCHAR(200) NOT NULL, applied_at {{bigint}} NOT NULL)`,
      ),
    );
    const done = new Set((await this.db.all<{ version: number }>('SELECT version FROM schema_migrations')).map((r) => num(r.version)));
    const newest = Math.max(0, ...done);
    const known = MIGRATIONS[MIGRATIONS.length - 1]!.version;
    if (newest > known) throw new SchemaTooNewError(newest, known);
    for (const m of MIGRATIONS) {
      if (done.has(m.version)) continue;
      await this.db.transaction(async (tx) => {
        for (const step of m.up) {
          const sql = stepSql(step, d.name);
          if (sql === undefined) continue;
          await tx.run(d.ddl(sql)).catch((e: unknown) => {
            if (!d.alreadyApplied(e)) throw e;
          });
        }
        await tx.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [m.version, m.name, Date.now()]);
      });
    }
  }

  async ready(): Promise<boolean> {
    try {
      await this.db.get('SELECT 1 AS one');
      return true;
    } catch {
      return false;
    }
  }

  close(): Promise<void> {
    return this.db.close();
  }

  createUser(u: NewUser): Promise<UserRow> {
    return this.insertUser(this.db, u);
  }

  private async insertUser(q: SqlQueries, u: NewUser): Promise<UserRow> {
    const id = await q.insert(this.db.dialect.insertIgnore('users', USER_INSERT), userParams(u));
    if (id === undefined) throw new StoreConflictError(`username taken: ${u.username}`);
    return { ...u, id };
  }

  async createUsers(users: readonly NewUser[], devices: readonly (Omit<NewDevice, 'userId'> | undefined)[] = []): Promise<CreatedUser[]> {
    return this.db.transaction(async (tx) => {
      const out: CreatedUser[] = [];
      for (let i = 0; i < users.length; i++) {
        const user = await this.insertUser(tx, users[i]!);
        const d = devices[i];
        out.push({ user, device: d && (await this.insertDevice(tx, { ...d, userId: user.id })) });
      }
      return out;
    });
  }

  async getUserById(id: number): Promise<UserRow | undefined> {
    const r = await this.db.get<RawUser>(`SELECT ${USER_COLS} FROM users WHERE id = ? AND ${LIVE}`, [id]);
    return r && toUser(r);
  }

  async getUserByUsername(username: string): Promise<UserRow | undefined> {
    const r = await this.db.get<RawUser>(`SELECT ${USER_COLS} FROM users WHERE username = ? AND ${LIVE}`, [username]);
    return r && toUser(r);
  }

  async getUsersByIds(ids: readonly number[]): Promise<UserRow[]> {
    if (ids.length === 0) return [];
    const out: UserRow[] = [];
    // Chunked so a placeholder list never grows past what every database accepts.
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      const rows = await this.db.all<RawUser>(
        `SELECT ${USER_COLS} FROM users WHERE id IN (${chunk.map(() => '?').join(',')}) AND ${LIVE}`,
        chunk,
      );
      out.push(...rows.map(toUser));
    }
    return out;
  }

  async setPasswordHash(userId: number, hash: string): Promise<void> {
    await this.db.run('UPDATE users SET password_hash = ? WHERE id = ?', [hash, userId]);
  }

  createDevice(d: NewDevice): Promise<DeviceRow> {
    return this.insertDevice(this.db, d);
  }

  private async insertDevice(q: SqlQueries, d: NewDevice): Promise<DeviceRow> {
    const id = await q.insert(
      'INSERT INTO devices (user_id, name, token_hash, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)',
      [d.userId, d.name, d.tokenHash, d.createdAt, d.createdAt, d.expiresAt],
    );
    return { ...d, id: id!, lastSeenAt: d.createdAt, revokedAt: null };
  }

  async getDeviceByTokenHash(tokenHash: string): Promise<DeviceRow | undefined> {
    return this.db.get<DeviceRow>(`SELECT ${DEVICE_COLS} FROM devices WHERE token_hash = ?`, [tokenHash]);
  }

  async listDevices(userId: number): Promise<DeviceRow[]> {
    return this.db.all<DeviceRow>(`SELECT ${DEVICE_COLS} FROM devices WHERE user_id = ? AND revoked_at IS NULL ORDER BY id DESC`, [userId]);
  }

  async setDeviceToken(deviceId: number, tokenHash: string, expiresAt: number): Promise<void> {
    await this.db.run('UPDATE devices SET token_hash = ?, expires_at = ? WHERE id = ?', [tokenHash, expiresAt, deviceId]);
  }

  async touchDevices(touches: readonly { deviceId: number; at: number }[]): Promise<void> {
    if (touches.length === 0) return;
    await this.db.transaction(async (tx) => {
      for (const t of touches)
        await tx.run('UPDATE devices SET last_seen_at = ? WHERE id = ? AND last_seen_at < ?', [t.at, t.deviceId, t.at]);
    });
  }

  async revokeDevices(userId: number, deviceIds: readonly number[] | 'all', at: number, exceptDeviceId = 0): Promise<number[]> {
    return this.db.transaction(async (tx) => {
      const live = await tx.all<{ id: number }>(
        `SELECT id FROM devices WHERE user_id = ? AND revoked_at IS NULL AND id <> ?${this.db.dialect.forUpdate}`,
        [userId, exceptDeviceId],
      );
      const wanted = deviceIds === 'all' ? null : new Set(deviceIds);
      const ids = live.map((r) => num(r.id)).filter((id) => wanted === null || wanted.has(id));
      for (const id of ids) await tx.run('UPDATE devices SET revoked_at = ? WHERE id = ?', [at, id]);
      return ids;
    });
  }

  commit(ops: readonly WriteOp[]): Promise<WriteOutcome[]> {
    return this.committer.commit(ops);
  }

  async messagesAfter(conv: string, afterSeq: number, limit: number, viewer?: number): Promise<MessageRow[]> {
    const rows =
      viewer === undefined
        ? await this.db.all<RawMessage>(`SELECT ${MSG_COLS} FROM messages m WHERE m.conv_id = ? AND m.seq > ? ORDER BY m.seq ASC LIMIT ?`, [
            conv,
            afterSeq,
            limit,
          ])
        : await this.db.all<RawMessage>(
            `SELECT ${MSG_COLS}, h.seq AS hiddenSeq FROM messages m ${HIDDEN_JOIN} WHERE m.conv_id = ? AND m.seq > ? ORDER BY m.seq ASC LIMIT ?`,
            [viewer, conv, afterSeq, limit],
          );
    return rows.map(toMessage);
  }

  async messagesBefore(conv: string, beforeSeq: number | null, limit: number, viewer?: number): Promise<MessageRow[]> {
    const params: SqlValue[] = beforeSeq === null ? [conv, limit] : [conv, beforeSeq, limit];
    const where = `WHERE m.conv_id = ?${beforeSeq === null ? '' : ' AND m.seq < ?'} ORDER BY m.seq DESC LIMIT ?`;
    const rows =
      viewer === undefined
        ? await this.db.all<RawMessage>(`SELECT ${MSG_COLS} FROM messages m ${where}`, params)
        : await this.db.all<RawMessage>(`SELECT ${MSG_COLS}, h.seq AS hiddenSeq FROM messages m ${HIDDEN_JOIN} ${where}`, [
            viewer,
            ...params,
          ]);
    return rows.map(toMessage).reverse();
  }

  async getMessages(conv: string, seqs: readonly number[]): Promise<MessageRow[]> {
    const out: MessageRow[] = [];
    for (const seq of [...new Set(seqs)].sort((a, b) => a - b)) {
      const r = await this.db.get<RawMessage>(`SELECT ${MSG_COLS} FROM messages m WHERE m.conv_id = ? AND m.seq = ?`, [conv, seq]);
      if (r) out.push(toMessage(r));
    }
    return out;
  }

  async messageByClientId(senderId: number, clientId: string): Promise<MessageRow | undefined> {
    const r = await this.db.get<RawMessage>(`SELECT ${MSG_COLS} FROM messages m WHERE m.sender_id = ? AND m.client_id = ?`, [
      senderId,
      clientId,
    ]);
    return r && toMessage(r);
  }

  async getConversation(conv: string): Promise<ConversationRow | undefined> {
    const r = await this.db.get<ConversationRow>(
      'SELECT id AS conv, kind, last_seq AS lastSeq, updated_at AS updatedAt FROM conversations WHERE id = ?',
      [conv],
    );
    return r && { ...r, lastSeq: num(r.lastSeq), updatedAt: num(r.updatedAt) };
  }

  async memberConversations(userId: number): Promise<MemberConversationRow[]> {
    const rows = await this.db.all<MemberConversationRow>(
      `SELECT c.id AS conv, c.kind, c.last_seq AS lastSeq, c.updated_at AS updatedAt, m.read_seq AS readSeq
       FROM members m JOIN conversations c ON c.id = m.conv_id WHERE m.user_id = ? ORDER BY c.id`,
      [userId],
    );
    return rows.map((r) => ({ ...r, lastSeq: num(r.lastSeq), updatedAt: num(r.updatedAt), readSeq: num(r.readSeq) }));
  }

  async listConversations(
    userId: number,
    limit: number,
    before: { updatedAt: number; conv: string } | null,
  ): Promise<ConversationSummaryRow[]> {
    const page = before ? ' AND (c.updated_at < ? OR (c.updated_at = ? AND c.id < ?))' : '';
    const params: SqlValue[] = before ? [userId, before.updatedAt, before.updatedAt, before.conv, limit] : [userId, limit];
    // The peer's member row only for one-to-one conversations (at most one row), the user's deletion of
    // the last message from hidden_messages.
    const rows = await this.db.all<Record<string, unknown>>(
      `SELECT c.id AS conv, c.kind, c.last_seq AS lastSeq, c.updated_at AS updatedAt, m.read_seq AS readSeq,
              m.mention_seq AS mentionSeq, m.pinned, m.muted, m.archived,
              pm.read_seq AS peerRead, pm.delivered_seq AS peerDelivered,
              lm.id AS mId, lm.sender_id AS mSender, lm.client_id AS mClient, lm.kind AS mKind, lm.body AS mBody, lm.created_at AS mAt,
              lm.edited_at AS mEdited, lm.recalled_at AS mRecalled, lm.reactions AS mReactions, h.seq AS mHidden
       FROM members m JOIN conversations c ON c.id = m.conv_id
       LEFT JOIN members pm ON c.kind = 'direct' AND pm.conv_id = c.id AND pm.user_id <> m.user_id
       LEFT JOIN messages lm ON lm.conv_id = c.id AND lm.seq = c.last_seq
       LEFT JOIN hidden_messages h ON h.user_id = m.user_id AND h.conv_id = c.id AND h.seq = c.last_seq
       WHERE m.user_id = ? AND c.kind <> 'self'${page} ORDER BY c.updated_at DESC, c.id DESC LIMIT ?`,
      params,
    );
    return rows.map((r) => {
      const row: ConversationSummaryRow = {
        conv: r.conv as string,
        kind: r.kind as string,
        lastSeq: num(r.lastSeq),
        updatedAt: num(r.updatedAt),
        readSeq: num(r.readSeq),
        mentionSeq: num(r.mentionSeq),
        ...listFlags(r),
        lastMessage:
          r.mId == null
            ? null
            : toMessage({
                id: num(r.mId),
                conv: r.conv as string,
                seq: num(r.lastSeq),
                senderId: num(r.mSender),
                clientId: r.mClient as string,
                kind: r.mKind as string,
                body: r.mBody as string,
                createdAt: num(r.mAt),
                editedAt: r.mEdited as number | null,
                recalledAt: r.mRecalled as number | null,
                reactions: r.mReactions as string | null,
                hiddenSeq: r.mHidden as number | null,
              }),
      };
      if (r.peerRead != null) {
        row.peerReadSeq = num(r.peerRead);
        row.peerDeliveredSeq = num(r.peerDelivered);
      }
      return row;
    });
  }

  async getMemberState(conv: string, userId: number): Promise<MemberState | undefined> {
    const r = await this.db.get<Record<string, unknown>>(
      `SELECT read_seq AS readSeq, joined_at AS joinedAt, delivered_seq AS deliveredSeq, mention_seq AS mentionSeq, pinned, muted, archived
       FROM members WHERE conv_id = ? AND user_id = ?`,
      [conv, userId],
    );
    return (
      r && {
        conv,
        userId,
        readSeq: num(r.readSeq),
        joinedAt: num(r.joinedAt),
        deliveredSeq: num(r.deliveredSeq),
        mentionSeq: num(r.mentionSeq),
        ...listFlags(r),
      }
    );
  }

  async receipts(
    conv: string,
    seq: number,
    senderId: number,
    listReaders: boolean,
  ): Promise<{ read: number; delivered: number; readBy?: number[] }> {
    const r = await this.db.get<{ readCount: number | null; deliveredCount: number | null }>(
      `SELECT SUM(CASE WHEN read_seq >= ? THEN 1 ELSE 0 END) AS readCount,
              SUM(CASE WHEN read_seq >= ? OR delivered_seq >= ? THEN 1 ELSE 0 END) AS deliveredCount
       FROM members WHERE conv_id = ? AND user_id <> ?`,
      [seq, seq, seq, conv, senderId],
    );
    const counts = { read: num(r?.readCount ?? 0), delivered: num(r?.deliveredCount ?? 0) };
    if (!listReaders) return counts;
    const readers = await this.db.all<{ userId: number }>(
      'SELECT user_id AS userId FROM members WHERE conv_id = ? AND user_id <> ? AND read_seq >= ? ORDER BY user_id',
      [conv, senderId, seq],
    );
    return { ...counts, readBy: readers.map((x) => num(x.userId)) };
  }
}
