import { convKind } from '@warbler/protocol';
import type { SqlClient, SqlQueries } from './sql-client.js';
import { withoutCopiedText } from '../recall-copies.js';
import { CursorBatch } from './cursor-batch.js';
import type { AppendResult, MessageEffect, NewMessage } from '../store.js';

const num = (v: unknown): number => Number(v);

/** Appends messages inside a transaction the caller holds: how sub-stores write events with their changes. */
export type AppendInTx = (tx: SqlQueries, batch: readonly NewMessage[]) => Promise<AppendResult[]>;

/**
 * What one write transaction has appended so far: the new head of each conversation it wrote, its
 * messages by retry key (sender, clientId), the conversations it created, and the member cursors it
 * moves. An append changes it only once all of its statements have succeeded, so a failed entry
 * rolled back to its savepoint leaves no trace here either.
 */
export class AppendBatch {
  readonly heads = new Map<string, { seq: number; at: number }>();
  readonly byKey = new Map<string, AppendResult>();
  readonly created: string[] = [];
  /** Heads locked up front (`lockHeads`): the last sequence of each, as of the lock. */
  readonly locked = new Map<string, number>();
  constructor(readonly cursors: CursorBatch) {}
}

/**
 * The write path of messages: retry detection by (sender, clientId), per-conversation sequences,
 * conversations created on first use, and each message's effect (edit, recall, reaction, mention, …)
 * applied in the transaction that stores it. The transaction itself (batching, isolation of a failed
 * entry) is the caller's: `SqlCommitter` for the group commit, a sub-store for its events.
 */
export class SqlAppender {
  /** Conversations known to exist, so the hot path skips their creation statements. */
  private readonly knownConvs = new Set<string>();

  constructor(private readonly db: SqlClient) {}

  /** A batch for one transaction. */
  newBatch(): AppendBatch {
    return new AppendBatch(new CursorBatch(this.db.dialect.forUpdate));
  }

  /**
   * Appends one message inside the caller's transaction, with the rules of a `Store.commit` append.
   * Direct and account-log conversations are created (with their members) on first use; a group
   * conversation must exist. Throws when a statement fails; the batch is then unchanged.
   */
  async appendOne(tx: SqlQueries, b: AppendBatch, m: NewMessage): Promise<AppendResult> {
    const key = `${m.senderId}\u0000${m.clientId}`;
    const seen = b.byKey.get(key) ?? (await this.findBySender(tx, m.senderId, m.clientId));
    if (seen) return { ...seen, duplicate: true };
    let created = false;
    let last = b.heads.get(m.conv)?.seq;
    if (last === undefined) {
      created = await this.create(tx, m);
      last = b.locked.get(m.conv) ?? (await this.lockHead(tx, m.conv));
    }
    const seq = last + 1;
    const id = await tx.insert(
      'INSERT INTO messages (conv_id, seq, sender_id, client_id, kind, body, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      [m.conv, seq, m.senderId, m.clientId, m.kind, m.body, m.createdAt],
    );
    if (m.effect) await this.applyEffect(tx, m, m.effect, seq);
    const res: AppendResult = { id: id!, conv: m.conv, seq, createdAt: m.createdAt, duplicate: false };
    b.heads.set(m.conv, { seq, at: m.createdAt });
    b.byKey.set(key, res);
    if (created) b.created.push(m.conv);
    // A sender has read their conversation up to their own message.
    b.cursors.sent(m.conv, m.senderId, seq);
    return res;
  }

