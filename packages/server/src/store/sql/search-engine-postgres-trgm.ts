import type { Candidates, CandidateQuery, SearchHit, VisibleQuery } from '../search-store.js';
import { MSG_COLS, toMessage, type RawMessage } from './message-rows.js';
import { visibleFilters, type SearchEngine } from './search-engine.js';
import type { SqlQueries, SqlValue } from './sql-client.js';

/** Message ids a query shorter than a trigram scans per step. */
const SCAN_WINDOW = 20_000;
const num = (v: unknown): number => Number(v);

/** A LIKE pattern (with `ESCAPE '!'`) finding `text` anywhere, its `%`, `_` and `!` taken literally. */
export function likeContaining(text: string): string {
  return `%${text.replace(/[!%_]/g, (c) => `!${c}`)}%`;
}

/**
 * Search on PostgreSQL with pg_trgm: a GIN trigram index over `message_text.text` (`message_text_trgm`,
 * migration 11) answers `LIKE '%…%'` for a query of 3 characters or more in any script, Chinese
 * included (the database's LC_CTYPE must class those characters as letters, as every UTF-8 locale
 * does: docs/deploy.md), and LIKE itself confirms the exact substring. A shorter query scans
 * `message_text` a window of ids at a time. PostgreSQL keeps the index itself: `add` and `remove`
 * have nothing to do beyond `message_text`.
 */
export const POSTGRES_TRGM: SearchEngine = {
  async add(): Promise<void> {},

  async remove(): Promise<void> {},

  async candidates(db: SqlQueries, q: CandidateQuery): Promise<Candidates> {
    const pattern = likeContaining(q.text);
    if ([...q.text].length >= 3) {
      const rows = await db.all<{ id: number }>(
        `SELECT id FROM message_text WHERE id < ? AND text LIKE ? ESCAPE '!' ORDER BY id DESC LIMIT ?`,
        [q.beforeId, pattern, q.max],
      );
      const ids = rows.map((r) => num(r.id));
      return { ids, scannedTo: ids.length === q.max ? ids[ids.length - 1]! : 0 };
    }
    // Shorter than a trigram: no index can help; scan one window of ids.
    const from = Math.max(0, q.beforeId - SCAN_WINDOW);
    const rows = await db.all<{ id: number }>(
      `SELECT id FROM message_text WHERE id < ? AND id >= ? AND text LIKE ? ESCAPE '!' ORDER BY id DESC LIMIT ?`,
      [q.beforeId, from, pattern, q.max],
    );
    const ids = rows.map((r) => num(r.id));
    return { ids, scannedTo: ids.length === q.max ? ids[ids.length - 1]! : from };
  },

  async visible(db: SqlQueries, q: VisibleQuery): Promise<SearchHit[]> {
    if (q.ids.length === 0) return [];
    // The ids as one array parameter, in PostgreSQL's array literal.
    const filters = visibleFilters(q);
    const params: SqlValue[] = [q.userId, `{${q.ids.map((id) => Math.trunc(id)).join(',')}}`, ...filters.params];
    const rows = await db.all<RawMessage>(
      `SELECT ${MSG_COLS}
       FROM messages m
       JOIN members mb ON mb.conv_id = m.conv_id AND mb.user_id = ?
       WHERE m.id = ANY(?::bigint[]) AND m.recalled_at IS NULL${filters.sql}
       ORDER BY m.id DESC`,
      params,
    );
    return rows.map(toMessage);
  },
};
