import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiScope } from '@warbler/protocol';
import { clientAddress } from '../client-address.js';
import { WarblerError } from '../errors.js';
import type { Route } from '../http.js';
import type { Logger } from '../logger.js';
import type { Accounts } from '../services/accounts.js';
import type { ApiKeyInfo, ApiKeys } from '../services/api-keys.js';
import type { Audit } from '../services/audit.js';
import type { Invites } from '../services/invites.js';
import type { Operator, UserAdmin } from '../services/user-admin.js';
import { AUDIT_ROUTES } from './admin-audit.js';
import { INVITE_ROUTES } from './admin-invites.js';
import { USER_ROUTES } from './admin-users.js';
import { bearerToken, sendError, sendJson } from './http-json.js';
import { QueryParams } from './query.js';

/** What the admin routes work with. */
export interface AdminDeps {
  keys: ApiKeys;
  users: UserAdmin;
  accounts: Accounts;
  invites: Invites;
  audit: Audit;
  logger: Logger;
}

/** One admin request, authorized: what a route handler gets. */
export interface AdminCall {
  req: IncomingMessage;
  /** The parts of the path the route's pattern captured, decoded. */
  params: string[];
  query: QueryParams;
  key: ApiKeyInfo;
  /** The key and the client address, for the audit log. */
  by: Operator;
  deps: AdminDeps;
}

/** An admin route: method, path pattern, the scope it needs, the query parameters it takes. */
export interface AdminRoute {
  method: 'GET' | 'POST' | 'DELETE';
  path: RegExp;
  scope: ApiScope;
  query?: readonly string[];
  /** Answers 200 with the JSON it returns, or throws a WarblerError. */
  handle(call: AdminCall): Promise<unknown>;
}

const ROUTES: readonly AdminRoute[] = [...USER_ROUTES, ...INVITE_ROUTES, ...AUDIT_ROUTES];

/**
 * Checks the request's API key for `scope`: `unauthorized` (401) without one, `api_key_invalid` (401) for
 * an unknown or revoked key, `scope_missing` (403). A refusal is audited (`admin.denied`) and thrown.
 */
export async function authorize(req: IncomingMessage, scope: ApiScope, keys: ApiKeys, audit: Audit): Promise<ApiKeyInfo> {
  try {
    return await keys.authorize(bearerToken(req), scope);
  } catch (e) {
    if (e instanceof WarblerError)
      audit.record({
        event: 'admin.denied',
        ip: clientAddress(req.socket),
        detail: { code: e.code, method: req.method ?? '', path: (req.url ?? '').split('?')[0]!, scope },
      });
    throw e;
  }
}

/**
 * The admin API under `/api/admin/` (docs/admin-api.md), for whichever listeners serve it: finds the
 * route (404 `not_found`, 405 `method_not_allowed`), checks the API key's scope, the query parameters, runs
 * the route and answers its JSON. Every error has the registry's body.
 */
export function adminApi(deps: AdminDeps): Route {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      const url = new URL(req.url ?? '/', 'http://admin');
      const matching = ROUTES.filter((r) => r.path.test(url.pathname));
      if (matching.length === 0) throw new WarblerError('not_found', `no admin route ${url.pathname}`);
      const route = matching.find((r) => r.method === req.method);
      if (!route) {
        res.setHeader('allow', matching.map((r) => r.method).join(', '));
        throw new WarblerError('method_not_allowed', `use ${matching.map((r) => r.method).join(' or ')}`);
      }
      const key = await authorize(req, route.scope, deps.keys, deps.audit);
      const params = route.path.exec(url.pathname)!.slice(1).map(decodeParam);
      const query = new QueryParams(url.searchParams, route.query ?? []);
      const by: Operator = { actor: `key:${key.id}`, ip: clientAddress(req.socket) };
      const body = await route.handle({ req, params, query, key, by, deps });
      if (route.method === 'GET') deps.audit.record({ event: 'admin.read', actor: by.actor, ip: by.ip, detail: { path: url.pathname } });
      sendJson(res, 200, body);
    } catch (e) {
      if (e instanceof WarblerError) return sendError(res, e.code, e.detail);
      deps.logger.error('admin request failed', { err: e });
      sendError(res, 'internal');
    }
  };
}

function decodeParam(p: string): string {
  try {
    return decodeURIComponent(p);
  } catch {
    throw new WarblerError('invalid_parameter', `the path part ${JSON.stringify(p)} is not valid percent-encoding`);
  }
}
