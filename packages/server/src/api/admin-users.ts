import { Type } from '@sinclair/typebox';
import { ADMIN_MAX_USERS, type AdminCreateUsersResult, type AdminListUsersResult } from '@warbler/protocol';
import { AdminCreateUsersBody } from '@warbler/protocol/schemas';
import { WarblerError } from '../errors.js';
import { CreateUsersResult, DeletedResult, ListUsersResult, UserResult } from './admin-schemas.js';
import { adminRoute, UserParam, type AdminRoute } from './admin-route.js';
import { IntParam } from './query.js';

/** Most accounts one `GET /api/admin/users` page lists, and how many when `limit` is not given. */
const MAX_PAGE = 1000;
const DEFAULT_PAGE = 100;

const ListQuery = Type.Object({
  after: Type.Optional(IntParam(0, Number.MAX_SAFE_INTEGER, 'accounts with a greater id (default 0: from the start)')),
  limit: Type.Optional(IntParam(1, MAX_PAGE, `most accounts (default ${DEFAULT_PAGE})`)),
});

/** The account routes; `{user}` is an id or a username. */
export const USER_ROUTES: readonly AdminRoute[] = [
  adminRoute({
    method: 'POST',
    url: '/api/admin/users',
    summary: `Creates up to ${ADMIN_MAX_USERS} accounts in one transaction, all or none.`,
    scope: 'users:write',
    body: AdminCreateUsersBody,
    bodyLimit: 1024 * 1024,
    response: CreateUsersResult,
    handle: async ({ body, deps, by }): Promise<AdminCreateUsersResult> => {
      if (body.users.length > ADMIN_MAX_USERS) throw new WarblerError('request_too_large', `at most ${ADMIN_MAX_USERS} users per request`);
      const users = await deps.accounts.createUsers(body.users, { issueTokens: body.issueTokens ?? false, device: body.device });
      for (const u of users) deps.audit.record({ event: 'user.create', userId: u.id, actor: by.actor, ip: by.ip });
      return { users };
    },
  }),
  adminRoute({
    method: 'GET',
    url: '/api/admin/users',
    summary: 'Lists accounts by id, deleted ones left out, paged.',
    scope: 'users:read',
    query: ListQuery,
    response: ListUsersResult,
    handle: async ({ query, deps }): Promise<AdminListUsersResult> => {
      const limit = query.limit ?? DEFAULT_PAGE;
      const rows = await deps.users.list(query.after ?? 0, limit + 1);
      const users = rows.slice(0, limit);
      return { users, ...(rows.length > limit ? { next: users.at(-1)!.id } : {}) };
    },
  }),
  adminRoute({
    method: 'POST',
    url: '/api/admin/users/:user/disable',
    summary: 'Disables an account: it cannot log in, its devices are revoked, its connections closed.',
    scope: 'users:write',
    params: UserParam,
    response: UserResult,
    handle: ({ params, deps, by }) => deps.users.disable(params.user, by).then((user) => ({ user })),
  }),
  adminRoute({
    method: 'POST',
    url: '/api/admin/users/:user/enable',
    summary: 'Enables a disabled account again.',
    scope: 'users:write',
    params: UserParam,
    response: UserResult,
    handle: ({ params, deps, by }) => deps.users.enable(params.user, by).then((user) => ({ user })),
  }),
  adminRoute({
    method: 'DELETE',
    url: '/api/admin/users/:user',
    summary: 'Deletes an account (docs/admin-api.md#deleting-an-account).',
    scope: 'users:write',
    params: UserParam,
    response: DeletedResult,
    handle: ({ params, deps, by }) => deps.users.delete(params.user, by).then(({ id }) => ({ id, deleted: true as const })),
  }),
];
