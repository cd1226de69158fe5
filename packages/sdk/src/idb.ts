import type { ClientStorage } from './storage.js';

// The few IndexedDB types used here (the SDK builds without the DOM library).
interface Req<T> {
  result: T;
  error: unknown;
  onsuccess: (() => void) | null;
  onerror: (() => void) | null;
}
interface Store {
  get(key: string): Req<unknown>;
  put(value: unknown, key: string): Req<unknown>;
  delete(key: string): Req<unknown>;
  getAll(range: unknown): Req<unknown[]>;
  getAllKeys(range: unknown): Req<string[]>;
}
interface Db {
  transaction(store: string, mode: 'readonly' | 'readwrite'): { objectStore(name: string): Store };
  createObjectStore(name: string): void;
  close(): void;
}
interface Factory {
  open(name: string, version: number): Req<Db> & { onupgradeneeded: (() => void) | null };
}
interface KeyRange {
  bound(lower: string, upper: string): unknown;
}

const STORE = 'kv';
const done = <T>(r: Req<T>): Promise<T> =>
  new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });

/**
 * A ClientStorage in the browser's IndexedDB: one database (`name`, default `warbler`) with one object
 * store. Give each account or server its own name if one browser profile uses several. Every call is
 * its own transaction; IndexedDB applies them in the order they were made, which is the order the
 * storage contract asks for.
 * @example
 * import { IdbStorage } from '@warbler/sdk/idb';
 * const c = new WarblerClient({ url, storage: new IdbStorage() });
 */
export class IdbStorage implements ClientStorage {
  private db: Promise<Db> | undefined;

  constructor(readonly name = 'warbler') {}

  private open(): Promise<Db> {
    if (this.db) return this.db;
    const g = globalThis as { indexedDB?: Factory };
    if (!g.indexedDB) return Promise.reject(new Error('IndexedDB is not available here'));
    const r = g.indexedDB.open(this.name, 1);
    r.onupgradeneeded = () => r.result.createObjectStore(STORE);
    return (this.db = done(r));
  }

  private async store(mode: 'readonly' | 'readwrite'): Promise<Store> {
    return (await this.open()).transaction(STORE, mode).objectStore(STORE);
  }

  async get<T>(key: string): Promise<T | undefined> {
    return (await done((await this.store('readonly')).get(key))) as T | undefined;
  }
  async set(key: string, value: unknown): Promise<void> {
    await done((await this.store('readwrite')).put(value, key));
  }
  async delete(key: string): Promise<void> {
    await done((await this.store('readwrite')).delete(key));
  }
  async entries<T>(prefix: string): Promise<[string, T][]> {
    const range = (globalThis as unknown as { IDBKeyRange: KeyRange }).IDBKeyRange.bound(prefix, prefix + '\uffff');
    const s = await this.store('readonly');
    const [keys, values] = await Promise.all([done(s.getAllKeys(range)), done(s.getAll(range))]);
    return keys.map((k, i) => [k, values[i] as T]);
  }

  /** Closes the database (a later call opens it again). */
  async close(): Promise<void> {
    const db = this.db;
    this.db = undefined;
    if (db) (await db).close();
  }
}
