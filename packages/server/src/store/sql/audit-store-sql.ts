import type { AuditEntry, AuditEvent } from '@warbler/protocol';
import type { SqlClient, SqlValue } from './sql-client.js';
import type { AuditFilter, AuditStore, NewAuditEntry } from '../audit-store.js';

type RawEntry = {
  id: number;
  at: number;
  event: AuditEvent;
  userId: number | null;
  actor: string | null;
  ip: string | null;
  deviceId: number | null;
  detail: string | null;
};
const num = (v: unknown): number => Number(v);

/** An entry with only the fields that are set. */
const toEntry = (r: RawEntry): AuditEntry => ({
  id: num(r.id),
  at: num(r.at),
  event: r.event,
  ...(r.userId != null ? { userId: num(r.userId) } : {}),
  ...(r.actor != null ? { actor: r.actor } : {}),
  ...(r.ip != null ? { ip: r.ip } : {}),
  ...(r.deviceId != null ? { deviceId: num(r.deviceId) } : {}),
  ...(r.detail != null ? { detail: JSON.parse(r.detail) as AuditEntry['detail'] } : {}),
});

/** AuditStore on SQL: queries written once, dialect hooks from the client. */
export class SqlAuditStore implements AuditStore {
  constructor(private readonly db: SqlClient) {}

  async append(entries: readonly NewAuditEntry[]): Promise<number> {
    if (entries.length === 0) return 0;
    return this.db.transaction(async (tx) => {
      let last = 0;
      for (const e of entries) {
        const id = await tx.insert(
          'INSERT INTO audit_log (at, event, user_id, actor, ip, device_id, detail) VALUES (?, ?, ?, ?, ?, ?, ?)',
          [
            e.at,
            e.event,
            e.userId ?? null,
            e.actor ?? null,
            e.ip ?? null,
            e.deviceId ?? null,
            e.detail === undefined ? null : JSON.stringify(e.detail),
          ],
        );
        last = id!;
      }
      return last;
    });
  }

  async query(f: AuditFilter): Promise<AuditEntry[]> {
    const where: string[] = [];
    const params: SqlValue[] = [];
    const add = (sql: string, ...values: SqlValue[]) => {
      where.push(sql);
      params.push(...values);
    };
    if (f.userId !== undefined) add('user_id = ?', f.userId);
    if (f.events !== undefined) add(`event IN (${f.events.map(() => '?').join(',')})`, ...f.events);
    if (f.since !== undefined) add('at >= ?', f.since);
    if (f.until !== undefined) add('at < ?', f.until);
    if (f.before !== undefined) add('id < ?', f.before);
    const rows = await this.db.all<RawEntry>(
      `SELECT id, at, event, user_id AS userId, actor, ip, device_id AS deviceId, detail FROM audit_log
       ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`,
      [...params, f.limit],
    );
    return rows.map(toEntry);
  }

  async prune(before: number, keep: number): Promise<number> {
    const old = await this.db.run('DELETE FROM audit_log WHERE at < ?', [before]);
    const top = await this.db.get<{ last: number | null }>('SELECT MAX(id) AS last FROM audit_log');
    // Ids only grow, so the newest `keep` entries are at most the ids above last - keep.
    const over = top?.last == null ? { changes: 0 } : await this.db.run('DELETE FROM audit_log WHERE id <= ?', [num(top.last) - keep]);
    return old.changes + over.changes;
  }
}
