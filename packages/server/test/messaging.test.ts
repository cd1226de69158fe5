import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Message } from '@warbler/protocol';
import { eventually, newUser, sdkClient, startTestServer } from './helpers.js';

test('A sends to online B: B gets it once, A’s second device gets it, the ack carries the sequence', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const a = await newUser(s.wsUrl);
  const b = await newUser(s.wsUrl);
  const a2 = await sdkClient(s.wsUrl);
  await a2.resume(a.token);
  t.after(() => [a.client, b.client, a2].forEach((c) => c.close()));

  const atB: Message[] = [];
  const atA2: Message[] = [];
  const atA: Message[] = [];
  b.client.on('message', (m) => atB.push(m));
  a2.on('message', (m) => atA2.push(m));
  a.client.on('message', (m) => atA.push(m));

  const ack = await a.client.send({ to: b.id, text: 'hello B 你好' });
  assert.equal(ack.seq, 1);
  assert.equal(ack.duplicate, false);
  assert.equal(ack.conv, `d:${Math.min(a.id, b.id)}:${Math.max(a.id, b.id)}`);

  await eventually(() => assert.equal(atB.length, 1));
  await eventually(() => assert.equal(atA2.length, 1));
  assert.equal(atB[0]!.text, 'hello B 你好');
  assert.equal(atB[0]!.from, a.id);
  assert.equal(atB[0]!.seq, 1);
  assert.equal(atA2[0]!.id, ack.id);
  // The sending device sees its own message once too, from its ack, not a second time from a push.
  assert.equal(atA.length, 1);
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(atB.length, 1, 'no duplicate push');
  assert.equal(atA2.length, 1);
});

test('B offline, A sends 100; B connects and syncs all 100 in order, no duplicates', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const a = await newUser(s.wsUrl);
  const b = await newUser(s.wsUrl);
  b.client.close();
  const acks = await Promise.all(Array.from({ length: 100 }, (_, i) => a.client.send({ to: b.id, text: `m${i}` })));
  assert.deepEqual(
    acks.map((x) => x.seq),
    Array.from({ length: 100 }, (_, i) => i + 1),
    'sequences follow send order with no gaps',
  );

  const b2 = await sdkClient(s.wsUrl, { autoSync: false });
  t.after(() => [a.client, b2].forEach((c) => c.close()));
  const got: Message[] = [];
  b2.on('message', (m) => got.push(m));
  await b2.resume(b.token);
  await b2.sync();
  assert.equal(got.length, 100);
  assert.deepEqual(
    got.map((m) => m.text),
    Array.from({ length: 100 }, (_, i) => `m${i}`),
  );
  // Paging: a raw sync with a small page needs several calls and returns the same 100.
  const pages: Message[] = [];
  let cursor = 0;
  for (let i = 0; i < 20; i++) {
    const r = await b2.request('sync', { cursors: { [acks[0]!.conv]: cursor }, limit: 30 });
    pages.push(...r.messages);
    cursor = r.messages.at(-1)?.seq ?? cursor;
    if (!r.more) break;
  }
  assert.deepEqual(
    pages.map((m) => m.seq),
    Array.from({ length: 100 }, (_, i) => i + 1),
  );
});

test('a retry with the same client id returns the same ack and stores one message', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const a = await newUser(s.wsUrl);
  const b = await newUser(s.wsUrl);
  t.after(() => [a.client, b.client].forEach((c) => c.close()));
  const first = await a.client.request('msg.send', { to: b.id, clientId: 'same-1', text: 'once' });
  const again = await a.client.request('msg.send', { to: b.id, clientId: 'same-1', text: 'once' });
  // Two at once with one client id: still one message.
  const [x, y] = await Promise.all([
    a.client.request('msg.send', { to: b.id, clientId: 'same-2', text: 'twice' }),
    a.client.request('msg.send', { to: b.id, clientId: 'same-2', text: 'twice' }),
  ]);
  assert.equal(first.duplicate, false);
  assert.equal(again.duplicate, true);
  assert.deepEqual({ ...again, duplicate: false }, first);
  assert.equal(x.id, y.id);
  assert.equal(x.seq, y.seq);
  const h = await b.client.history(first.conv);
  assert.deepEqual(
    h.messages.map((m) => m.text),
    ['once', 'twice'],
  );
});

