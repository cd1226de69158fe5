import type { IncomingMessage, ServerResponse } from 'node:http';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { AdminCreateInviteBody, AdminRevokeInviteBody, LIMITS, describeFailure, type AdminCreateInviteResult } from '@warbler/protocol';
import { WarblerError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Accounts } from '../services/accounts.js';
import type { Invites } from '../services/invites.js';
import { bearerToken, readJson, sendError, sendJson } from './http-json.js';

const checkCreate = TypeCompiler.Compile(AdminCreateInviteBody);
const checkRevoke = TypeCompiler.Compile(AdminRevokeInviteBody);
const MAX_BODY = 64 * 1024;

/** An admin route's body: its result, or a registry error for the client. */
type Handler = (req: IncomingMessage, adminId: number) => Promise<{ status: number; body: unknown }>;

/** Runs `handle` for an admin with the route's errors answered as the admin API does (docs/admin-api.md). */
function adminRoute(accounts: Accounts, logger: Logger, methods: Record<string, Handler>) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      const handle = methods[req.method ?? ''];
      if (!handle)
        return sendJson(res, 405, {
          error: { code: 'method_not_allowed', status: 405, message: `use ${Object.keys(methods).join(' or ')}` },
        });
      const admin = await accounts.adminByToken(bearerToken(req));
      const r = await handle(req, admin.id);
      sendJson(res, r.status, r.body);
    } catch (e) {
      if (e instanceof WarblerError) return sendError(res, e.code, e.detail);
      logger.error('admin request failed', { err: e });
      sendError(res, 'internal');
    }
  };
}

/** A non-negative integer query parameter, or `fallback` when absent; throws invalid_body. */
function intParam(url: URL, name: string, fallback: number, min: number, max: number): number {
  const raw = url.searchParams.get(name);
  if (raw === null) return fallback;
  const n = Number(raw);
  if (!/^\d{1,16}$/.test(raw) || n < min || n > max)
    throw new WarblerError('invalid_body', `query ${name}: an integer from ${min} to ${max}`);
  return n;
}

/**
 * `GET /api/admin/invites` (list, newest first: `?limit=` 1–500, `?before=` an id) and
 * `POST /api/admin/invites` (create; the result carries the code, shown this once).
 */
export function adminInvitesRoute(accounts: Accounts, invites: Invites, logger: Logger) {
  return adminRoute(accounts, logger, {
    GET: async (req) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const limit = intParam(url, 'limit', LIMITS.defaultPage, 1, LIMITS.maxPage);
      const before = intParam(url, 'before', 0, 0, Number.MAX_SAFE_INTEGER);
      const list = await invites.list(limit + 1, before);
      const page = list.slice(0, limit);
      return { status: 200, body: { invites: page, more: list.length > limit } };
    },
    POST: async (req, adminId) => {
      const body = await readJson(req, MAX_BODY);
      if (!checkCreate.Check(body)) throw new WarblerError('invalid_body', describeFailure(checkCreate, body, 'body'));
      const result: AdminCreateInviteResult = await invites.create(body, adminId);
      return { status: 200, body: result };
    },
  });
}

/** `POST /api/admin/invites/revoke` with `{ "id": n }`: the invite admits nobody from then on. */
export function adminRevokeInviteRoute(accounts: Accounts, invites: Invites, logger: Logger) {
  return adminRoute(accounts, logger, {
    POST: async (req, adminId) => {
      const body = await readJson(req, MAX_BODY);
      if (!checkRevoke.Check(body)) throw new WarblerError('invalid_body', describeFailure(checkRevoke, body, 'body'));
      return { status: 200, body: { invite: await invites.revoke(body.id, adminId) } };
    },
  });
}
