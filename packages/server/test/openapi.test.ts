import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Validator } from '@seriousme/openapi-schema-validator';
import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import {
  AuditResult,
  CreateInviteResult,
  CreateUsersResult,
  DeletedResult,
  InviteResult,
  ListInvitesResult,
  ListUsersResult,
  UserResult,
} from '../src/api/admin-schemas.js';
import { adminFetch, apiKey, startTestServer, uniqueName } from './helpers.js';

// Compiled to packages/server/dist/test/, four levels below the repository root.
const ADMIN_DOC = readFileSync(fileURLToPath(new URL('../../../../docs/admin-api.md', import.meta.url)), 'utf8');

interface Operation {
  summary: string;
  parameters: { name: string; in: string; required: boolean; schema: Record<string, unknown> }[];
  requestBody?: { content: Record<string, { schema: Record<string, unknown> }> };
  responses: Record<string, { content?: Record<string, { schema: Record<string, unknown> }> }>;
  security: unknown[];
  'x-warbler-scope'?: string;
}
interface Doc {
  openapi: string;
  info: { version: string };
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: { Error: unknown } };
}

/** `METHOD /path` of each row of docs/admin-api.md's route table, `{user}` as written there. */
function documentedAdminRoutes(): string[] {
  const lines = ADMIN_DOC.split('\n');
  const at = lines.findIndex((l) => l.startsWith('| method and path |'));
  const out: string[] = [];
  for (const line of lines.slice(at + 2)) {
    const m = /^\| `(GET|POST|DELETE) ([^`]+)` \|/.exec(line);
    if (!m) break;
    out.push(`${m[1]} ${m[2]}`);
  }
  return out;
}

test('GET /api/admin/openapi.json is a valid OpenAPI 3.1 document of every route of the admin listener, with its schemas', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const r = await fetch(`${s.adminUrl}/api/admin/openapi.json`);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type') ?? '', /^application\/json/);
  const doc = (await r.json()) as Doc;
  assert.match(doc.openapi, /^3\.1\./);
  const result = await new Validator().validate(doc as unknown as Record<string, unknown>);
  assert.equal(result.valid, true, JSON.stringify(result.errors, null, 1));

  const ops = Object.entries(doc.paths).flatMap(([path, byMethod]) => Object.keys(byMethod).map((m) => `${m.toUpperCase()} ${path}`));
  const expected = ['GET /healthz', 'GET /readyz', 'GET /metrics', ...documentedAdminRoutes(), 'GET /api/admin/openapi.json'];
  assert.ok(documentedAdminRoutes().length >= 9, 'the route table of docs/admin-api.md was read');
  assert.deepEqual([...ops].sort(), [...expected].sort(), 'the document, docs/admin-api.md and the router list the same routes');

  for (const [path, byMethod] of Object.entries(doc.paths))
    for (const [method, op] of Object.entries(byMethod)) {
      const what = `${method} ${path}`;
      assert.ok(op.summary, `${what} has a summary`);
      const ok = Object.values(op.responses['200']?.content ?? {})[0];
      assert.ok(ok?.schema, `${what} documents its 200 answer`);
      assert.deepEqual(op.responses.default?.content?.['application/json']?.schema, { $ref: '#/components/schemas/Error' }, what);
      for (const name of path.match(/\{(\w+)\}/g) ?? [])
        assert.ok(
          op.parameters.some((p) => p.in === 'path' && `{${p.name}}` === name && p.required),
          `${what} documents ${name}`,
        );
      if (path.startsWith('/api/admin/') && path !== '/api/admin/openapi.json') {
        assert.ok(op['x-warbler-scope'], `${what} names its scope`);
        assert.deepEqual(op.security, [{ apiKey: [] }], `${what} needs an API key`);
        assert.ok(op.responses['401'] && op.responses['403'], `${what} documents 401 and 403`);
      } else assert.deepEqual(op.security, [], `${what} needs no key here`);
    }
  const users = doc.paths['/api/admin/users']!;
  assert.deepEqual(users.get!.parameters.map((p) => `${p.in}:${p.name}:${String(p.schema.type)}`).sort(), [
    'query:after:integer',
    'query:limit:integer',
  ]);
  assert.deepEqual(users.get!.parameters.find((p) => p.name === 'limit')!.schema, { minimum: 1, maximum: 1000, type: 'integer' });
  assert.deepEqual((users.post!.requestBody!.content['application/json']!.schema.required as string[]).sort(), ['users']);
  assert.equal(users.post!['x-warbler-scope'], 'users:write');
  assert.ok(users.post!.responses['413'], 'a body route documents 413');
  assert.deepEqual(
    doc.paths['/api/admin/audit']!.get!.parameters.map((p) => p.name),
    ['user', 'event', 'since', 'until', 'before', 'limit'],
  );
});

test('the admin API’s real answers match the schemas the OpenAPI document gives them', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const key = await apiKey(s, 'users:read', 'users:write', 'audit:read', 'invites:write');
  const check = async (schema: TSchema, path: string, opts: { method?: string; body?: unknown } = {}) => {
    const r = await adminFetch(s, path, { key, ...opts });
    assert.equal(r.status, 200, `${path}: ${JSON.stringify(r.body)}`);
    const errors = [...Value.Errors(schema, r.body)].map((e) => `${e.path}: ${e.message}`);
    assert.deepEqual(errors, [], `${opts.method ?? 'GET'} ${path} answers what its schema says`);
    return r.body;
  };
  const name = uniqueName('doc');
  const made = (await check(CreateUsersResult, '/api/admin/users', {
    method: 'POST',
    body: { users: [{ username: name }, { username: uniqueName('doc') }], issueTokens: true },
  })) as { users: { id: number }[] };
  await check(ListUsersResult, '/api/admin/users?limit=1');
  await check(UserResult, `/api/admin/users/${name}/disable`, { method: 'POST' });
  await check(UserResult, `/api/admin/users/${name}/enable`, { method: 'POST' });
  await check(DeletedResult, `/api/admin/users/${made.users[1]!.id}`, { method: 'DELETE' });
  const invite = (await check(CreateInviteResult, '/api/admin/invites', { method: 'POST', body: { uses: 2, note: 'doc' } })) as {
    invite: { id: number };
  };
  await check(ListInvitesResult, '/api/admin/invites');
  await check(InviteResult, '/api/admin/invites/revoke', { method: 'POST', body: { id: invite.invite.id } });
  const audit = (await check(AuditResult, '/api/admin/audit?limit=50')) as { entries: unknown[] };
  assert.ok(audit.entries.length > 3, 'the audit page had entries to check');
});

test('with admin.publicPaths "all" the public port serves the document of its own routes; otherwise it has none', async (t) => {
  const all = await startTestServer({ admin: { publicPaths: 'all' } });
  t.after(() => all.close());
  const doc = (await (await fetch(`${all.url}/api/admin/openapi.json`)).json()) as Doc;
  assert.equal((await new Validator().validate(doc as unknown as Record<string, unknown>)).valid, true);
  assert.ok(doc.paths['/'] && doc.paths['/metrics']?.get?.['x-warbler-scope'] === 'metrics:read', 'the banner, and /metrics behind a key');
  const none = await startTestServer();
  t.after(() => none.close());
  assert.equal((await fetch(`${none.url}/api/admin/openapi.json`)).status, 404);
});
