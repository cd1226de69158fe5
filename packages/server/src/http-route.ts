import type { TObject, TSchema } from '@sinclair/typebox';
import type { ApiScope } from '@warbler/protocol';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** The methods Warbler's routes take. */
export type HttpMethod = 'GET' | 'POST' | 'DELETE';

/**
 * One HTTP route: what the router registers and the OpenAPI document describes, from the same object.
 * `params`, `query` and `body` are checked before `handle` runs (400 `invalid_parameter` /
 * `invalid_body`, with the failing field named); `responses` document what it answers (JSON unless
 * `produces` says otherwise). With `scope`, a request needs an API key with that scope (401/403), checked
 * before its body is read.
 */
export interface HttpRoute {
  method: HttpMethod;
  /** Fastify's path syntax: `/api/admin/users/:user/disable`. */
  url: string;
  summary: string;
  tag: 'health' | 'metrics' | 'admin' | 'web';
  scope?: ApiScope | undefined;
  params?: TObject;
  query?: TObject;
  body?: TSchema;
  /** Most bytes of the body (413 `request_too_large` beyond). */
  bodyLimit?: number;
  /** The answers besides the error body, by status. */
  responses: Record<number, TSchema>;
  produces?: 'application/json' | 'text/plain' | 'text/html';
  /** GET routes answer HEAD too, unless false. */
  head?: boolean;
  /** Answers with what it returns (JSON), or through `reply`; throws a WarblerError to refuse. */
  handle(req: FastifyRequest, reply: FastifyReply): Promise<unknown>;
}
