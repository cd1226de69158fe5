import type { Candidates, CandidateQuery, SearchHit, VisibleQuery } from '../search-store.js';
import { MSG_COLS, toMessage, type RawMessage } from './message-rows.js';
import { visibleFilters, type SearchEngine } from './search-engine.js';
import type { SqlQueries, SqlValue } from './sql-client.js';

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
 * Search on SQLite: an FTS5 trigram index over `message_text` (`message_search`, external content,
 * detail=none; migration 5) finds the candidates of a query of 3 characters or more, which the text
 * itself then confirms with GLOB; a shorter query scans `message_text` a window of ids at a time.
 */
export const SQLITE_FTS: SearchEngine = {
  async add(tx: SqlQueries, id: number, text: string): Promise<void> {
    await tx.run('INSERT INTO message_search (rowid, text) VALUES (?, ?)', [id, text]);
  },

  async remove(tx: SqlQueries, id: number, text: string): Promise<void> {
    // An external-content FTS5 index forgets a row by being told its old text.
    await tx.run(`INSERT INTO message_search (message_search, rowid, text) VALUES ('delete', ?, ?)`, [id, text]);
  },

  async candidates(db: SqlQueries, q: CandidateQuery): Promise<Candidates> {
    const pattern = globContaining(q.text);
    if ([...q.text].length >= 3) {
      // The index walks its matches newest first and the LIMIT ends the walk.
      const rows = await db.all<{ id: number }>(
        `SELECT s.rowid AS id FROM message_search s CROSS JOIN message_text t ON t.id = s.rowid
         WHERE s.message_search MATCH ? AND s.rowid < ? AND t.text GLOB ? ORDER BY s.rowid DESC LIMIT ?`,
        [trigramQuery(q.text), q.beforeId, pattern, q.max],
      );
      const ids = rows.map((r) => num(r.id));
      return { ids, scannedTo: ids.length === q.max ? ids[ids.length - 1]! : 0 };
    }
    // Shorter than a trigram: no index can help; scan one window of ids.
    const from = Math.max(0, q.beforeId - SCAN_WINDOW);
    const rows = await db.all<{ id: number }>(
      'SELECT id FROM message_text WHERE id < ? AND id >= ? AND text GLOB ? ORDER BY id DESC LIMIT ?',
      [q.beforeId, from, pattern, q.max],
    );
    const ids = rows.map((r) => num(r.id));
    return { ids, scannedTo: ids.length === q.max ? ids[ids.length - 1]! : from };
  },

  async visible(db: SqlQueries, q: VisibleQuery): Promise<SearchHit[]> {
    if (q.ids.length === 0) return [];
    const filters = visibleFilters(q);
    const params: SqlValue[] = [JSON.stringify(q.ids), q.userId, ...filters.params];
    // The ids as one JSON parameter (json_each), and CROSS JOIN to keep SQLite's planner on that order.
    const rows = await db.all<RawMessage>(
      `SELECT ${MSG_COLS}
       FROM json_each(?) j
       CROSS JOIN messages m ON m.id = j.value
       CROSS JOIN members mb ON mb.conv_id = m.conv_id AND mb.user_id = ?
       WHERE m.recalled_at IS NULL${filters.sql}
       ORDER BY m.id DESC`,
      params,
    );
    return rows.map(toMessage);
  },
};
