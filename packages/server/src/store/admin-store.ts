import type { ApiScope } from '@warbler/protocol';
import type { UserRow } from './store.js';

/** An API key as stored: never the key itself, only its SHA-256. */
export interface ApiKeyRow {
  id: number;
  name: string;
  scopes: ApiScope[];
  keyHash: string;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}
export type NewApiKey = Pick<ApiKeyRow, 'name' | 'scopes' | 'keyHash' | 'createdAt'>;

/**
 * What running servers must act on when an operator changes an account: `disabled` and `deleted`
 * close the account's sessions (and a deletion is finished there: groups, contacts); `password` (reset by
 * an operator) closes them as revoked.
 */
export type AccountChange = 'disabled' | 'deleted' | 'password';
export interface AccountChangeRow {
  id: number;
  userId: number;
  kind: AccountChange;
  at: number;
}

/**
 * The part of the Store that operators change: API keys, account states (disabled, deleted) and the feed
 * of account changes that every server process polls. See `Store.admin`; contract tests:
 * test/store-admin.contract.ts.
 *
 * An account change and its feed row are written in one transaction, so a server that sees the account
 * changed also sees the row, and the reverse. Methods that find nothing return undefined, false or an
 * empty array; they never throw for "not found".
 */
export interface AdminStore {
  createApiKey(k: NewApiKey): Promise<ApiKeyRow>;
  /** The key with this hash, revoked or not; undefined when there is none. */
  apiKeyByHash(keyHash: string): Promise<ApiKeyRow | undefined>;
  /** Every key, revoked ones too, by id. */
  listApiKeys(): Promise<ApiKeyRow[]>;
  /** Revokes a key; false when there is no such key or it is revoked already. */
  revokeApiKey(id: number, at: number): Promise<boolean>;
  /** Records when a key was last used (never moves back). */
  touchApiKey(id: number, at: number): Promise<void>;

  /** A page of the accounts not deleted with an id above `after`, by id, at most `limit`. */
  listUsers(after: number, limit: number): Promise<UserRow[]>;
  /**
   * Disables (`at`) or enables (`null`) an account that is not deleted. Disabling revokes every device of
   * the account and records a `disabled` change, all in one transaction; disabling a disabled account
   * keeps its first time but revokes again. Returns the account after, or undefined when there is none.
   */
  setDisabled(userId: number, at: number | null): Promise<UserRow | undefined>;
  /**
   * Sets a new password hash, revokes every device and records a `password` change, in one transaction;
   * false when there is no such account (or it is deleted).
   */
  resetPassword(userId: number, passwordHash: string, at: number): Promise<boolean>;
  /**
   * Turns an account into a tombstone, in one transaction: its username freed (renamed `~<id>`, which no
   * username can be), its display name, password, avatar and bio cleared, friend requests and presence
   * closed (`nobody`), every device revoked, and a `deleted` change recorded. Its id, messages and
   * conversations stay. False when there is no such account (or it is deleted already).
   */
  deleteUser(userId: number, at: number): Promise<boolean>;
  /** Deleted accounts still in a group or with friends, friend requests or blocks: deletions to finish. */
  unfinishedDeletions(): Promise<number[]>;

  /** Account changes with an id above `after`, by id, at most `limit`. */
  accountChangesAfter(after: number, limit: number): Promise<AccountChangeRow[]>;
  /** The id of the latest account change; 0 when there is none. */
  lastAccountChange(): Promise<number>;
  /** Deletes the account changes recorded before `before`. */
  pruneAccountChanges(before: number): Promise<void>;
}
