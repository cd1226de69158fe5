import type { NewUser, UserRow } from './store.js';

/** A new invite code: only its hash is stored, like a device token's. */
export interface NewInvite {
  codeHash: string;
  /** What the invite is for, shown in lists (e.g. "class 7b"); null when none. */
  note: string | null;
  /** How many accounts it may create. */
  maxUses: number;
  createdAt: number;
  expiresAt: number;
  /** The admin account that made it; null when made by the CLI (`warbler invite create`). */
  createdBy: number | null;
}

export interface InviteRow extends Omit<NewInvite, 'codeHash'> {
  id: number;
  /** Accounts created with it so far. */
  uses: number;
  revokedAt: number | null;
}

/** Why an invite did not admit a registration. */
export type InviteRefusal = 'unknown' | 'revoked' | 'expired' | 'used_up';

/**
 * The part of the Store that keeps registration invites: see `Store.registration`. Contract tests:
 * test/store-auth.contract.ts.
 */
export interface RegistrationStore {
  /** True when at least one account exists (false on a fresh install). */
  hasUsers(): Promise<boolean>;
  createInvite(invite: NewInvite): Promise<InviteRow>;
  /** Invites newest first (by id descending) with an id below `before` (0: from the newest), at most `limit`. */
  listInvites(limit: number, before: number): Promise<InviteRow[]>;
  /**
   * Revokes an invite: it admits nobody from then on; accounts made with it stay. Returns the invite
   * after (revoking it again keeps the first time), or undefined when there is no such invite.
   */
  revokeInvite(id: number, at: number): Promise<InviteRow | undefined>;
  /**
   * Creates `user` with the invite whose code hashes to `codeHash`, in one transaction: the invite must be
   * live at `now` (known, not revoked, not expired, fewer uses than `maxUses`), and its use count goes up
   * with the account. Otherwise nothing changes and `refused` says why (checked in the order of
   * InviteRefusal). A taken username throws StoreConflictError and uses nothing up.
   */
  registerWithInvite(
    codeHash: string,
    user: NewUser,
    now: number,
  ): Promise<{ user: UserRow; inviteId: number } | { refused: InviteRefusal }>;
}
