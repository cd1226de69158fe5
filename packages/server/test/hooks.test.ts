import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WarblerError } from '../src/errors.js';
import type { Extension } from '../src/hooks/hooks.js';
import type { AppendResult, NewMessage } from '../src/store/store.js';
import { chatPair, cid, read, refused } from './chat-helpers.js';
import { eventually, sdkClient, startTestServer } from './helpers.js';

test('beforeEntry vetoes an entry: the request fails with its error, nothing is stored or pushed', async (t) => {
  const moderation: Extension = {
    beforeEntry(entry: NewMessage) {
      if (entry.body.includes('forbidden words')) throw new WarblerError('forbidden', 'moderated');
    },
  };
  const s = await startTestServer({}, undefined, [moderation]);
  t.after(() => s.close());
  const { a, b, conv } = await chatPair(t, s);

  await refused(a.client.request('msg.send', { to: b.id, clientId: cid(), text: 'some forbidden words' }), 'forbidden', /moderated/);
  const ok = await a.client.request('msg.send', { to: b.id, clientId: cid(), text: 'fine' });
  assert.equal(ok.seq, 1, 'the vetoed entry took no sequence');
  // An action is an entry too.
  await refused(a.client.request('msg.edit', { conv, seq: 1, clientId: cid(), text: 'now forbidden words' }), 'forbidden', /moderated/);
  await eventually(() =>
    assert.deepEqual(
      b.got.map((m) => m.text),
      ['fine'],
    ),
  );
  assert.deepEqual(
    (await read(b.client, conv)).map((m) => [m.seq, m.text, m.edited ?? false]),
    [[1, 'fine', false]],
  );
});

test('a failing afterEntry hook never loses or duplicates an entry; the hooks after it still run', async (t) => {
  const seen: AppendResult[] = [];
  const failing: Extension = {
    afterEntry() {
      throw new Error('the indexer is down');
    },
  };
  const recording: Extension = { afterEntry: (_entry, r) => void seen.push(r) };
  const s = await startTestServer({}, undefined, [failing, recording]);
  t.after(() => s.close());
  const { a, b, conv } = await chatPair(t, s);

  const clientId = cid();
  const ack = await a.client.request('msg.send', { to: b.id, clientId, text: 'one' });
  const again = await a.client.request('msg.send', { to: b.id, clientId, text: 'one' });
  assert.equal(again.duplicate, true);
  assert.equal(again.seq, ack.seq);
  await eventually(() => assert.equal(b.got.length, 1));
  await a.client.request('ping', {});
  assert.equal(b.got.length, 1, 'pushed once');
  assert.deepEqual(
    (await read(b.client, conv)).map((m) => m.text),
    ['one'],
  );
  assert.deepEqual(
    seen.map((r) => [r.conv, r.seq]),
    [[conv, 1]],
    'the next hook ran once, not for the duplicate',
  );
});

test('connectionOpened and connectionClosed see each authenticated connection once', async (t) => {
  const events: string[] = [];
  const log: Extension = {
    connectionOpened: (c) => void events.push(`open ${c.userId}`),
    connectionClosed: (c) => void events.push(`close ${c.userId}`),
  };
  const s = await startTestServer({}, undefined, [log]);
  t.after(() => s.close());
  const { a, b } = await chatPair(t, s);
  assert.deepEqual(events, [`open ${a.id}`, `open ${b.id}`]);
  a.client.close();
  await eventually(() => assert.deepEqual(events, [`open ${a.id}`, `open ${b.id}`, `close ${a.id}`]));
});

test('beforeLogin refuses a registration or a login before anything is checked or stored', async (t) => {
  const attempts: string[] = [];
  let closed = true;
  const gate: Extension = {
    beforeLogin(a) {
      attempts.push(`${a.op} ${a.username} ${a.ip}`);
      if (closed && a.username.startsWith('outsider')) throw new WarblerError('forbidden', 'not on the guest list');
    },
  };
  const s = await startTestServer({}, undefined, [gate]);
  t.after(() => s.close());
  const c = await sdkClient(s.wsUrl);
  t.after(() => c.close());

  await refused(c.register('outsider1', 'password-123'), 'forbidden', /guest list/);
  // Nothing was stored: the same name registers once the gate opens, and its password was never checked before.
  closed = false;
  const r = await c.register('outsider1', 'password-123');
  assert.equal(r.user.username, 'outsider1');
  closed = true;
  const other = await sdkClient(s.wsUrl);
  t.after(() => other.close());
  // Refused before the password is checked: even the right password does not log in; nor do wrong ones count.
  for (let i = 0; i < 8; i++) await refused(other.login('outsider1', 'wrong-password'), 'forbidden');
  await refused(other.login('outsider1', 'password-123'), 'forbidden');
  closed = false;
  const ok = await other.login('outsider1', 'password-123');
  assert.equal(ok.user.id, r.user.id, 'the throttle saw none of the refused attempts');
  assert.deepEqual(attempts.slice(0, 2), ['auth.register outsider1 127.0.0.1', 'auth.register outsider1 127.0.0.1']);
  assert.equal(attempts.length, 2 + 8 + 1 + 1);
});
