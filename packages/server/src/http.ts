import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Metrics } from './metrics.js';
import type { Store } from './store/store.js';

/** A route that handles its own methods, e.g. the admin API. */
export type Route = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/** The plain HTTP routes: liveness, readiness, metrics, and the API routes given. */
export function httpHandler(deps: { store: Store; metrics: Metrics; draining: () => boolean; routes: Record<string, Route> }) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const route = deps.routes[path];
    if (route) return void route(req, res);
    const send = (status: number, type: string, body: string) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
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
