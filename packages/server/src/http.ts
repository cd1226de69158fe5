import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendError, sendJson } from './api/http-json.js';
import { WarblerError } from './errors.js';
import type { Metrics } from './metrics.js';
import type { Store } from './store/store.js';

/** A route that handles its own methods, e.g. the admin API. */
export type Route = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/** The admin API's path prefix. */
export const ADMIN_PREFIX = '/api/admin/';

/** What one listener serves besides health: the public one and the admin one differ (docs/deploy.md). */
export interface HttpRoutes {
  store: Store;
  draining: () => boolean;
  /** `/metrics`, when this listener serves it. */
  metrics?: Route | undefined;
  /** Everything under `/api/admin/`, when this listener serves it. */
  admin?: Route | undefined;
  /** The text at `/`, when this listener shows one. */
  banner?: string | undefined;
}

/**
 * The plain HTTP routes of one listener: liveness, readiness, and what `routes` gives. Every other path
 * is 404 `not_found`, so a listener that does not serve `/metrics` or the admin API does not tell that
 * they exist elsewhere. Errors have the registry's body `{ "error": { code, status, message } }`.
 */
export function httpHandler(routes: HttpRoutes) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    // While draining, no keep-alive: the listener closes when the stop ends.
    if (routes.draining()) res.setHeader('connection', 'close');
    if (routes.admin && (path.startsWith(ADMIN_PREFIX) || path === ADMIN_PREFIX.slice(0, -1))) {
      // While draining the store is about to close: API requests are refused, the probes still answer.
      if (routes.draining()) return sendError(res, 'unavailable', 'the server is shutting down');
      return void routes.admin(req, res);
    }
    if (path === '/metrics' && routes.metrics) return void routes.metrics(req, res);
    if (path !== '/healthz' && path !== '/readyz' && !(path === '/' && routes.banner !== undefined)) return sendError(res, 'not_found');
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendError(res, 'method_not_allowed', 'use GET');
    if (path === '/healthz') return sendJson(res, 200, { status: 'ok' });
    if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
      return void res.end(routes.banner);
    }
    void routes.store.ready().then((ok) => {
      const ready = ok && !routes.draining();
      sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : routes.draining() ? 'draining' : 'store unavailable' });
    });
  };
}

/** `GET /metrics`: Prometheus text; with `gate`, only for a request the gate lets through (an API key with `metrics:read`). */
export function metricsRoute(metrics: Metrics, gate?: (req: IncomingMessage) => Promise<unknown>): Route {
  return async (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendError(res, 'method_not_allowed', 'use GET');
    try {
      await gate?.(req);
    } catch (e) {
      return sendError(res, e instanceof WarblerError ? e.code : 'internal', e instanceof WarblerError ? e.detail : undefined);
    }
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'cache-control': 'no-store' });
    res.end(metrics.render());
  };
}
