import type { AuditEntry, AuditEvent } from '@warbler/protocol';

/** An audit entry to store: everything but its id. */
export type NewAuditEntry = Omit<AuditEntry, 'id'>;

/** Which entries `AuditStore.query` returns. Every field given narrows the result. */
export interface AuditFilter {
  userId?: number;
  /** Any of these events. */
  events?: readonly AuditEvent[];
  /** At or after this time (ms). */
  since?: number;
  /** Before this time (ms). */
  until?: number;
  /** With an id below this one: the `next` of the previous page. */
  before?: number;
  limit: number;
}

/**
 * The part of the Store that keeps the audit log: see `Store.audit`. Contract tests:
 * test/store-admin.contract.ts. Entries are only ever added and pruned, never changed.
 */
export interface AuditStore {
  /** Appends entries in one transaction, in order, with increasing ids; returns the last id (0 for none). */
  append(entries: readonly NewAuditEntry[]): Promise<number>;
  /** Entries matching the filter, newest (highest id) first, at most `filter.limit`. */
  query(filter: AuditFilter): Promise<AuditEntry[]>;
  /** Deletes the entries older than `before`, then all but the newest `keep`; returns how many went. */
  prune(before: number, keep: number): Promise<number>;
}