  /**
   * Takes, before the batch writes anything, every conversation head its messages will lock, in id
   * order, creating a direct or account-log conversation that does not exist yet on the way (each
   * creation in a savepoint: one that fails is undone and left to its message, which then fails alone).
   * Two batches over the same conversations (in two processes) then never hold one head, or one new
   * conversation's uncommitted row, each while waiting for the other's: without this, four MariaDB
   * clients writing four conversations in opposite orders deadlocked in half of their batches
   * (test/store-mysql.test.ts). `others`: conversations the batch writes without a message in them
   * (cursors, hides, flags), locked in the same pass when they exist. Only where transactions run
   * concurrently (`dialect.forUpdate`); elsewhere it does nothing.
   */
  async lockHeads(tx: SqlQueries, b: AppendBatch, msgs: readonly NewMessage[], others: readonly string[] = []): Promise<void> {
    const lock = this.db.dialect.forUpdate;
    if (lock === '') return;
    const byConv = new Map<string, NewMessage[]>();
    for (const conv of others) byConv.set(conv, []);
    const firstOfKey = new Map<string, NewMessage>();
    for (const m of msgs) {
      byConv.set(m.conv, [...(byConv.get(m.conv) ?? []), m]);
      const key = `${m.senderId}\u0000${m.clientId}`;
      if (!firstOfKey.has(key)) firstOfKey.set(key, m);
    }
    // One pass in id order, creations included: a head is never taken out of that order.
    for (const conv of [...byConv.keys()].sort()) {
      const head = await tx.get<{ lastSeq: number }>(`SELECT last_seq AS lastSeq FROM conversations WHERE id = ?${lock}`, [conv]);
      if (head) {
        b.locked.set(conv, num(head.lastSeq));
        continue;
      }
      const kind = convKind(conv);
      if (!kind || kind === 'group') continue; // its messages fail alone
      // Made only for a message that is not a retry (of a stored one, or of one before it in the batch),
      // as its append would.
      let maker: NewMessage | undefined;
      for (const m of byConv.get(conv)!)
        if (firstOfKey.get(`${m.senderId}\u0000${m.clientId}`) === m && !(await this.findBySender(tx, m.senderId, m.clientId))) {
          maker = m;
          break;
        }
      if (!maker) continue;
      await tx.run('SAVEPOINT create_conv');
      try {
        await this.create(tx, maker);
        b.locked.set(conv, await this.lockHead(tx, conv));
      } catch (e) {
        // A deadlock (MySQL) ends the whole transaction, savepoint included: the batch fails with it.
        await tx.run('ROLLBACK TO SAVEPOINT create_conv').catch(() => Promise.reject(e));
      }
      await tx.run('RELEASE SAVEPOINT create_conv');
    }
  }

  /** Writes the batch's conversation heads and member cursors: the last statements of its transaction. */
  async finish(tx: SqlQueries, b: AppendBatch): Promise<void> {
    for (const [conv, head] of b.heads)
      await tx.run('UPDATE conversations SET last_seq = ?, updated_at = ? WHERE id = ?', [head.seq, head.at, conv]);
    await b.cursors.flush(tx);
  }

  /** The batch's transaction committed: its new conversations are known from now on. */
  committed(b: AppendBatch): void {
    if (this.knownConvs.size + b.created.length > 100_000) this.knownConvs.clear();
    for (const c of b.created) this.knownConvs.add(c);
  }

