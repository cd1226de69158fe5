import type { Candidates, CandidateQuery, SearchHit, VisibleQuery } from '../search-store.js';
import type { SqlQueries, SqlValue } from './sql-client.js';

/**
 * The SearchEngine seam: what differs between full-text engines under the SQL SearchStore
 * (search-store-sql.ts), which keeps what is portable: the searchable text of each message in
 * `message_text`, the indexer's position and its walk over `messages`. An engine keeps its own index
 * beside `message_text` (its tables come from migrations) and runs the two steps of a search.
 * Implemented by search-engine-sqlite-fts.ts, search-engine-postgres-trgm.ts and
 * search-engine-mysql-scan.ts.
 */
export interface SearchEngine {
  /** Indexes message `id` with `text` (not ''), in the indexer's transaction; `message_text` has its row already. */
  add(tx: SqlQueries, id: number, text: string): Promise<void>;
  /** Forgets message `id`, indexed with `text`, in the indexer's transaction, before `message_text` loses its row. */
  remove(tx: SqlQueries, id: number, text: string): Promise<void>;
  /** `SearchStore.candidates`. */
  candidates(db: SqlQueries, q: CandidateQuery): Promise<Candidates>;
  /** `SearchStore.visible`: a query over the candidate ids in this database's own spelling. */
  visible(db: SqlQueries, q: VisibleQuery): Promise<SearchHit[]>;
}

/** The engine of a database that has none yet: every search step throws, saying so. */
export function noSearchEngine(database: string): SearchEngine {
  const fail = (): Promise<never> => Promise.reject(new Error(`message search is not available on ${database} yet`));
  return { add: fail, remove: fail, candidates: fail, visible: fail };
}

/**
 * The end of every engine's `visible` WHERE clause: the query's optional filters (conversation, sender)
 * and "not hidden by this user", with their parameters in the order the SQL names them.
 */
export function visibleFilters(q: VisibleQuery): { sql: string; params: SqlValue[] } {
  let sql = '';
  const params: SqlValue[] = [];
  if (q.conv !== undefined) {
    sql += ' AND m.conv_id = ?';
    params.push(q.conv);
  }
  if (q.from !== undefined) {
    sql += ' AND m.sender_id = ?';
    params.push(q.from);
  }
  sql += '\n         AND NOT EXISTS (SELECT 1 FROM hidden_messages h WHERE h.user_id = ? AND h.conv_id = m.conv_id AND h.seq = m.seq)';
  params.push(q.userId);
  return { sql, params };
}
