import type { Candidates, CandidateQuery, SearchHit, VisibleQuery } from '../search-store.js';
import { MSG_COLS, toMessage, type RawMessage } from './message-rows.js';
import { visibleFilters, type SearchEngine } from './search-engine.js';
import type { SqlQueries, SqlValue } from './sql-client.js';

/**
 * Message ids one search step looks at: its bound. About 20 ms of MariaDB's time when nothing matches,
 * measured on a million message texts on a busy 2-core machine (docs/deploy.md, "MySQL and MariaDB"):
 * a `msg.search` (a 50 ms budget) scans a few windows, then answers with what it found and a `next`.
 */
export const SCAN_WINDOW = 5_000;
const num = (v: unknown): number => Number(v);

/** A LIKE pattern (with `ESCAPE '!'`) finding `text` anywhere, its `%`, `_` and `!` taken literally. */
export function likeContaining(text: string): string {
  return `%${text.replace(/[!%_]/g, (c) => `!${c}`)}%`;
}

/**
 * Search on MySQL and MariaDB: a bounded scan. Each step reads one window of `SCAN_WINDOW` message ids
 * of `message_text` (its primary key range) and keeps the texts that hold the query (LIKE, on the binary
 * utf8mb4 collation: code points compared as they are, the text and the query already normalized by
 * the indexer). Any script, any length of query (Chinese has no spaces to split words on), and nothing
 * to index beyond `message_text`, which the indexer's transaction writes like any table.
 *
 * Chosen over MariaDB's Mroonga plugin, whose tables are not transactional (the index would not commit
 * with the indexer's position), and over InnoDB FULLTEXT, whose parser finds words, not the pieces of a
 * Chinese sentence (MySQL's ngram parser would, MariaDB has none). The cost is the scan: a search that
 * finds few matches pages through the whole store, a window per step.
 */
export const MYSQL_SCAN: SearchEngine = {
  async add(): Promise<void> {
    // message_text is the index: the indexer has written its row.
  },

  async remove(): Promise<void> {
    // The indexer deletes the message_text row.
  },

  async candidates(db: SqlQueries, q: CandidateQuery): Promise<Candidates> {
    const from = Math.max(0, q.beforeId - SCAN_WINDOW);
    const rows = await db.all<{ id: number }>(
      `SELECT id FROM message_text WHERE id < ? AND id >= ? AND text LIKE ? ESCAPE '!' ORDER BY id DESC LIMIT ?`,
      [q.beforeId, from, likeContaining(q.text), q.max],
    );
    const ids = rows.map((r) => num(r.id));
    return { ids, scannedTo: ids.length === q.max ? ids[ids.length - 1]! : from };
  },

  async visible(db: SqlQueries, q: VisibleQuery): Promise<SearchHit[]> {
    if (q.ids.length === 0) return [];
    const filters = visibleFilters(q);
    const params: SqlValue[] = [q.userId, ...q.ids, ...filters.params];
    const rows = await db.all<RawMessage>(
      `SELECT ${MSG_COLS}
       FROM messages m
       JOIN members mb ON mb.conv_id = m.conv_id AND mb.user_id = ?
       WHERE m.id IN (${q.ids.map(() => '?').join(',')}) AND m.recalled_at IS NULL${filters.sql}
       ORDER BY m.id DESC`,
      params,
    );
    return rows.map(toMessage);
  },
};