  /**
   * Applies a message's effect in its append transaction. Effects were validated before they were
   * submitted; what changed since (a target recalled meanwhile) makes them do nothing, never throw.
   */
  private async applyEffect(tx: SqlQueries, m: NewMessage, e: MessageEffect, seq: number): Promise<void> {
    const lock = this.db.dialect.forUpdate;
    switch (e.type) {
      case 'mention':
        return this.mention(tx, m, e.users, seq);
      case 'edit': {
        const t = await tx.get<{ body: string }>(`SELECT body FROM messages WHERE conv_id = ? AND seq = ? AND recalled_at IS NULL${lock}`, [
          m.conv,
          e.target,
        ]);
        if (!t) return this.dropCopiedText(tx, m, seq);
        const body = { ...(JSON.parse(t.body) as Record<string, unknown>), text: e.text };
        await tx.run('UPDATE messages SET body = ?, edited_at = ? WHERE conv_id = ? AND seq = ?', [
          JSON.stringify(body),
          m.createdAt,
          m.conv,
          e.target,
        ]);
        return this.recordCopy(tx, m.conv, e.target, seq);
      }
      case 'reply': {
        if (e.mentions) await this.mention(tx, m, e.mentions, seq);
        const t = await tx.get(`SELECT seq FROM messages WHERE conv_id = ? AND seq = ? AND recalled_at IS NULL${lock}`, [m.conv, e.target]);
        return t ? this.recordCopy(tx, m.conv, e.target, seq) : this.dropCopiedText(tx, m, seq);
      }
      case 'recall': {
        await tx.run(
          "UPDATE messages SET body = '{}', reactions = NULL, recalled_at = ? WHERE conv_id = ? AND seq = ? AND recalled_at IS NULL",
          [m.createdAt, m.conv, e.target],
        );
        // Every entry that copied the target's text (its edits, quotes in replies) loses that text too.
        const copies = await tx.all<{ seq: number; kind: string; body: string }>(
          `SELECT x.seq, x.kind, x.body FROM message_copies c JOIN messages x ON x.conv_id = c.conv_id AND x.seq = c.seq
           WHERE c.conv_id = ? AND c.target_seq = ?`,
          [m.conv, e.target],
        );
        for (const c of copies)
          await tx.run('UPDATE messages SET body = ? WHERE conv_id = ? AND seq = ?', [withoutCopiedText(c.kind, c.body), m.conv, c.seq]);
        await tx.run('DELETE FROM message_copies WHERE conv_id = ? AND target_seq = ?', [m.conv, e.target]);
        return;
      }
      case 'reaction': {
        const t = await tx.get<{ reactions: string | null }>(
          `SELECT reactions FROM messages WHERE conv_id = ? AND seq = ? AND recalled_at IS NULL${lock}`,
          [m.conv, e.target],
        );
        if (!t) return;
        const next = applyReaction(t.reactions, m.senderId, e.emoji, e.on);
        if (next !== t.reactions) await tx.run('UPDATE messages SET reactions = ? WHERE conv_id = ? AND seq = ?', [next, m.conv, e.target]);
        return;
      }
      case 'hide':
        for (const s of e.seqs)
          await tx.run(this.db.dialect.insertIgnore('hidden_messages', '(user_id, conv_id, seq) VALUES (?, ?, ?)'), [
            m.senderId,
            e.conv,
            s,
          ]);
        return;
      case 'flags': {
        const flag = (v: boolean | undefined): number | null => (v === undefined ? null : v ? 1 : 0);
        await tx.run(
          'UPDATE members SET pinned = COALESCE(?, pinned), muted = COALESCE(?, muted), archived = COALESCE(?, archived) WHERE conv_id = ? AND user_id = ?',
          [flag(e.pinned), flag(e.muted), flag(e.archived), e.conv, m.senderId],
        );
        return;
      }
    }
  }

  /** Sets the mention cursor of the mentioned members (all but the sender for 'all') to `seq`. */
  private async mention(tx: SqlQueries, m: NewMessage, users: readonly number[] | 'all', seq: number): Promise<void> {
    if (users === 'all') await tx.run('UPDATE members SET mention_seq = ? WHERE conv_id = ? AND user_id <> ?', [seq, m.conv, m.senderId]);
    else
      for (const u of users)
        if (u !== m.senderId) await tx.run('UPDATE members SET mention_seq = ? WHERE conv_id = ? AND user_id = ?', [seq, m.conv, u]);
  }

  /** Records entry `seq` of `conv` as a copy of the text of `target`, for a recall of the target to find. */
  private async recordCopy(tx: SqlQueries, conv: string, target: number, seq: number): Promise<void> {
    await tx.run('INSERT INTO message_copies (conv_id, target_seq, seq) VALUES (?, ?, ?)', [conv, target, seq]);
  }

  /**
   * The entry `m`, just stored as `seq`, copied text of a message recalled since it was checked: it keeps
   * none of it, in the store and in the push (which sends `m.body`).
   */
  private async dropCopiedText(tx: SqlQueries, m: NewMessage, seq: number): Promise<void> {
    m.body = withoutCopiedText(m.kind, m.body);
    await tx.run('UPDATE messages SET body = ? WHERE conv_id = ? AND seq = ?', [m.body, m.conv, seq]);
  }

