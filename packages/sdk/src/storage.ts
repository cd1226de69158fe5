/**
 * Where a client keeps what must outlive it: the session (token), the outbox of unacknowledged sends,
 * the cursors, and a cache of conversations and recent messages. A small key-value store, so an app can
 * put it anywhere (memory, IndexedDB with `@warbler/sdk/idb`, a file, React Native's AsyncStorage).
 *
 * Contract: values are JSON-like (plain objects, arrays, strings, numbers, booleans, null); a value read
 * back equals the one written; writes to one storage apply in the order they were called (a `set`
 * followed by a `delete` of the same key leaves it deleted, even if the process stops between them, as
 * long as the `set` finished). The client never changes a value after writing it, and never changes a
 * value it read. A failed call rejects; the client then carries on without it (the data is not saved).
 */
export interface ClientStorage {
  get<T>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown): Promise<void>;
  delete(key: string): Promise<void>;
  /** Every key that starts with `prefix` (all keys for `''`), with its value, in key order. */
  entries<T>(prefix: string): Promise<[string, T][]>;
}

/**
 * The default storage: a Map, kept as long as the object lives. Give the same instance to a new client
 * (e.g. after `close()`) and it goes on from there: its outbox is sent, its cursors are used.
 */
export class MemoryStorage implements ClientStorage {
  private readonly map = new Map<string, unknown>();
  async get<T>(key: string): Promise<T | undefined> {
    return this.map.get(key) as T | undefined;
  }
  async set(key: string, value: unknown): Promise<void> {
    this.map.set(key, value);
  }
  async delete(key: string): Promise<void> {
    this.map.delete(key);
  }
  async entries<T>(prefix: string): Promise<[string, T][]> {
    return [...this.map].filter(([k]) => k.startsWith(prefix)).sort(([a], [b]) => (a < b ? -1 : 1)) as [string, T][];
  }
}