test('history pages backward by sequence; the conversation list has the last message and unread count', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const a = await newUser(s.wsUrl);
  const b = await newUser(s.wsUrl);
  t.after(() => [a.client, b.client].forEach((c) => c.close()));
  for (let i = 1; i <= 25; i++) await a.client.send({ to: b.id, text: `h${i}` });
  const conv = `d:${Math.min(a.id, b.id)}:${Math.max(a.id, b.id)}`;
  const p1 = await b.client.history(conv, undefined, 10);
  assert.deepEqual(
    p1.messages.map((m) => m.seq),
    [16, 17, 18, 19, 20, 21, 22, 23, 24, 25],
  );
  assert.equal(p1.more, true);
  const p3 = await b.client.history(conv, 6, 10);
  assert.deepEqual(
    p3.messages.map((m) => m.seq),
    [1, 2, 3, 4, 5],
  );
  assert.equal(p3.more, false);

  const listB = await b.client.conversations();
  assert.equal(listB.conversations.length, 1);
  const cb = listB.conversations[0]!;
  assert.equal(cb.peer?.id, a.id);
  assert.equal(cb.lastMessage?.text, 'h25');
  assert.equal(cb.unread, 25);
  const listA = await a.client.conversations();
  assert.equal(listA.conversations[0]!.unread, 0, 'own messages are not unread');

  // Reading on one device moves the cursor and tells the user's other devices.
  const b2 = await sdkClient(s.wsUrl);
  await b2.resume(b.token);
  t.after(() => b2.close());
  const reads: { conv: string; seq: number }[] = [];
  b2.on('read', (r) => reads.push(r));
  const r = await b.client.markRead(conv, 20);
  assert.equal(r.readSeq, 20);
  await eventually(() => assert.deepEqual(reads, [{ conv, seq: 20 }]));
  assert.equal((await b.client.markRead(conv, 5)).readSeq, 20, 'the read cursor never moves back');
  assert.equal((await b.client.conversations()).conversations[0]!.unread, 5);
});

test('the conversation list pages with its cursor, most recent first', async (t) => {
  const s = await startTestServer();
  t.after(() => s.close());
  const a = await newUser(s.wsUrl);
  const peers: Awaited<ReturnType<typeof newUser>>[] = [];
  for (let i = 0; i < 5; i++) peers.push(await newUser(s.wsUrl));
  t.after(() => [a.client, ...peers.map((p) => p.client)].forEach((c) => c.close()));
  for (const p of peers) await a.client.send({ to: p.id, text: `to ${p.username}` });
  const first = await a.client.conversations(2);
  assert.equal(first.more, true);
  const second = await a.client.conversations(2, first.next);
  const third = await a.client.conversations(2, second.next);
  assert.equal(third.more, false);
  const seen = [...first.conversations, ...second.conversations, ...third.conversations].map((c) => c.peer?.id);
  assert.deepEqual(seen, peers.map((p) => p.id).reverse());
});

test('history pages fit half the send buffer: large messages come in smaller pages, newest first kept', async (t) => {
  const s = await startTestServer({ gateway: { maxBufferedBytes: 64 * 1024 }, limits: { maxTextChars: 20_000 } });
  t.after(() => s.close());
  const a = await newUser(s.wsUrl);
  const b = await newUser(s.wsUrl);
  t.after(() => [a.client, b.client].forEach((c) => c.close()));
  for (let i = 1; i <= 10; i++) await a.client.send({ to: b.id, text: `${i}:`.padEnd(10_000, 'x') });
  const conv = `d:${Math.min(a.id, b.id)}:${Math.max(a.id, b.id)}`;
  const seqs: number[] = [];
  let before: number | undefined;
  for (let page = 0; page < 10; page++) {
    const h = await b.client.history(conv, before, 100);
    assert.ok(h.messages.length >= 1 && h.messages.length <= 3, `a page of ${h.messages.length} does not fit 32 KiB`);
    seqs.unshift(...h.messages.map((m) => m.seq));
    if (!h.more) break;
    before = h.messages[0]!.seq;
  }
  assert.deepEqual(
    seqs,
    Array.from({ length: 10 }, (_, i) => i + 1),
  );
});

test('the SDK refuses a frame over the server’s limit locally instead of resending it forever', async (t) => {
  const s = await startTestServer({ gateway: { maxFrameBytes: 4096 }, limits: { maxTextChars: 100_000 } });
  t.after(() => s.close());
  const a = await newUser(s.wsUrl);
  const b = await newUser(s.wsUrl);
  t.after(() => [a.client, b.client].forEach((c) => c.close()));
  await assert.rejects(
    a.client.send({ to: b.id, text: '树'.repeat(2000) }),
    (e: Error & { code?: string }) => e.code === 'frame_too_large',
  );
  assert.equal(a.client.pendingSends, 0);
  assert.equal(a.client.connected, true, 'the connection stays open');
  const ok = await a.client.send({ to: b.id, text: 'small' });
  assert.equal(ok.seq, 1, 'nothing of the refused frame was stored');
});
