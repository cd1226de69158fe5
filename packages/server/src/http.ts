import type { IncomingMessage } from 'node:http';
import type { TObject, TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { errorBody, type ApiScope } from '@warbler/protocol';
import { describeFailure } from '@warbler/protocol/schemas';
import Fastify, { type FastifyInstance } from 'fastify';
import { parseJson } from './api/http-json.js';
import { queryValidator } from './api/query.js';
import { WarblerError } from './errors.js';
import { clientError, errorFor, sendErrorBody } from './http-errors.js';
import type { HttpRoute } from './http-route.js';
import type { Logger } from './logger.js';
import type { ApiKeyInfo } from './services/api-keys.js';

/** The admin API's path prefix. */
export const ADMIN_PREFIX = '/api/admin/';

/** Body limit of a route that does not set its own. */
const DEFAULT_BODY_LIMIT = 64 * 1024;
/** Every method a request may name that the router knows (others are 404 `not_found`). */
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const;

declare module 'fastify' {
  interface FastifyRequest {
    /** The API key of a route with a scope, once checked. */
    apiKey: ApiKeyInfo | null;
  }
}

/** What one listener serves, and what its routes need. */
export interface HttpListener {
  routes: readonly HttpRoute[];
  /** True while the server stops: every answer closes its connection, and the admin API answers 503. */
  draining: () => boolean;
  /** Checks the request's API key for a route's scope (throws 401/403); see api/admin.ts `authorize`. */
  authorize: (req: IncomingMessage, scope: ApiScope) => Promise<ApiKeyInfo>;
  logger: Logger;
  /** How long an idle keep-alive connection stays open (`server.keepAliveTimeoutMs`). */
  keepAliveTimeoutMs: number;
}

/**
 * The router of one listener (Fastify): `routes`, and for everything else the registry's error body
 * `{ "error": { code, status, message } }` with its status: 404 `not_found` for a path it does not
 * serve (so a listener without `/metrics` or the admin API does not tell they exist elsewhere), 405
 * `method_not_allowed` with `Allow` for a method a path does not take, 413/400 for bodies, 401/403 for
 * keys, 500 `internal` for a bug (logged). Nothing but the WebSocket upgrade bypasses it; the gateway
 * attaches to `app.server`'s `upgrade` event and keeps its own path.
 */
export async function createHttp(l: HttpListener): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    keepAliveTimeout: l.keepAliveTimeoutMs,
    bodyLimit: DEFAULT_BODY_LIMIT,
    clientErrorHandler: clientError,
    // A path with bad percent-encoding never reaches a route: the same body, from here.
    frameworkErrors: (err, _req, reply) => sendErrorBody(reply, errorFor(err, DEFAULT_BODY_LIMIT).body),
    return503OnClosing: false,
    routerOptions: { maxParamLength: 1000 },
  });
  app.decorateRequest('apiKey', null);
  const servesAdmin = l.routes.some((r) => r.url.startsWith(ADMIN_PREFIX));
  app.addHook('onRequest', async (req, reply) => {
    reply.header('cache-control', 'no-store');
    if (!l.draining()) return;
    // While draining, no keep-alive: the listener closes when the stop ends.
    reply.header('connection', 'close');
    // The store is about to close: API requests are refused, the probes and /metrics still answer.
    const path = req.url.split('?')[0]!;
    if (servesAdmin && (path.startsWith(ADMIN_PREFIX) || path === ADMIN_PREFIX.slice(0, -1)))
      throw new WarblerError('unavailable', 'the server is shutting down');
  });
  // Bodies are JSON whatever their content type says (scripts send text/plain and form types too).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (req, text, done) => {
    if (!req.routeOptions.schema?.body) return done(null, undefined);
    try {
      done(null, parseJson(text as string));
    } catch (e) {
      done(e as Error, undefined);
    }
  });
  app.setValidatorCompiler(({ schema, httpPart }) => {
    if (httpPart === 'querystring') return queryValidator(schema as TObject);
    const check = TypeCompiler.Compile(schema as TSchema);
    const code = httpPart === 'body' ? 'invalid_body' : 'invalid_parameter';
    return (value: unknown) =>
      check.Check(value) ? { value } : { error: new WarblerError(code, describeFailure(check, value, httpPart ?? 'request')) };
  });
  app.setErrorHandler((err, req, reply) => {
    const { body, bug } = errorFor(err, req.routeOptions.bodyLimit ?? DEFAULT_BODY_LIMIT);
    if (bug) l.logger.error('HTTP request failed', { method: req.method, path: req.url.split('?')[0], err });
    return sendErrorBody(reply, body);
  });
  app.setNotFoundHandler((_req, reply) => sendErrorBody(reply, errorBody('not_found')));
  for (const r of l.routes) addRoute(app, r, l);
  addMethodNotAllowed(app, l.routes);
  await app.ready();
  return app;
}

function addRoute(app: FastifyInstance, r: HttpRoute, l: HttpListener): void {
  const scope = r.scope;
  app.route({
    method: r.method,
    url: r.url,
    exposeHeadRoute: r.method === 'GET' && r.head !== false,
    ...(r.bodyLimit === undefined ? {} : { bodyLimit: r.bodyLimit }),
    schema: {
      ...(r.params ? { params: r.params } : {}),
      ...(r.query ? { querystring: r.query } : {}),
      ...(r.body ? { body: r.body } : {}),
    },
    ...(scope
      ? {
          onRequest: async (req) => {
            req.apiKey = await l.authorize(req.raw, scope);
          },
        }
      : {}),
    handler: (req, reply) => r.handle(req, reply),
  });
}

/** For each path, the methods it does not take answer 405 with `Allow`, before any key is checked. */
function addMethodNotAllowed(app: FastifyInstance, routes: readonly HttpRoute[]): void {
  const byUrl = new Map<string, string[]>();
  for (const r of routes) {
    const list = byUrl.get(r.url) ?? [];
    list.push(r.method);
    if (r.method === 'GET' && r.head !== false) list.push('HEAD');
    byUrl.set(r.url, list);
  }
  for (const [url, allowed] of byUrl) {
    const others = METHODS.filter((m) => !allowed.includes(m));
    const named = allowed.filter((m) => m !== 'HEAD');
    app.route({
      method: others,
      url,
      handler: async (_req, reply) => {
        reply.header('allow', allowed.join(', '));
        throw new WarblerError('method_not_allowed', `use ${named.join(' or ')}`);
      },
    });
  }
}
