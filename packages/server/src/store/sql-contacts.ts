import type { SqlClient } from './sql-client.js';
import type { AppendInTx } from './store-sql.js';
import type { ContactStore } from './store-contacts.js';

/** ContactStore on SQL: queries written once, dialect hooks from the client. */
export class SqlContactStore implements ContactStore {
  constructor(
    protected readonly db: SqlClient,
    /** Appends events in the caller's transaction, with the same rules as Store.appendMessages. */
    protected readonly append: AppendInTx,
  ) {}
}
