import type { IncomingMessage, ServerResponse } from 'node:http';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { ADMIN_MAX_USERS, AdminCreateUsersBody, describeFailure, type AdminCreateUsersResult } from '@warbler/protocol';
import { WarblerError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Accounts } from '../services/accounts.js';
import { bearerToken, readJson, sendError, sendJson } from './http-json.js';

const checkCreateUsers = TypeCompiler.Compile(AdminCreateUsersBody);
const MAX_BODY = 1024 * 1024;

/** `POST /api/admin/users`: bulk account creation for an admin (docs/admin-api.md). */
export function adminUsersRoute(accounts: Accounts, logger: Logger) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      if (req.method !== 'POST') return sendJson(res, 405, { error: { code: 'method_not_allowed', status: 405, message: 'use POST' } });
      const admin = await accounts.adminByToken(bearerToken(req));
      const body = await readJson(req, MAX_BODY);
      if (!checkCreateUsers.Check(body)) throw new WarblerError('invalid_body', describeFailure(checkCreateUsers, body, 'body'));
      if (body.users.length > ADMIN_MAX_USERS) throw new WarblerError('request_too_large', `at most ${ADMIN_MAX_USERS} users per request`);
      const users = await accounts.createUsers(body.users, { issueTokens: body.issueTokens ?? false, device: body.device });
      logger.info('admin created users', { admin: admin.username, count: users.length });
      const result: AdminCreateUsersResult = { users };
      sendJson(res, 200, result);
    } catch (e) {
      if (e instanceof WarblerError) return sendError(res, e.code, e.detail);
      logger.error('admin request failed', { err: e });
      sendError(res, 'internal');
    }
  };
}
