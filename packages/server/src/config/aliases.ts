/**
 * Settings that were renamed, old key → new key. An old key still works, in a file and in the overrides:
 * its value goes to the new key and the loader reports it once as deprecated (the CLI logs a warning).
 * Giving both names in one source is an error. The environment needs no aliases: the old and new names
 * of the SQLite settings have the same variable (`WARBLER_STORE_SQLITE_CACHE_MB`).
 */
export const RENAMED: Readonly<Record<string, string>> = {
  'store.sqliteFile': 'store.sqlite.file',
  'store.sqliteSynchronous': 'store.sqlite.synchronous',
  'store.sqliteCheckpointPages': 'store.sqlite.checkpointPages',
  'store.sqliteCacheMb': 'store.sqlite.cacheMb',
  'store.sqliteMmapMb': 'store.sqlite.mmapMb',
};
