import type {
  Candidates,
  CandidateQuery,
  IndexableMessage,
  SearchableText,
  SearchHit,
  SearchStore,
  VisibleQuery,
} from '../search-store.js';
import type { SearchEngine } from './search-engine.js';
import type { SqlClient, SqlQueries } from './sql-client.js';

interface IndexRow extends IndexableMessage {
  id: number;
  recalledAt: number | null;
}

const INDEX_COLS = 'id, conv_id AS conv, kind, body, recalled_at AS recalledAt';
const num = (v: unknown): number => Number(v);

/**
 * SearchStore on SQL. The portable part is here: the searchable text of each message lives in
 * `message_text`, and the indexer walks `messages` in id order from its position in `search_progress`.
 * The index over that text and the queries of a search are the SearchEngine's (search-engine.ts),
 * chosen by the SQL store for its database.
 */
export class SqlSearchStore implements SearchStore {
  /** Where the indexer stood after its last call: lets an idle `indexNext` skip its transaction. */
  private lastId = -1;

  constructor(
    private readonly db: SqlClient,
    private readonly engine: SearchEngine,
  ) {}

  async indexedUpTo(): Promise<number> {
    const r = await this.db.get<{ lastId: number }>('SELECT last_id AS lastId FROM search_progress WHERE id = 1');
    return r ? num(r.lastId) : 0;
  }

  async latestId(): Promise<number> {
    const r = await this.db.get<{ id: number | null }>('SELECT MAX(id) AS id FROM messages');
    return r?.id == null ? 0 : num(r.id);
  }

  async indexNext(max: number, textOf: SearchableText): Promise<number> {
    // Nothing new since the last call: answer without taking the write lock.
    if (this.lastId >= 0 && !(await this.db.get('SELECT id FROM messages WHERE id > ? LIMIT 1', [this.lastId]))) return 0;
    // Where transactions commit concurrently, only up to the ids that can no longer gain a row below them.
    const settled = this.engine.settledId ? await this.engine.settledId(this.db) : Number.MAX_SAFE_INTEGER;
    const { read, lastId } = await this.db.transaction(async (tx) => {
      // Locked: indexers of several processes take turns instead of indexing the same messages.
      const progress = await tx.get<{ lastId: number }>(
        `SELECT last_id AS lastId FROM search_progress WHERE id = 1${this.db.dialect.forUpdate}`,
      );
      const after = num(progress?.lastId ?? 0);
      const rows = await tx.all<IndexRow>(`SELECT ${INDEX_COLS} FROM messages WHERE id > ? AND id <= ? ORDER BY id LIMIT ?`, [
        after,
        settled,
        max,
      ]);
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
    await this.engine.add(tx, id, text);
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
      await this.engine.remove(tx, id, old.text);
      await tx.run('DELETE FROM message_text WHERE id = ?', [id]);
    }
    if (t.recalledAt === null) await this.insertText(tx, id, textOf(t));
  }

  candidates(q: CandidateQuery): Promise<Candidates> {
    return this.engine.candidates(this.db, q);
  }

  visible(q: VisibleQuery): Promise<SearchHit[]> {
    return this.engine.visible(this.db, q);
  }
}
