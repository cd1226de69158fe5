import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { test, type TestContext } from 'node:test';
import { Value } from '@sinclair/typebox/value';
import { API_SCOPES, ERRORS, isErrorCode, type ApiScope } from '@warbler/protocol';
import { ErrorResponse } from '../src/http-errors.js';
import { apiKey, startTestServer, type TestServer } from './helpers.js';

interface Operation {
  'x-warbler-scope'?: string;
  parameters: { name: string; in: 'path' | 'query' }[];
  requestBody?: unknown;
}
type Doc = { paths: Record<string, Record<string, Operation>> };

/**
 * Asserts the one error body: `{ "error": { code, status, message } }` and nothing else, JSON, a code of
 * the registry whose status is the response's; returns the code.
 */
async function errorOf(r: Response, what: string): Promise<string> {
  assert.match(r.headers.get('content-type') ?? '', /^application\/json/, `${what}: JSON`);
  const body = (await r.json()) as { error: { code: string; status: number; message: string } };
  assert.ok(Value.Check(ErrorResponse, body), `${what}: the registry body, got ${JSON.stringify(body)}`);
  assert.deepEqual(Object.keys(body), ['error'], what);
  assert.deepEqual(Object.keys(body.error).sort(), ['code', 'message', 'status'], what);
  assert.ok(isErrorCode(body.error.code), `${what}: ${body.error.code} is a registry code`);
  assert.equal(body.error.status, r.status, `${what}: the body's status is the response's`);
  assert.equal(ERRORS[body.error.code as keyof typeof ERRORS].status, r.status, `${what}: the registry's status for ${body.error.code}`);
  assert.ok(body.error.message.length > 0, what);
  return body.error.code;
}

async function doc(base: string): Promise<Doc> {
  const r = await fetch(`${base}/api/admin/openapi.json`);
  assert.equal(r.status, 200);
  return (await r.json()) as Doc;
}

/** The concrete URL of a documented path: each `{param}` becomes `1`. */
const concrete = (path: string): string => path.replace(/\{[^}]+\}/g, '1');

/** Every documented route of the listener at `base` refuses wrong methods, keys, parameters and bodies with the one body. */
async function checkEveryRoute(s: TestServer, base: string): Promise<number> {
  const { paths } = await doc(base);
  const everyScope = await apiKey(s, ...API_SCOPES);
  /** A key with every scope but `scope`. */
  const allBut = (scope: ApiScope) => apiKey(s, ...API_SCOPES.filter((x) => x !== scope));
  let checked = 0;
  for (const [path, ops] of Object.entries(paths)) {
    const url = `${base}${concrete(path)}`;
    const methods = Object.keys(ops).map((m) => m.toUpperCase());
    for (const method of ['PUT', 'PATCH', 'DELETE', 'POST', 'GET'].filter((m) => !methods.includes(m))) {
      const r = await fetch(url, { method });
      assert.equal(r.status, 405, `${method} ${path}`);
      assert.equal(await errorOf(r, `${method} ${path}`), 'method_not_allowed');
      assert.ok(r.headers.get('allow')?.includes(methods[0]!), `${method} ${path}: Allow names ${methods.join(', ')}`);
    }
    for (const [m, op] of Object.entries(ops)) {
      const method = m.toUpperCase();
      const what = `${method} ${path}`;
      const send = (init: { key?: string; query?: string; body?: string; headers?: Record<string, string> } = {}) =>
        fetch(`${url}${init.query ?? ''}`, {
          method,
          headers: { ...(init.key ? { authorization: `Bearer ${init.key}` } : {}), ...init.headers },
          ...(init.body === undefined ? {} : { body: init.body }),
        });
      const scope = op['x-warbler-scope'] as ApiScope | undefined;
      const key = scope ? everyScope : undefined;
      if (scope) {
        const noScope = await allBut(scope);
        assert.equal(await errorOf(await send(), `${what} without a key`), 'unauthorized');
        assert.equal(await errorOf(await send({ key: 'wbk_made-up' }), `${what} with a made-up key`), 'api_key_invalid');
        assert.equal(await errorOf(await send({ key: noScope }), `${what} with a key without its scope`), 'scope_missing');
      }
      const takesQuery = op.parameters.some((p) => p.in === 'query');
      if (takesQuery || path.startsWith('/api/admin/')) {
        // Admin routes refuse a parameter they do not take; health and metrics ignore query strings (probes add them).
        const bad = await send({ key, query: '?nonsense=1' });
        if (method !== 'POST' || !op.requestBody) assert.equal(await errorOf(bad, `${what}?nonsense=1`), 'invalid_parameter');
        else await bad.body?.cancel();
      }
      for (const p of op.parameters.filter((q) => q.in === 'query')) {
        const r = await send({ key, query: `?${p.name}=1&${p.name}=2` });
        assert.equal(await errorOf(r, `${what} with ${p.name} twice`), 'invalid_parameter');
      }
      if (op.requestBody) {
        const headers = { 'content-type': 'application/json' };
        assert.equal(await errorOf(await send({ key, body: '{not json', headers }), `${what}: malformed JSON`), 'invalid_body');
        assert.equal(await errorOf(await send({ key, body: '[]', headers }), `${what}: the wrong shape`), 'invalid_body');
        assert.equal(await errorOf(await send({ key, headers }), `${what}: no body`), 'invalid_body');
        const big = `{"x":"${'x'.repeat(2 * 1024 * 1024)}"}`;
        assert.equal(await errorOf(await send({ key, body: big, headers }), `${what}: oversized`), 'request_too_large');
        const lone = await send({ key, body: '{"users":[{"username":"a\\ud800"}],"id":1}', headers });
        assert.equal(await errorOf(lone, `${what}: a lone surrogate`), 'invalid_body');
      }
      checked++;
    }
  }
  return checked;
}

