import { readFileSync } from 'node:fs';
import { Type, type TObject, type TSchema } from '@sinclair/typebox';
import { ErrorResponse } from './http-errors.js';
import type { HttpRoute } from './http-route.js';

/** Where a listener that serves the admin API serves the OpenAPI document of its routes. */
export const OPENAPI_PATH = '/api/admin/openapi.json';

type Json = Record<string, unknown>;

/** A TypeBox schema as plain JSON Schema (TypeBox's symbol keys dropped). */
const plain = (s: TSchema): Json => JSON.parse(JSON.stringify(s)) as Json;

const ERROR_REF = { $ref: '#/components/schemas/Error' };
const errorResponse = (description: string): Json => ({ description, content: { 'application/json': { schema: ERROR_REF } } });

/** The server package's version, for `info.version`. */
function serverVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function parameters(where: 'path' | 'query', schema: TObject | undefined): Json[] {
  if (!schema) return [];
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties).map(([name, s]) => {
    const { description, ...rest } = plain(s);
    return {
      name,
      in: where,
      required: where === 'path' || required.has(name),
      ...(description === undefined ? {} : { description }),
      schema: rest,
    };
  });
}

/** The error statuses a route documents besides `default` (any other error, e.g. 404 `user_not_found`). */
function errorResponses(r: HttpRoute): Json {
  const out: Json = {};
  if (r.params || r.query || r.body) out[400] = errorResponse('`invalid_parameter` or `invalid_body` (the message names the field)');
  if (r.scope) {
    out[401] = errorResponse('`unauthorized` (no key) or `api_key_invalid`');
    out[403] = errorResponse(`\`scope_missing\`: the key lacks \`${r.scope}\``);
  }
  out[405] = errorResponse('`method_not_allowed` (the `Allow` header lists the methods the path takes)');
  if (r.body) out[413] = errorResponse('`request_too_large`');
  if (r.tag === 'admin') out[503] = errorResponse('`unavailable`: the server is shutting down');
  out.default = errorResponse('Any other error of the registry (docs/protocol.md#error-codes), with its status');
  return out;
}

function operation(r: HttpRoute): Json {
  const produces = r.produces ?? 'application/json';
  const responses: Json = {};
  for (const [status, schema] of Object.entries(r.responses)) {
    const { description, ...rest } = plain(schema);
    responses[status] = { description: typeof description === 'string' ? description : 'OK', content: { [produces]: { schema: rest } } };
  }
  return {
    operationId: `${r.method.toLowerCase()}${r.url.replace(/[^a-zA-Z0-9]+/g, '_')}`.replace(/_$/, ''),
    summary: r.summary,
    tags: [r.tag],
    parameters: [...parameters('path', r.params), ...parameters('query', r.query)],
    ...(r.body ? { requestBody: { required: true, content: { 'application/json': { schema: plain(r.body) } } } } : {}),
    responses: { ...responses, ...errorResponses(r) },
    security: r.scope ? [{ apiKey: [] }] : [],
    ...(r.scope ? { 'x-warbler-scope': r.scope } : {}),
  };
}

/**
 * The OpenAPI 3.1 document of `routes`, generated from the schemas the router validates with: path and
 * query parameters, bodies, answers, the one error body, and the API key a route needs (its scope in
 * the summary's `x-warbler-scope` and in the 403 answer).
 */
export function openApiDocument(routes: readonly HttpRoute[]): Json {
  const paths: Record<string, Json> = {};
  for (const r of routes) {
    const path = r.url.replace(/:(\w+)/g, '{$1}');
    (paths[path] ??= {})[r.method.toLowerCase()] = operation(r);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Warbler HTTP API',
      version: serverVersion(),
      description: 'Health, metrics and the admin API (docs/admin-api.md). The chat protocol is a WebSocket at /ws (docs/protocol.md).',
    },
    tags: [
      { name: 'health', description: 'Liveness and readiness probes' },
      { name: 'metrics', description: 'Prometheus metrics' },
      { name: 'admin', description: 'The admin API; every route needs an API key with its scope' },
      { name: 'web', description: 'The web chat app (packages/web), when it is built' },
    ],
    components: {
      schemas: { Error: plain(ErrorResponse) },
      securitySchemes: {
        apiKey: {
          type: 'http',
          scheme: 'bearer',
          description: 'An API key from `warbler apikey create` (docs/admin-api.md#authentication)',
        },
      },
    },
    paths,
  };
}

/** `GET /api/admin/openapi.json`: the document of `routes` (this route among them), made once. */
export function openApiRoute(routes: readonly HttpRoute[]): HttpRoute {
  let doc: Json | undefined;
  return {
    method: 'GET',
    url: OPENAPI_PATH,
    tag: 'admin',
    summary: 'This document: the OpenAPI 3.1 description of the routes of this listener.',
    query: Type.Object({}),
    responses: { 200: Type.Object({}, { description: 'An OpenAPI 3.1 document', additionalProperties: true }) },
    handle: async () => (doc ??= openApiDocument(routes)),
  };
}
