import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Metrics } from './metrics.js';
import type { Store } from './store/store.js';

/** The plain HTTP routes: liveness, readiness, metrics. */
export function httpHandler(deps: { store: Store; metrics: Metrics; draining: () => boolean }) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '/').split('?')[0];
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
