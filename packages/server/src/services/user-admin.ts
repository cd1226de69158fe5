import type { AdminUser } from '@warbler/protocol';
import { hashPassword } from '../auth/passwords.js';
import { normalizeUsername } from '../auth/rules.js';
import type { Config } from '../config.js';
import { WarblerError } from '../errors.js';
import type { Store, UserRow } from '../store/store.js';
import type { AuditLog } from './audit.js';

/** Who acts, for the audit log: `key:<id>` (the admin API) or `cli:<system user>`, and from where. */
export interface Operator {
  actor: string;
  ip?: string | undefined;
}

/** An account as operators see it. */
export const adminUser = (u: UserRow): AdminUser => ({
  id: u.id,
  username: u.username,
  displayName: u.displayName,
  admin: u.isAdmin,
  disabled: u.disabledAt !== undefined,
  createdAt: u.createdAt,
});

/**
 * What operators do to accounts (the CLI's `warbler user …` and the admin API): list, disable, enable,
 * delete, reset a password. Each change is one store transaction that also records an account change;
 * every server process polls those (AccountWatch) and closes the account's sessions, so this works the
 * same from the CLI in another process as from the server itself. `changed` is awaited after each change
 * (the server acts on it at once, on every node, instead of at their next polls).
 */
export class UserAdmin {
  constructor(
    private readonly store: Store,
    private readonly config: Config,
    private readonly audit: AuditLog,
    private readonly changed: () => void | Promise<void> = () => undefined,
  ) {}

  /**
   * The account named by `ref`: a user id (digits) or a username (which always starts with a letter).
   * Throws `user_not_found` (deleted accounts included).
   */
  async find(ref: string): Promise<UserRow> {
    const user = /^\d{1,15}$/.test(ref)
      ? await this.store.getUserById(Number(ref))
      : await this.store.getUserByUsername(normalizeUsername(ref) ?? '');
    if (!user) throw new WarblerError('user_not_found', `no user ${JSON.stringify(ref)}`);
    return user;
  }

  /** A page of accounts (not deleted) with ids above `after`, by id. */
  async list(after: number, limit: number): Promise<AdminUser[]> {
    return (await this.store.admin.listUsers(after, limit)).map(adminUser);
  }

  /** Disables the account: it cannot log in or resume, its devices are revoked, its sessions closed (4103). */
  async disable(ref: string, by: Operator): Promise<AdminUser> {
    const user = await this.find(ref);
    const after = await this.store.admin.setDisabled(user.id, Date.now());
    if (!after) throw new WarblerError('user_not_found');
    await this.done('user.disable', user.id, by);
    return adminUser(after);
  }

  /** Enables a disabled account: password login works again (its old device tokens stay revoked). */
  async enable(ref: string, by: Operator): Promise<AdminUser> {
    const user = await this.find(ref);
    const after = await this.store.admin.setDisabled(user.id, null);
    if (!after) throw new WarblerError('user_not_found');
    await this.done('user.enable', user.id, by);
    return adminUser(after);
  }

  /**
   * Deletes the account (docs/admin-api.md#deleting-an-account): a tombstone at once here; the server
   * finishes it (groups, contacts) when it sees the change.
   */
  async delete(ref: string, by: Operator): Promise<{ id: number }> {
    const user = await this.find(ref);
    if (!(await this.store.admin.deleteUser(user.id, Date.now()))) throw new WarblerError('user_not_found');
    await this.done('user.delete', user.id, by, { username: user.username });
    return { id: user.id };
  }

  /** Sets a new password and revokes every device of the account (its sessions close with 4101). */
  async setPassword(ref: string, password: string, by: Operator): Promise<AdminUser> {
    const user = await this.find(ref);
    const min = this.config.auth.minPasswordLength;
    if ([...password].length < min) throw new WarblerError('invalid_password', `password must have at least ${min} characters`);
    if (password.length > 1024) throw new WarblerError('invalid_password', 'password must have at most 1024 characters');
    if (!(await this.store.admin.resetPassword(user.id, await hashPassword(password, this.config.auth.scryptCost), Date.now())))
      throw new WarblerError('user_not_found');
    await this.done('user.password', user.id, by);
    return adminUser(user);
  }

  private async done(
    event: 'user.disable' | 'user.enable' | 'user.delete' | 'user.password',
    userId: number,
    by: Operator,
    detail?: Record<string, string>,
  ): Promise<void> {
    this.audit.record({ event, userId, actor: by.actor, ...(by.ip ? { ip: by.ip } : {}), ...(detail ? { detail } : {}) });
    await this.changed();
  }
}
