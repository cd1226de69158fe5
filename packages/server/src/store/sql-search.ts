import type { SqlClient } from './sql-client.js';
import type { SearchStore } from './store-search.js';

/** SearchStore on SQL: SQLite FTS5 (trigram); other dialects add theirs. */
export class SqlSearchStore implements SearchStore {
  constructor(protected readonly db: SqlClient) {}
}