  /** Appends for sub-stores, inside their own transaction (all or nothing, no isolation). */
  readonly inTx: AppendInTx = async (tx, msgs) => {
    const b = this.newBatch();
    const results: AppendResult[] = [];
    for (const m of msgs) results.push(await this.appendOne(tx, b, m));
    await this.finish(tx, b);
    // The sub-store's transaction has not committed yet and may still roll back: its new conversations
    // are not remembered (the next append through commit repeats their INSERT OR IGNORE, then does).
    return results;
  };

  private async findBySender(tx: SqlQueries, senderId: number, clientId: string): Promise<AppendResult | undefined> {
    const r = await tx.get<{ id: number; conv: string; seq: number; createdAt: number }>(
      'SELECT id, conv_id AS conv, seq, created_at AS createdAt FROM messages WHERE sender_id = ? AND client_id = ?',
      [senderId, clientId],
    );
    return r && { id: num(r.id), conv: r.conv, seq: num(r.seq), createdAt: num(r.createdAt), duplicate: true };
  }

  /**
   * Creates a direct or account-log conversation and its members on first use; true when it was not
   * known to this process (it is from the batch's commit on).
   */
  private async create(tx: SqlQueries, m: NewMessage): Promise<boolean> {
    const kind = convKind(m.conv);
    if (!kind) throw new Error(`not a conversation id: ${m.conv}`);
    // Groups are created by the group store, with their members; the others on their first message.
    if (kind === 'group' || this.knownConvs.has(m.conv)) return false;
    // Made already (by another process, or before a restart): its members were made with it. One made
    // by a transaction still open is waited for by the insert below, which then leaves it locked for
    // update (`insertLocking`: an INSERT IGNORE's shared lock, upgraded by lockHead in two transactions
    // at once, deadlocks on MySQL).
    const lock = this.db.dialect.forUpdate;
    if (lock !== '' && (await tx.get(`SELECT id FROM conversations WHERE id = ?${lock}`, [m.conv]))) return true;
    await tx.run(
      this.db.dialect.insertLocking('conversations', '(id, kind, last_seq, created_at, updated_at) VALUES (?, ?, 0, ?, ?)', 'id'),
      [m.conv, kind, m.createdAt, m.createdAt],
    );
    for (const u of m.members)
      await tx.run(this.db.dialect.insertIgnore('members', '(conv_id, user_id, read_seq, joined_at) VALUES (?, ?, 0, ?)'), [
        m.conv,
        u,
        m.createdAt,
      ]);
    return true;
  }

  /** The conversation's last sequence, row locked until the transaction ends. */
  private async lockHead(tx: SqlQueries, conv: string): Promise<number> {
    const head = await tx.get<{ lastSeq: number }>(
      `SELECT last_seq AS lastSeq FROM conversations WHERE id = ?${this.db.dialect.forUpdate}`,
      [conv],
    );
    if (!head) throw new Error(`conversation vanished: ${conv}`);
    return num(head.lastSeq);
  }
}

/**
 * A message's reactions (JSON text of emoji -> user ids, or null for none) after `userId` adds (`on`) or
 * takes back `emoji`; the same text when nothing changes. Emptied emojis are dropped, none at all is null.
 * A Map, not a plain object: an emoji may be any name, `constructor` or `__proto__` too.
 */
function applyReaction(json: string | null, userId: number, emoji: string, on: boolean): string | null {
  const all = new Map(json === null ? [] : Object.entries(JSON.parse(json) as Record<string, number[]>));
  const users = all.get(emoji) ?? [];
  if (users.includes(userId) === on) return json;
  const rest = users.filter((u) => u !== userId);
  if (on) all.set(emoji, [...users, userId]);
  else if (rest.length > 0) all.set(emoji, rest);
  else all.delete(emoji);
  // Object.fromEntries defines own properties, so a `__proto__` key is kept as a key.
  return all.size === 0 ? null : JSON.stringify(Object.fromEntries(all));
}
