/** Defects the fuzzer (fuzz.test.ts, `npm run fuzz`) found, each pinned by a test of its own. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CLOSE_CODES } from '@warbler/protocol';
import { RawClient, startTestServer } from './helpers.js';

async function user(url: string): Promise<{ c: RawClient; id: number }> {
  const c = await RawClient.open(url);
  return { c, id: (await c.registerNew()).id };
}

/** JSON text of arrays nested `depth` deep (written out: JSON.stringify itself would overflow on it). */
const nestedArrays = (depth: number): string => `${'['.repeat(depth)}${']'.repeat(depth)}`;

test('custom content nested thousands of levels deep is content_too_large, not internal; 32 levels are stored', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const a = await user(s.wsUrl);
  const b = await user(s.wsUrl);
  t.after(() => [a, b].forEach((u) => u.c.close()));
  for (const depth of [33, 5000, 20_000]) {
    a.c.sendRaw(
      `{"id":"deep-${depth}","op":"msg.send","data":{"to":${b.id},"clientId":"d${depth}","kind":"custom","custom":${nestedArrays(depth)}}}`,
    );
    const f = await a.c.waitFor((x) => x.id === `deep-${depth}`);
    assert.equal(f.error?.code, 'content_too_large', JSON.stringify(f).slice(0, 300));
    assert.match(f.error!.message, /^data\.custom: nested more than 32 levels deep/);
  }
  assert.deepEqual((await b.c.request('sync', {})).data, { messages: [], more: false }, 'nothing was stored');
  const ok = await a.c.request('msg.send', { to: b.id, clientId: 'd32', kind: 'custom', custom: JSON.parse(nestedArrays(32)) as unknown });
  assert.equal(ok.ok, true, JSON.stringify(ok.error));
  const synced = (await b.c.request('sync', {})).data as { messages: { custom: unknown }[] };
  assert.equal(JSON.stringify(synced.messages[0]!.custom), nestedArrays(32));
});

test('a text frame that is not UTF-8 closes the connection with 1007, a documented close code; others go on', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const a = await user(s.wsUrl);
  const b = await user(s.wsUrl);
  t.after(() => [a, b].forEach((u) => u.c.close()));
  // A lead byte with no continuation: not UTF-8. Sent as a text frame, which the client does not check.
  a.c.ws.send(Buffer.from([0x7b, 0xc3, 0x28, 0x7d]), { binary: false });
  const closed = await a.c.closed;
  assert.equal(closed.code, CLOSE_CODES.invalid_utf8.code);
  assert.equal(closed.code, 1007);
  assert.equal((await b.c.request('ping')).ok, true, 'other connections are not affected');
});
