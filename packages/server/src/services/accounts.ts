import type { Device, User } from '@warbler/protocol';
import type { Bus } from '../bus/bus.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { WarblerError } from '../errors.js';
import { AuthLimits } from '../auth/auth-limits.js';
import { hashPassword, verifyPassword } from '../auth/passwords.js';
import { normalizeDisplayName, normalizeUsername } from '../auth/rules.js';
import { hashToken, newToken } from '../auth/tokens.js';
import { StoreConflictError, type NewUser, type Store, type UserRow } from '../store/store.js';
import { NO_AUDIT, loginFailed, type AuditLog } from './audit.js';

const DAY = 86_400_000;
const INVITE_REFUSALS = {
  unknown: 'no such invite code',
  revoked: 'this invite was revoked',
  expired: 'this invite has expired',
  used_up: 'this invite has been used up',
} as const;
/** The stored hash of an account without a password: matches no password (not an scrypt hash). */
const NO_PASSWORD = '!';

export interface NewAccount {
  username: string;
  displayName?: string | undefined;
  password?: string | undefined;
}

/** A logged-in device: what a session remembers after authentication. */
export interface Identity {
  user: User;
  deviceId: number;
  expiresAt: number;
}
export interface IssuedSession extends Identity {
  token: string;
}

/** What anyone may see of a user: `avatar` and `bio` only when set. */
export const publicUser = (u: UserRow): User => ({
  id: u.id,
  username: u.username,
  displayName: u.displayName,
  ...(u.avatar !== undefined ? { avatar: u.avatar } : {}),
  ...(u.bio !== undefined ? { bio: u.bio } : {}),
});

