import { Type } from '@sinclair/typebox';
import type { ApiScope } from '@warbler/protocol';
import type { HttpRoute } from './http-route.js';
import type { Metrics } from './metrics.js';
import type { Store } from './store/store.js';

const Status = (values: string[], description: string) =>
  Type.Object({ status: Type.Union(values.map((v) => Type.Literal(v))) }, { description });

/** `GET /healthz` (liveness: 200 while the process runs) and `GET /readyz` (readiness: 503 while stopping or without a store). */
export function healthRoutes(store: Store, draining: () => boolean): HttpRoute[] {
  return [
    {
      method: 'GET',
      url: '/healthz',
      tag: 'health',
      summary: 'Liveness: 200 while the process runs, also while it shuts down.',
      responses: { 200: Status(['ok'], 'The process runs.') },
      handle: async () => ({ status: 'ok' }),
    },
    {
      method: 'GET',
      url: '/readyz',
      tag: 'health',
      summary: 'Readiness: 200 when the store answers and the server is not shutting down.',
      responses: {
        200: Status(['ready'], 'Ready for traffic.'),
        503: Status(['draining', 'store unavailable'], 'Shutting down, or the store does not answer.'),
      },
      handle: async (_req, reply) => {
        const ok = await store.ready();
        const ready = ok && !draining();
        reply.code(ready ? 200 : 503);
        return { status: ready ? 'ready' : draining() ? 'draining' : 'store unavailable' };
      },
    },
  ];
}

/** `GET /`: a line of text saying what this port is. */
export function bannerRoute(text: string): HttpRoute {
  return {
    method: 'GET',
    url: '/',
    tag: 'health',
    summary: 'What this port is.',
    produces: 'text/plain',
    responses: { 200: Type.String() },
    handle: async (_req, reply) => reply.type('text/plain; charset=utf-8').send(text),
  };
}

/** `GET /metrics`: Prometheus text; with `scope`, only to an API key with it (`metrics:read`). */
export function metricsRoute(metrics: Metrics, scope?: ApiScope): HttpRoute {
  return {
    method: 'GET',
    url: '/metrics',
    tag: 'metrics',
    summary: 'Prometheus text exposition of the server’s and the process’s metrics (docs/deploy.md#health-and-monitoring).',
    scope,
    produces: 'text/plain',
    responses: { 200: Type.String({ description: 'Prometheus text format 0.0.4' }) },
    handle: async (_req, reply) => reply.type(metrics.contentType).send(await metrics.render()),
  };
}
