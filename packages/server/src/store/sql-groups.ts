import type { SqlClient } from './sql-client.js';
import type { AppendInTx } from './store-sql.js';
import type { GroupStore } from './store-groups.js';

/** GroupStore on SQL: queries written once, dialect hooks from the client. */
export class SqlGroupStore implements GroupStore {
  constructor(
    protected readonly db: SqlClient,
    /** Appends events in the caller's transaction, with the same rules as Store.appendMessages. */
    protected readonly append: AppendInTx,
  ) {}
}
