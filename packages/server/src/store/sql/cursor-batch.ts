import type { SqlQueries } from './sql-client.js';
import type { CursorMove, CursorResult } from '../store.js';

const num = (v: unknown): number => Number(v);

/** A member's cursors as a batch sees them: read from the row once, written once at the end. */
interface MemberCursors {
  read: number;
  delivered: number;
  dirty: boolean;
}

/**
 * The member cursors one write transaction moves: each (conversation, member) is read at most once and
 * written at most once, however many moves and messages of the batch touch it, so a thousand delivery
 * receipts for one conversation cost one UPDATE. Every move is answered as if it were applied alone,
 * in the order of the batch. A sender's own message moves their read cursor without reading the row.
 */
export class CursorBatch {
  /** Rows read in this batch, by `conv \0 user`; null: the user is not a member. */
  private readonly loaded = new Map<string, MemberCursors | null>();
  /** Read cursors raised by the member's own messages, for rows this batch has not read. */
  private readonly raised = new Map<string, { conv: string; userId: number; seq: number }>();

  constructor(private readonly forUpdate: string) {}

  /** Applies one move (the rules of a `cursor` op of `Store.commit`) and returns what it would return alone. */
  async move(tx: SqlQueries, m: CursorMove): Promise<CursorResult> {
    const key = `${m.conv}\u0000${m.userId}`;
    let row = this.loaded.get(key);
    if (row === undefined) {
      // Not `AS read`: READ is a reserved word in MySQL.
      const r = await tx.get<{ readSeq: number; deliveredSeq: number }>(
        `SELECT read_seq AS readSeq, delivered_seq AS deliveredSeq FROM members WHERE conv_id = ? AND user_id = ?${this.forUpdate}`,
        [m.conv, m.userId],
      );
      const raise = this.raised.get(key)?.seq ?? 0;
      this.raised.delete(key);
      row = r ? { read: Math.max(num(r.readSeq), raise), delivered: num(r.deliveredSeq), dirty: raise > num(r.readSeq) } : null;
      this.loaded.set(key, row);
    }
    if (row === null) return { seq: 0, moved: false };
    const before = m.cursor === 'read' ? row.read : row.delivered;
    if (m.seq <= before) return { seq: before, moved: false };
    if (m.cursor === 'read') row.read = m.seq;
    else row.delivered = m.seq;
    row.dirty = true;
    return { seq: m.seq, moved: true };
  }

  /** A member sent message `seq`: they have read the conversation up to it. */
  sent(conv: string, userId: number, seq: number): void {
    const key = `${conv}\u0000${userId}`;
    const row = this.loaded.get(key);
    if (row === null) return;
    if (row) {
      if (seq > row.read) {
        row.read = seq;
        row.dirty = true;
      }
      return;
    }
    const r = this.raised.get(key);
    if (!r) this.raised.set(key, { conv, userId, seq });
    else if (seq > r.seq) r.seq = seq;
  }

  /** Writes every cursor the batch moved, one statement per member. */
  async flush(tx: SqlQueries): Promise<void> {
    for (const [key, row] of this.loaded) {
      if (!row?.dirty) continue;
      const cut = key.indexOf('\u0000');
      await tx.run('UPDATE members SET read_seq = ?, delivered_seq = ? WHERE conv_id = ? AND user_id = ?', [
        row.read,
        row.delivered,
        key.slice(0, cut),
        Number(key.slice(cut + 1)),
      ]);
    }
    for (const r of this.raised.values())
      await tx.run('UPDATE members SET read_seq = ? WHERE conv_id = ? AND user_id = ? AND read_seq < ?', [r.seq, r.conv, r.userId, r.seq]);
  }
}
