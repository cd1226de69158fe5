import { MSG_COLS, toMessage, type RawMessage } from './message-rows.js';
import type { SqlClient, SqlQueries, SqlValue } from './sql-client.js';
import type {
  Candidates,
  CandidateQuery,
  IndexableMessage,
  SearchableText,
  SearchHit,
  SearchStore,
  VisibleQuery,
} from '../search-store.js';

interface IndexRow extends IndexableMessage {
  id: number;
  recalledAt: number | null;
}

const INDEX_COLS = 'id, conv_id AS conv, kind, body, recalled_at AS recalledAt';
/** Message ids a query shorter than a trigram scans per step. */
const SCAN_WINDOW = 20_000;
/** Most trigrams a query looks up in the index (the text check makes the match exact anyway). */
const MAX_TRIGRAMS = 12;
const num = (v: unknown): number => Number(v);

/** A GLOB pattern finding `text` anywhere, with GLOB's special characters `*`, `?` and `[` taken literally. */
export function globContaining(text: string): string {
  return `*${text.replace(/[*?[]/g, (c) => `[${c}]`)}*`;
}

/**
 * An FTS5 query for the trigram index finding the rows that hold every one of a covering set of the
 * text's 3-character pieces, each quoted as an FTS5 string ("" for a quote inside): nothing of the user's
 * text is FTS syntax. `text` has at least 3 characters (code points).
 */
export function trigramQuery(text: string): string {
  const chars = [...text];
  const starts: number[] = [];
  for (let i = 0; i + 3 <= chars.length; i += 3) starts.push(i);
  if (starts.at(-1) !== chars.length - 3) starts.push(chars.length - 3);
  const picked = starts.length <= MAX_TRIGRAMS ? starts : [...starts.slice(0, MAX_TRIGRAMS - 1), starts.at(-1)!];
  const quote = (piece: string): string => `"${piece.replaceAll('"', '""')}"`;
  const terms = new Set(picked.map((i) => quote(chars.slice(i, i + 3).join(''))));
  return [...terms].join(' AND ');
}

/**
 * SearchStore on SQL. The searchable text lives in `message_text` (portable); on SQLite an FTS5 trigram
 * index over it (`message_search`, detail=none) finds the candidates of a query of 3 characters or more,
 * which the text itself then confirms with GLOB; a shorter query scans `message_text` a window of ids at
 * a time. PostgreSQL and MySQL will bring their own index (e.g. pg_trgm); until then search is SQLite's.
 */
export class SqlSearchStore implements SearchStore {
  /** Where the indexer stood after its last call: lets an idle `indexNext` skip its transaction. */
  private lastId = -1;

  constructor(protected readonly db: SqlClient) {}

  private sqliteOnly(): void {
    if (this.db.dialect.name !== 'sqlite') throw new Error(`message search is not available on ${this.db.dialect.name} yet`);
  }

  async indexedUpTo(): Promise<number> {
    const r = await this.db.get<{ lastId: number }>('SELECT last_id AS lastId FROM search_progress WHERE id = 1');
    return r ? num(r.lastId) : 0;
  }

  async latestId(): Promise<number> {
    const r = await this.db.get<{ id: number | null }>('SELECT MAX(id) AS id FROM messages');
    return r?.id == null ? 0 : num(r.id);
  }

  async indexNext(max: number, textOf: SearchableText): Promise<number> {
    this.sqliteOnly();
    // Nothing new since the last call: answer without taking the write lock.
    if (this.lastId >= 0 && !(await this.db.get('SELECT id FROM messages WHERE id > ? LIMIT 1', [this.lastId]))) return 0;
    const { read, lastId } = await this.db.transaction(async (tx) => {
      const after = num((await tx.get<{ lastId: number }>('SELECT last_id AS lastId FROM search_progress WHERE id = 1'))?.lastId ?? 0);
      const rows = await tx.all<IndexRow>(`SELECT ${INDEX_COLS} FROM messages WHERE id > ? ORDER BY id LIMIT ?`, [after, max]);
      for (const r of rows) {
        if (r.kind === 'edit' || r.kind === 'recall') await this.reindexTarget(tx, r, textOf);
        else if (r.recalledAt === null) await this.insertText(tx, num(r.id), textOf(r));
      }
      const last = rows.length > 0 ? num(rows[rows.length - 1]!.id) : after;
      if (last !== after) await tx.run('UPDATE search_progress SET last_id = ? WHERE id = 1', [last]);
      return { read: rows.length, lastId: last };
    });
    this.lastId = lastId;
    return read;
  }

