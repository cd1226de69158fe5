import { convKind } from '@warbler/protocol';
import type { SqlClient, SqlQueries } from './sql-client.js';
import { withoutCopiedText } from './recall-copies.js';
import type { AppendResult, MessageEffect, NewMessage } from './store.js';

const num = (v: unknown): number => Number(v);

/** Appends messages inside a transaction the caller holds: how sub-stores write events with their changes. */
export type AppendInTx = (tx: SqlQueries, batch: readonly NewMessage[]) => Promise<AppendResult[]>;

/**
 * The write path of messages: retry detection by (sender, clientId), per-conversation sequences,
 * conversations created on first use, and each message's effect (edit, recall, reaction, mention, …)
 * applied in the transaction that stores it.
 */
export class SqlAppender {
  /** Conversations known to exist, so the hot path skips their creation statements. */
  private readonly knownConvs = new Set<string>();

  constructor(private readonly db: SqlClient) {}

  /** `Store.appendMessages`: the batch in one transaction of its own. */
  async append(batch: readonly NewMessage[]): Promise<AppendResult[]> {
    const created: string[] = [];
    const results = await this.db.transaction((tx) => this.appendInTx(tx, batch, created));
    this.remember(created);
    return results;
  }

  /** Marks conversations as existing; only after the commit, so a rolled-back one is not remembered. */
  private remember(created: readonly string[]): void {
    if (this.knownConvs.size + created.length > 100_000) this.knownConvs.clear();
    for (const c of created) this.knownConvs.add(c);
  }

  /**
   * Appends messages inside the caller's transaction, with the rules of `Store.appendMessages`. Direct and
   * account-log conversations are created (with their members) on first use; a group conversation must
   * exist. `created` collects the conversations created, to remember once the transaction commits.
   */
  private async appendInTx(tx: SqlQueries, batch: readonly NewMessage[], created: string[]): Promise<AppendResult[]> {
    const results: AppendResult[] = [];
    const heads = new Map<string, { seq: number; at: number; senders: Map<number, number> }>();
    const inBatch = new Map<string, AppendResult>();
    for (const m of batch) {
      const key = `${m.senderId}\u0000${m.clientId}`;
      const seen = inBatch.get(key) ?? (await this.findBySender(tx, m.senderId, m.clientId));
      if (seen) {
        results.push({ ...seen, duplicate: true });
        continue;
      }
      let head = heads.get(m.conv);
      if (!head) {
        head = { seq: await this.lockHead(tx, m, created), at: m.createdAt, senders: new Map() };
        heads.set(m.conv, head);
      }
      head.seq++;
      head.at = m.createdAt;
      head.senders.set(m.senderId, head.seq);
      const r = await tx.run(
        'INSERT INTO messages (conv_id, seq, sender_id, client_id, kind, body, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
        [m.conv, head.seq, m.senderId, m.clientId, m.kind, m.body, m.createdAt],
      );
      const res: AppendResult = { id: r.lastId, conv: m.conv, seq: head.seq, createdAt: m.createdAt, duplicate: false };
      inBatch.set(key, res);
      results.push(res);
      if (m.effect) await this.applyEffect(tx, m, m.effect, head.seq);
    }
    for (const [conv, head] of heads) {
      await tx.run('UPDATE conversations SET last_seq = ?, updated_at = ? WHERE id = ?', [head.seq, head.at, conv]);
      // A sender has read their conversation up to their own message.
      for (const [sender, seq] of head.senders)
        await tx.run('UPDATE members SET read_seq = ? WHERE conv_id = ? AND user_id = ? AND read_seq < ?', [seq, conv, sender, seq]);
    }
    return results;
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

  /** `appendInTx` for sub-stores: they call it inside their own transaction. */
  readonly inTx: AppendInTx = async (tx, batch) => {
    const created: string[] = [];
    const results = await this.appendInTx(tx, batch, created);
    // The sub-store's transaction has not committed yet: remember on the next turn, when it has
    // (a conversation wrongly remembered only skips an INSERT OR IGNORE that lockHead repeats below).
    queueMicrotask(() => this.remember(created));
    return results;
  };

  private async findBySender(tx: SqlQueries, senderId: number, clientId: string): Promise<AppendResult | undefined> {
    const r = await tx.get<{ id: number; conv: string; seq: number; createdAt: number }>(
      'SELECT id, conv_id AS conv, seq, created_at AS createdAt FROM messages WHERE sender_id = ? AND client_id = ?',
      [senderId, clientId],
    );
    return r && { id: num(r.id), conv: r.conv, seq: num(r.seq), createdAt: num(r.createdAt), duplicate: true };
  }

  /** Creates the conversation and its members on first use; returns its last sequence, row locked. */
  private async lockHead(tx: SqlQueries, m: NewMessage, created: string[]): Promise<number> {
    const kind = convKind(m.conv);
    if (!kind) throw new Error(`not a conversation id: ${m.conv}`);
    // Groups are created by the group store, with their members; the others on their first message.
    if (kind !== 'group' && !this.knownConvs.has(m.conv)) {
      await tx.run(this.db.dialect.insertIgnore('conversations', '(id, kind, last_seq, created_at, updated_at) VALUES (?, ?, 0, ?, ?)'), [
        m.conv,
        kind,
        m.createdAt,
        m.createdAt,
      ]);
      for (const u of m.members)
        await tx.run(this.db.dialect.insertIgnore('members', '(conv_id, user_id, read_seq, joined_at) VALUES (?, ?, 0, ?)'), [
          m.conv,
          u,
          m.createdAt,
        ]);
      created.push(m.conv);
    }
    const head = await tx.get<{ lastSeq: number }>(
      `SELECT last_seq AS lastSeq FROM conversations WHERE id = ?${this.db.dialect.forUpdate}`,
      [m.conv],
    );
    if (!head) throw new Error(`conversation vanished: ${m.conv}`);
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
