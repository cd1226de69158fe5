import type { IncomingMessage } from 'node:http';
import { Type } from '@sinclair/typebox';
import type { ApiScope } from '@warbler/protocol';
import { clientAddress } from '../client-address.js';
import { WarblerError } from '../errors.js';
import type { HttpRoute } from '../http-route.js';
import type { ApiKeyInfo, ApiKeys } from '../services/api-keys.js';
import type { Audit } from '../services/audit.js';
import type { Operator } from '../services/user-admin.js';
import type { AdminDeps, AdminRoute } from './admin-route.js';
import { AUDIT_ROUTES } from './admin-audit.js';
import { INVITE_ROUTES } from './admin-invites.js';
import { USER_ROUTES } from './admin-users.js';
import { bearerToken } from './http-json.js';

const ROUTES: readonly AdminRoute[] = [...USER_ROUTES, ...INVITE_ROUTES, ...AUDIT_ROUTES];
const NO_QUERY = Type.Object({});

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
 * The admin API under `/api/admin/` (docs/admin-api.md) as HTTP routes, for whichever listeners serve
 * it. The router finds the route (404, 405) and checks the key's scope (401, 403) before the body is
 * read, then the parameters and the body (400, 413); a GET that succeeds is audited (`admin.read`).
 */
export function adminApi(deps: AdminDeps): HttpRoute[] {
  return ROUTES.map((r): HttpRoute => ({
    method: r.method,
    url: r.url,
    summary: r.summary,
    tag: 'admin',
    scope: r.scope,
    ...(r.params ? { params: r.params } : {}),
    query: r.query ?? NO_QUERY,
    ...(r.body ? { body: r.body } : {}),
    ...(r.bodyLimit ? { bodyLimit: r.bodyLimit } : {}),
    responses: { 200: r.response },
    head: false,
    handle: async (req) => {
      const key = req.apiKey!;
      const by: Operator = { actor: `key:${key.id}`, ip: clientAddress(req.raw.socket) };
      const call = { params: req.params as never, query: req.query as never, body: req.body, key, by, deps };
      const out = await r.handle(call);
      if (r.method === 'GET')
        deps.audit.record({ event: 'admin.read', actor: by.actor, ip: by.ip, detail: { path: req.url.split('?')[0]! } });
      return out;
    },
  }));
}