  private async insertText(tx: SqlQueries, id: number, text: string): Promise<void> {
    if (text === '') return;
    await tx.run('INSERT INTO message_text (id, text) VALUES (?, ?)', [id, text]);
    await tx.run('INSERT INTO message_search (rowid, text) VALUES (?, ?)', [id, text]);
  }

  /** An edit or a recall: its target is indexed again from its current stored state (recalled: removed). */
  private async reindexTarget(tx: SqlQueries, action: IndexRow, textOf: SearchableText): Promise<void> {
    let target: unknown;
    try {
      target = (JSON.parse(action.body) as { target?: unknown }).target;
    } catch {
      return;
    }
    if (typeof target !== 'number') return;
    const t = await tx.get<IndexRow>(`SELECT ${INDEX_COLS} FROM messages WHERE conv_id = ? AND seq = ?`, [action.conv, target]);
    if (!t) return;
    const id = num(t.id);
    const old = await tx.get<{ text: string }>('SELECT text FROM message_text WHERE id = ?', [id]);
    if (old) {
      // An external-content FTS5 index forgets a row by being told its old text.
      await tx.run(`INSERT INTO message_search (message_search, rowid, text) VALUES ('delete', ?, ?)`, [id, old.text]);
      await tx.run('DELETE FROM message_text WHERE id = ?', [id]);
    }
    if (t.recalledAt === null) await this.insertText(tx, id, textOf(t));
  }

  async candidates(q: CandidateQuery): Promise<Candidates> {
    this.sqliteOnly();
    const pattern = globContaining(q.text);
    if ([...q.text].length >= 3) {
      // The index walks its matches newest first and the LIMIT ends the walk.
      const rows = await this.db.all<{ id: number }>(
        `SELECT s.rowid AS id FROM message_search s CROSS JOIN message_text t ON t.id = s.rowid
         WHERE s.message_search MATCH ? AND s.rowid < ? AND t.text GLOB ? ORDER BY s.rowid DESC LIMIT ?`,
        [trigramQuery(q.text), q.beforeId, pattern, q.max],
      );
      const ids = rows.map((r) => num(r.id));
      return { ids, scannedTo: ids.length === q.max ? ids[ids.length - 1]! : 0 };
    }
    // Shorter than a trigram: no index can help; scan one window of ids.
    const from = Math.max(0, q.beforeId - SCAN_WINDOW);
    const rows = await this.db.all<{ id: number }>(
      'SELECT id FROM message_text WHERE id < ? AND id >= ? AND text GLOB ? ORDER BY id DESC LIMIT ?',
      [q.beforeId, from, pattern, q.max],
    );
    const ids = rows.map((r) => num(r.id));
    return { ids, scannedTo: ids.length === q.max ? ids[ids.length - 1]! : from };
  }

  async visible(q: VisibleQuery): Promise<SearchHit[]> {
    this.sqliteOnly();
    if (q.ids.length === 0) return [];
    const params: SqlValue[] = [JSON.stringify(q.ids), q.userId];
    let filters = '';
    if (q.conv !== undefined) {
      filters += ' AND m.conv_id = ?';
      params.push(q.conv);
    }
    if (q.from !== undefined) {
      filters += ' AND m.sender_id = ?';
      params.push(q.from);
    }
    params.push(q.userId);
    const rows = await this.db.all<RawMessage>(
      `SELECT ${MSG_COLS}
       FROM json_each(?) j
       CROSS JOIN messages m ON m.id = j.value
       CROSS JOIN members mb ON mb.conv_id = m.conv_id AND mb.user_id = ?
       WHERE m.recalled_at IS NULL${filters}
         AND NOT EXISTS (SELECT 1 FROM hidden_messages h WHERE h.user_id = ? AND h.conv_id = m.conv_id AND h.seq = m.seq)
       ORDER BY m.id DESC`,
      params,
    );
    return rows.map(toMessage);
  }
}
