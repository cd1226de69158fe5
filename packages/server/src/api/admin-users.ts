import { TypeCompiler } from '@sinclair/typebox/compiler';
import { ADMIN_MAX_USERS, type AdminCreateUsersResult, type AdminListUsersResult, type AdminUser } from '@warbler/protocol';
import { AdminCreateUsersBody, describeFailure } from '@warbler/protocol/schemas';
import { WarblerError } from '../errors.js';
import type { AdminCall, AdminRoute } from './admin.js';
import { readJson } from './http-json.js';

const checkCreateUsers = TypeCompiler.Compile(AdminCreateUsersBody);
const MAX_BODY = 1024 * 1024;
/** Most accounts one `GET /api/admin/users` page lists, and how many when `limit` is not given. */
const MAX_PAGE = 1000;
const DEFAULT_PAGE = 100;

/** `POST /api/admin/users`: up to 1000 accounts in one transaction, all or none. */
async function createUsers({ req, deps, by }: AdminCall): Promise<AdminCreateUsersResult> {
  const body = await readJson(req, MAX_BODY);
  if (!checkCreateUsers.Check(body)) throw new WarblerError('invalid_body', describeFailure(checkCreateUsers, body, 'body'));
  if (body.users.length > ADMIN_MAX_USERS) throw new WarblerError('request_too_large', `at most ${ADMIN_MAX_USERS} users per request`);
  const users = await deps.accounts.createUsers(body.users, { issueTokens: body.issueTokens ?? false, device: body.device });
  for (const u of users) deps.audit.record({ event: 'user.create', userId: u.id, actor: by.actor, ip: by.ip });
  return { users };
}

/** `GET /api/admin/users?after=&limit=`: accounts by id, deleted ones left out. */
async function listUsers({ query, deps }: AdminCall): Promise<AdminListUsersResult> {
  const after = query.int('after', 0, Number.MAX_SAFE_INTEGER) ?? 0;
  const limit = query.int('limit', 1, MAX_PAGE) ?? DEFAULT_PAGE;
  const rows = await deps.users.list(after, limit + 1);
  const users = rows.slice(0, limit);
  return { users, ...(rows.length > limit ? { next: users.at(-1)!.id } : {}) };
}

/** The account routes; `{user}` is an id or a username. */
export const USER_ROUTES: readonly AdminRoute[] = [
  { method: 'POST', path: /^\/api\/admin\/users$/, scope: 'users:write', handle: createUsers },
  { method: 'GET', path: /^\/api\/admin\/users$/, scope: 'users:read', query: ['after', 'limit'], handle: listUsers },
  {
    method: 'POST',
    path: /^\/api\/admin\/users\/([^/]+)\/disable$/,
    scope: 'users:write',
    handle: ({ params, deps, by }): Promise<{ user: AdminUser }> => deps.users.disable(params[0]!, by).then((user) => ({ user })),
  },
  {
    method: 'POST',
    path: /^\/api\/admin\/users\/([^/]+)\/enable$/,
    scope: 'users:write',
    handle: ({ params, deps, by }): Promise<{ user: AdminUser }> => deps.users.enable(params[0]!, by).then((user) => ({ user })),
  },
  {
    method: 'DELETE',
    path: /^\/api\/admin\/users\/([^/]+)$/,
    scope: 'users:write',
    handle: ({ params, deps, by }): Promise<{ id: number; deleted: true }> =>
      deps.users.delete(params[0]!, by).then(({ id }) => ({ id, deleted: true })),
  },
];
