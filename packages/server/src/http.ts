import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorBody } from '@warbler/protocol';
import type { Metrics } from './metrics.js';
import type { Store } from './store/store.js';

/** A route that handles its own methods, e.g. the admin API. */
export type Route = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/** The plain HTTP routes: liveness, readiness, metrics, and the API routes given. */
export function httpHandler(deps: { store: Store; metrics: Metrics; draining: () => boolean; routes: Record<string, Route> }) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const send = (status: number, type: string, body: string) => {
      // While draining, no keep-alive: the listener closes when the stop ends.
      if (deps.draining()) res.setHeader('connection', 'close');
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    // Own keys only: the path is the client's, and a plain object has `constructor` and friends.
    const route = Object.hasOwn(deps.routes, path) ? deps.routes[path] : undefined;
    if (route) {
      // While draining the store is about to close: API requests are refused, the probes below still answer.
      if (deps.draining()) return send(503, 'application/json', JSON.stringify({ error: errorBody('unavailable') }));
      return void route(req, res);
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'application/json', '{"error":"method_not_allowed"}');
    switch (path) {
      case '/healthz':
        return send(200, 'application/json', '{"status":"ok"}');
      case '/readyz':
        void deps.store.ready().then((ok) => {
          const ready = ok && !deps.draining();
          send(
            ready ? 200 : 503,
            'application/json',
            JSON.stringify({ status: ready ? 'ready' : deps.draining() ? 'draining' : 'store unavailable' }),
          );
        });
        return;
      case '/metrics':
        return send(200, 'text/plain; version=0.0.4; charset=utf-8', deps.metrics.render());
      case '/':
        return send(200, 'text/plain; charset=utf-8', 'Warbler server. WebSocket endpoint: /ws. See docs/protocol.md.\n');
      default:
        return send(404, 'application/json', '{"error":"not_found"}');
    }
  };
}
