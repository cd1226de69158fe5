/** Most users one `POST /api/admin/users` may create. */
export const ADMIN_MAX_USERS = 1000;

export interface AdminCreateUsersResult {
  users: { id: number; username: string; token?: string }[];
}

/**
 * What an API key may do (docs/admin-api.md): each admin route needs one scope. A closed set: keys are
 * created with some of these and can never gain more.
 */
export const API_SCOPES = ['users:read', 'users:write', 'metrics:read', 'audit:read', 'invites:write'] as const;
export type ApiScope = (typeof API_SCOPES)[number];

/** True when `s` is a scope of API_SCOPES. */
export function isApiScope(s: unknown): s is ApiScope {
  return typeof s === 'string' && (API_SCOPES as readonly string[]).includes(s);
}

/** An account as the admin API and `warbler user list` show it. */
export interface AdminUser {
  id: number;
  username: string;
  displayName: string;
  /** Marked an administrator (`warbler user add --admin`). */
  admin: boolean;
  /** Disabled: cannot log in or resume until enabled. */
  disabled: boolean;
  createdAt: number;
}

/** `GET /api/admin/users`: a page of accounts by id. */
export interface AdminListUsersResult {
  users: AdminUser[];
  /** Give as `after` for the next page; absent on the last page. */
  next?: number;
}

/**
 * Every kind of audit entry (docs/admin-api.md#audit-log). Accounts: `login`, `login.failed`,
 * `register`, `logout`, `password.change`, `device.revoke`. Operators: `user.create`, `user.disable`,
 * `user.enable`, `user.delete`, `user.password`, `apikey.create`, `apikey.revoke`. The admin API:
 * `admin.read` (a read route answered), `admin.denied` (a request refused with 401 or 403).
 */
export const AUDIT_EVENTS = [
  'login',
  'login.failed',
  'register',
  'logout',
  'password.change',
  'device.revoke',
  'user.create',
  'user.disable',
  'user.enable',
  'user.delete',
  'user.password',
  'apikey.create',
  'apikey.revoke',
  'invite.create',
  'invite.revoke',
  'admin.read',
  'admin.denied',
] as const;
export type AuditEvent = (typeof AUDIT_EVENTS)[number];

/** True when `s` is an event of AUDIT_EVENTS. */
export function isAuditEvent(s: unknown): s is AuditEvent {
  return typeof s === 'string' && (AUDIT_EVENTS as readonly string[]).includes(s);
}

/** One entry of the audit log, as `GET /api/admin/audit` returns it. Never holds a password or a token. */
export interface AuditEntry {
  id: number;
  /** Milliseconds since the epoch. */
  at: number;
  event: AuditEvent;
  /** The account concerned (the one logging in, or acted on by an operator). */
  userId?: number;
  /** Who acted when it was not the account itself: `key:<id>` (an API key), `cli:<system user>`. */
  actor?: string;
  /** The client's address, when the server knows it. */
  ip?: string;
  /** A device concerned (logged in, logged out, revoked). */
  deviceId?: number;
  /** More about the event, e.g. `{ "reason": "wrong_password" }`. */
  detail?: Record<string, string | number | boolean>;
}

/** `GET /api/admin/audit`: newest first. */
export interface AdminAuditResult {
  entries: AuditEntry[];
  /** Give as `before` for the next (older) page; absent on the last page. */
  next?: number;
}