test('every route of the admin listener answers every refusal in the one error body: methods, keys, scopes, parameters, bodies', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const checked = await checkEveryRoute(s, s.adminUrl!);
  assert.ok(checked >= 13, `checked ${checked} routes`);
});

test('the public port with admin.publicPaths "all": the same body on every route, /metrics to a metrics:read key', async (t) => {
  const s = await startTestServer({ admin: { publicPaths: 'all' } });
  t.after(() => s.close());
  const checked = await checkEveryRoute(s, s.url);
  assert.ok(checked >= 14, `checked ${checked} routes`);
  assert.equal(await errorOf(await fetch(`${s.url}/metrics`), '/metrics without a key'), 'unauthorized');
});

test('unknown paths and methods, bad percent-encoding, malformed HTTP and oversized headers get the same body, on both listeners', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  for (const base of [s.url, s.adminUrl!]) {
    for (const [method, path] of [
      ['GET', '/nope'],
      ['POST', '/nope'],
      ['DELETE', '/api/admin/nope'],
      ['OPTIONS', '/nope'],
      ['GET', '/healthz/'],
      ['GET', '/api/admin'],
    ] as const) {
      const r = await fetch(`${base}${path}`, { method, ...(method === 'POST' ? { body: '{}' } : {}) });
      assert.equal(r.status, 404, `${method} ${path}`);
      assert.equal(await errorOf(r, `${base} ${method} ${path}`), 'not_found');
    }
  }
  const key = await apiKey(s, 'users:write');
  const badUrl = await fetch(`${s.adminUrl}/api/admin/users/%E0%A4%A/disable`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}` },
  });
  assert.equal(await errorOf(badUrl, 'bad percent-encoding'), 'invalid_parameter');

  for (const port of [s.port, Number(new URL(s.adminUrl!).port)]) {
    const garbage = await raw(t, port, 'NOT HTTP AT ALL\r\n\r\n');
    assert.match(garbage, /^HTTP\/1\.1 400 /);
    assert.equal(JSON.parse(garbage.slice(garbage.indexOf('\r\n\r\n') + 4)).error.code, 'invalid_body');
    const huge = await raw(t, port, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20000)}\r\n\r\n`);
    assert.match(huge, /^HTTP\/1\.1 413 /);
    assert.equal(JSON.parse(huge.slice(huge.indexOf('\r\n\r\n') + 4)).error.code, 'request_too_large');
  }
});

/** Sends `bytes` on a connection of its own; resolves with everything the server sent before closing it. */
async function raw(t: TestContext, port: number, bytes: string): Promise<string> {
  const sock = connect(port, '127.0.0.1');
  t.after(() => sock.destroy());
  let got = '';
  sock.on('data', (d: Buffer) => (got += d.toString('utf8')));
  const ended = new Promise<void>((resolve) => sock.once('close', () => resolve()));
  sock.write(bytes);
  await ended;
  return got;
}
