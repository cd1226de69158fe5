import { Type, type Static, type TObject, type TSchema } from '@sinclair/typebox';
import type { ApiScope } from '@warbler/protocol';
import type { HttpMethod } from '../http-route.js';
import type { Logger } from '../logger.js';
import type { Accounts } from '../services/accounts.js';
import type { ApiKeyInfo, ApiKeys } from '../services/api-keys.js';
import type { Audit } from '../services/audit.js';
import type { Invites } from '../services/invites.js';
import type { Operator, UserAdmin } from '../services/user-admin.js';

/** What the admin routes work with. */
export interface AdminDeps {
  keys: ApiKeys;
  users: UserAdmin;
  accounts: Accounts;
  invites: Invites;
  audit: Audit;
  logger: Logger;
}

/** One admin request, authorized and checked against the route's schemas: what a handler gets. */
export interface AdminCall<P = Record<string, string>, Q = Record<string, unknown>, B = unknown> {
  params: P;
  query: Q;
  body: B;
  key: ApiKeyInfo;
  /** The key and the client address, for the audit log. */
  by: Operator;
  deps: AdminDeps;
}

/** An admin route: method, path, the scope it needs, the schemas of what it takes and answers. */
export interface AdminRoute<P extends TObject = TObject, Q extends TObject = TObject, B extends TSchema = TSchema> {
  method: HttpMethod;
  /** Under /api/admin/, in Fastify's syntax (`/api/admin/users/:user/disable`). */
  url: string;
  summary: string;
  scope: ApiScope;
  params?: P;
  /** The query parameters it takes (none when absent: any is `invalid_parameter`). */
  query?: Q;
  body?: B;
  bodyLimit?: number;
  /** The schema of its 200 answer. */
  response: TSchema;
  /** Answers 200 with the JSON it returns, or throws a WarblerError. */
  handle(call: AdminCall<Static<P>, Static<Q>, Static<B>>): Promise<unknown>;
}

/** Types an admin route by its schemas (the table holds them erased). */
export function adminRoute<P extends TObject, Q extends TObject, B extends TSchema>(r: AdminRoute<P, Q, B>): AdminRoute {
  return r as unknown as AdminRoute;
}

/** `{user}`: an id or a username. */
export const UserParam = Type.Object({ user: Type.String({ description: 'a user id (digits) or a username' }) });
