import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ERRORS, isErrorCode, isWellFormed } from '@warbler/protocol';
import { fuzz } from './fuzz/property.js';
import { nastyString, prototypeKeyed, serializeFrame, wrongValue } from './fuzz/values.js';
import { apiKey, startTestServer } from './helpers.js';

/** Fixed, so every `npm test` runs the same sequences; `npm run fuzz` tries new ones (README, Development). */
const SEED = 20261129;

test(
  'fuzz: random, mutated and well-formed frames of every op from several users keep the documented promises',
  { timeout: 180_000 },
  async () => {
    const runs = await fuzz({ seed: SEED, runs: 40, maxCommands: 40 });
    assert.equal(runs, 40);
  },
);

test('fuzz: the HTTP routes and the admin API answer any path, method and body with a documented status; a refused body creates nothing', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  // users:write only: GET (listing, users:read) is then refused with 403 scope_missing.
  const token = await apiKey(s, 'users:write');
  const userCount = async () => (await s.store.getUsersByIds(Array.from({ length: 2000 }, (_, i) => i + 1))).length;

  const entry = fc.record(
    {
      username: fc.oneof(nastyString, fc.stringMatching(/^[a-z][a-z0-9_.-]{2,12}$/), wrongValue),
      displayName: fc.oneof(nastyString, wrongValue),
      password: fc.oneof(nastyString, wrongValue),
    },
    { requiredKeys: [] },
  );
  const body = fc.oneof(
    fc
      .record(
        {
          users: fc.oneof(fc.array(entry, { maxLength: 4 }), wrongValue),
          issueTokens: fc.oneof(fc.boolean(), wrongValue),
          device: fc.oneof(nastyString, wrongValue),
        },
        { requiredKeys: ['users'] },
      )
      .map(serializeFrame),
    prototypeKeyed.map((o) => JSON.stringify(o)),
    fc.json({ maxDepth: 3 }),
    fc.string({ unit: 'binary', maxLength: 60 }),
  );
  await fc.assert(
    fc.asyncProperty(body, fc.constantFrom('POST', 'PUT', 'GET'), fc.boolean(), async (text, method, authorized) => {
      const before = await userCount();
      const r = await fetch(`${s.adminUrl}/api/admin/users`, {
        method,
        headers: { 'content-type': 'application/json', ...(authorized ? { authorization: `Bearer ${token}` } : {}) },
        ...(method === 'GET' ? {} : { body: text }),
      });
      const answer = (await r.json()) as { users?: unknown[]; error?: { code: string; status: number } };
      assert.ok([200, 400, 401, 403, 405, 409, 413].includes(r.status), `${r.status} for ${text.slice(0, 200)}`);
      if (r.status === 200) return assert.equal(await userCount(), before + answer.users!.length);
      assert.equal(await userCount(), before, `a refused body created nothing: ${text.slice(0, 200)}`);
      assert.ok(isErrorCode(answer.error?.code) && ERRORS[answer.error.code].status === r.status, JSON.stringify(answer));
    }),
    { seed: SEED, numRuns: 150 },
  );
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(nastyString, fc.webPath()).filter(isWellFormed),
      fc.constantFrom('GET', 'HEAD', 'POST', 'DELETE'),
      fc.constantFrom(s.url, s.adminUrl!),
      async (path, method, base) => {
        const r = await fetch(`${base}/${encodeURI(path.replace(/^\/+/, ''))}`, { method, ...(method === 'POST' ? { body: '{}' } : {}) });
        await r.body?.cancel();
        // 413 request_too_large: a path over Node's 16 KiB header limit, refused by its HTTP parser.
        assert.ok([200, 400, 401, 404, 405, 413].includes(r.status), `${method} /${path.slice(0, 100)}: ${r.status}`);
      },
    ),
    { seed: SEED, numRuns: 150 },
  );
  assert.equal((await fetch(`${s.url}/healthz`)).status, 200);
});