/** Accounts and devices: registration, login, tokens, revocation, password changes. */
export class Accounts {
  /** Verified against when a username is unknown, so both failures cost the same. */
  private dummyHash: Promise<string>;
  /** The login throttle and the per-IP limits of logins and registrations. */
  private readonly limits: AuthLimits;
  /** Last-seen times not yet written, by device id. */
  private readonly touches = new Map<number, number>();
  private touchTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: Store,
    private readonly bus: Bus,
    private readonly config: Config,
    private readonly logger: Logger,
    private readonly audit: AuditLog = NO_AUDIT,
  ) {
    this.dummyHash = hashPassword('dummy password for unknown users', config.auth.scryptCost);
    this.limits = new AuthLimits(config, store.authLimits, logger, bus.counters);
  }

  private checkPassword(password: string): void {
    if ([...password].length < this.config.auth.minPasswordLength)
      throw new WarblerError('invalid_password', `password must have at least ${this.config.auth.minPasswordLength} characters`);
  }

  /** Checks and hashes one account's input; without a password the account logs in only by token. */
  private async newUserRow(input: NewAccount, isAdmin: boolean, where = ''): Promise<NewUser> {
    const username = normalizeUsername(input.username);
    if (!username) throw new WarblerError('invalid_username', `${where}username: 3-32 characters a-z 0-9 _ . -, starting with a letter`);
    const displayName = input.displayName === undefined ? username : normalizeDisplayName(input.displayName);
    if (!displayName) throw new WarblerError('invalid_display_name', `${where}display name: 1-64 characters, no control characters`);
    let passwordHash = NO_PASSWORD;
    if (input.password !== undefined) {
      this.checkPassword(input.password);
      passwordHash = await hashPassword(input.password, this.config.auth.scryptCost);
    }
    return { username, displayName, passwordHash, isAdmin, createdAt: Date.now() };
  }

  /** Creates an account (registration, or `warbler user add` with `isAdmin` set). */
  async createUser(input: NewAccount & { password: string; isAdmin?: boolean }): Promise<UserRow> {
    const row = await this.newUserRow(input, input.isAdmin ?? false);
    try {
      return await this.store.createUser(row);
    } catch (e) {
      if (e instanceof StoreConflictError) throw new WarblerError('username_taken');
      throw e;
    }
  }

  /**
   * Creates many accounts at once, all or nothing (the admin API's bulk path); with `issueTokens` each
   * gets a device and its token, so it can connect without a password login.
   */
  async createUsers(
    inputs: readonly NewAccount[],
    opts: { issueTokens: boolean; device?: string | undefined },
  ): Promise<{ id: number; username: string; token?: string }[]> {
    const rows = await Promise.all(inputs.map((u, i) => this.newUserRow(u, false, `users[${i}].`)));
    const tokens = rows.map(() => (opts.issueTokens ? newToken() : undefined));
    const now = Date.now();
    const expiresAt = now + this.config.auth.tokenTtlDays * DAY;
    const name = opts.device?.trim() || 'device';
    const devices = tokens.map((t) => (t === undefined ? undefined : { name, tokenHash: hashToken(t), createdAt: now, expiresAt }));
    try {
      const created = await this.store.createUsers(rows, devices);
      return created.map((c, i) => ({ id: c.user.id, username: c.user.username, ...(tokens[i] ? { token: tokens[i] } : {}) }));
    } catch (e) {
      if (e instanceof StoreConflictError) throw new WarblerError('username_taken', e.message);
      throw e;
    }
  }

  /**
   * Registration by `auth.registration`: `open`, `invite` (an admin's invite code in `invite`; ignored
   * when open) or `closed`. Every attempt from `ip` counts against `auth.registrationsPerIpPerHour`.
   */
  async register(
    input: {
      username: string;
      password: string;
      displayName?: string | undefined;
      device?: string | undefined;
      invite?: string | undefined;
    },
    ip: string,
  ): Promise<IssuedSession> {
    const policy = this.config.auth.registration;
    if (policy === 'closed') throw new WarblerError('registration_closed');
    if (policy === 'invite' && input.invite === undefined)
      throw new WarblerError('invite_required', 'this server registers with an invite code only: give data.invite');
    await this.limits.beginRegistration(ip);
    if (policy === 'open') return this.issue(await this.createUser(input), input.device, 'register', ip);
    const row = await this.newUserRow(input, false);
    const r = await this.store.registration.registerWithInvite(hashToken(input.invite!), row, Date.now()).catch((e: unknown) => {
      throw e instanceof StoreConflictError ? new WarblerError('username_taken') : e;
    });
    if ('refused' in r) throw new WarblerError('invite_invalid', INVITE_REFUSALS[r.refused]);
    this.logger.info('registered with an invite', { user: r.user.id, invite: r.inviteId });
    return this.issue(r.user, input.device, 'register', ip);
  }

  /**
   * Password login from `ip`. A wrong password and an unknown user give the same error after the same
   * work. The attempt takes its slots of the login limits before the password is hashed (see AuthLimits).
   */
  async login(input: { username: string; password: string; device?: string | undefined }, ip: string): Promise<IssuedSession> {
    const username = normalizeUsername(input.username);
    const ticket = await this.limits.beginLogin(username ?? '', ip).catch((e: unknown) => {
      if (e instanceof WarblerError && e.code === 'rate_limited') this.audit.record(loginFailed(undefined, 'rate_limited', ip));
      throw e;
    });
    let user: UserRow | undefined;
    let ok: boolean | undefined;
    try {
      user = username ? await this.store.getUserByUsername(username) : undefined;
      ok = (await verifyPassword(input.password, user ? user.passwordHash : await this.dummyHash)) && user !== undefined;
    } finally {
      await this.limits.endLogin(ticket, ok);
    }
    if (!ok || !user) {
      this.audit.record(loginFailed(user?.id, user ? 'wrong_password' : 'unknown_user', ip));
      throw new WarblerError('invalid_credentials');
    }
    return this.issue(user, input.device, 'login', ip);
  }

  /** A new device and its token for a user who proved who they are; a disabled account gets `account_disabled`. */
  private async issue(
    user: UserRow,
    deviceName: string | undefined,
    event: 'login' | 'register',
    ip: string | undefined,
  ): Promise<IssuedSession> {
    if (user.disabledAt !== undefined) {
      this.audit.record(loginFailed(user.id, 'account_disabled', ip));
      throw new WarblerError('account_disabled');
    }
    const token = newToken();
    const now = Date.now();
    const expiresAt = now + this.config.auth.tokenTtlDays * DAY;
    const device = await this.store.createDevice({
      userId: user.id,
      name: deviceName?.trim() || 'device',
      tokenHash: hashToken(token),
      createdAt: now,
      expiresAt,
    });
    this.audit.record({ event, userId: user.id, deviceId: device.id, ip });
    return { user: publicUser(user), deviceId: device.id, expiresAt, token };
  }

  /** Authenticates a saved device token; a token of a disabled account gets `account_disabled`, even revoked. */
  async resume(token: string): Promise<Identity> {
    const device = await this.store.getDeviceByTokenHash(hashToken(token));
    const user = device && (await this.store.getUserById(device.userId));
    if (!device || !user) throw new WarblerError('token_invalid');
    if (user.disabledAt !== undefined) throw new WarblerError('account_disabled');
    if (device.revokedAt !== null) throw new WarblerError('token_invalid');
    const now = Date.now();
    if (device.expiresAt <= now) throw new WarblerError('token_expired');
    this.touch(device.id, now);
    return { user: publicUser(user), deviceId: device.id, expiresAt: device.expiresAt };
  }

  /**
   * Remembers that a device was seen (at login and resume, and by presence when a connection of it
   * closes); written with every other touch of the last second in one transaction, so a reconnect
   * storm costs a few commits instead of one fsync per device.
   */
  touch(deviceId: number, at: number): void {
    this.touches.set(deviceId, at);
    this.touchTimer ??= setTimeout(() => {
      this.flushTouches().catch((err: unknown) => this.logger.warn('could not write device last-seen times', { err }));
    }, 1000).unref();
  }

  /** Writes what is pending (last-seen times, the login throttle's state); the server's stop calls it before closing the store. */
  async flush(): Promise<void> {
    await this.flushTouches();
    await this.limits.flush();
  }

  /** Writes the pending last-seen times. */
  async flushTouches(): Promise<void> {
    clearTimeout(this.touchTimer);
    this.touchTimer = undefined;
    if (this.touches.size === 0) return;
    const batch = [...this.touches].map(([deviceId, at]) => ({ deviceId, at }));
    this.touches.clear();
    await this.store.touchDevices(batch);
  }

  /** Replaces the device's token with a new one; the old one stops working at once. */
  async refresh(deviceId: number): Promise<{ token: string; expiresAt: number }> {
    const token = newToken();
    const expiresAt = Date.now() + this.config.auth.tokenTtlDays * DAY;
    await this.store.setDeviceToken(deviceId, hashToken(token), expiresAt);
    return { token, expiresAt };
  }

  async listDevices(userId: number, currentDeviceId: number): Promise<Device[]> {
    const rows = await this.store.listDevices(userId);
    return rows.map((d) => ({
      id: d.id,
      name: d.name,
      createdAt: d.createdAt,
      lastSeenAt: Math.max(d.lastSeenAt, this.touches.get(d.id) ?? 0),
      expiresAt: d.expiresAt,
      current: d.id === currentDeviceId,
    }));
  }

  /** Revokes one of the user's devices and closes its connections everywhere. */
  async revokeDevice(userId: number, deviceId: number, ip?: string): Promise<void> {
    const revoked = await this.store.revokeDevices(userId, [deviceId], Date.now());
    if (revoked.length === 0) throw new WarblerError('device_not_found');
    this.audit.record({ event: 'device.revoke', userId, deviceId, ip });
    await this.bus.publishApplied({ t: 'kick', devices: revoked, close: 'token_revoked' });
  }

  /** Logs the device out: its token stops working and its connections close, everywhere. */
  async logout(userId: number, deviceId: number, ip?: string): Promise<void> {
    const revoked = await this.store.revokeDevices(userId, [deviceId], Date.now());
    this.audit.record({ event: 'logout', userId, deviceId, ip });
    // Other connections that resumed the same token would otherwise stay logged in.
    if (revoked.length > 0) await this.bus.publishApplied({ t: 'kick', devices: revoked, close: 'logged_out' });
  }

  /** Changes the password and revokes every other device of the user. */
  async changePassword(userId: number, currentDeviceId: number, oldPassword: string, newPassword: string, ip?: string): Promise<number> {
    const user = await this.store.getUserById(userId);
    if (!user || !(await verifyPassword(oldPassword, user.passwordHash))) throw new WarblerError('invalid_credentials');
    this.checkPassword(newPassword);
    await this.store.setPasswordHash(userId, await hashPassword(newPassword, this.config.auth.scryptCost));
    const revoked = await this.store.revokeDevices(userId, 'all', Date.now(), currentDeviceId);
    if (revoked.length > 0) await this.bus.publishApplied({ t: 'kick', devices: revoked, close: 'token_revoked' });
    this.audit.record({ event: 'password.change', userId, deviceId: currentDeviceId, ip, detail: { revokedDevices: revoked.length } });
    return revoked.length;
  }
}
