import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import Database from 'better-sqlite3';
import { directConvId, type ResultData } from '@warbler/protocol';
import type { NewMessage } from '../src/store/store.js';
import { chatUser } from './chat-helpers.js';
import { RawClient, eventually, startTestServer, type Frame, type TestServer } from './helpers.js';

// The write path: every durable write goes through the group commit (messages, actions, read and
// delivery cursors); one failing entry never fails its batch; the event loop keeps serving while a
// backlog drains; a server whose writes are behind stops reading from senders (backpressure).

type Ack = ResultData<'msg.send'>;

/** A raw connection registered as a new user; closed after the test. */
async function rawUser(t: TestContext, s: TestServer): Promise<{ c: RawClient; id: number; token: string }> {
  const c = await RawClient.open(s.wsUrl);
  t.after(() => c.close());
  const me = await c.registerNew();
  return { c, id: me.id, token: me.token };
}

/** A counter or gauge of the server's /metrics text (0 when absent). */
async function metric(s: TestServer, name: string): Promise<number> {
  // Every series carries the server's `node` label: read the unlabelled name.
  const text = (await (await fetch(`${s.adminUrl}/metrics`)).text()).replace(/\{node="[^"]*"\}/g, '');
  const m = new RegExp(`^${name.replace(/[{}"]/g, (c) => `\\${c}`)} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

/** The sequences and client ids stored in `conv`, oldest first. */
async function stored(s: TestServer, conv: string): Promise<{ seqs: number[]; clientIds: string[] }> {
  const rows = await s.store.messagesAfter(conv, 0, 100_000);
  return { seqs: rows.map((r) => r.seq), clientIds: rows.map((r) => r.clientId) };
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);

test('an entry made to fail inside the group commit fails alone: the other users’ sends of its batch are acked, stored once, gapless', async (t) => {
  // A long gathering delay puts the pipelined sends of every user into one or two batches.
  const s = await startTestServer({ store: { commitDelayMaxMs: 200 } });
  t.after(() => s.close());
  const [a, b, c, r, d] = [await rawUser(t, s), await rawUser(t, s), await rawUser(t, s), await rawUser(t, s), await rawUser(t, s)];
  // The failure, made on purpose inside the transaction: a trigger refuses one client id's INSERT,
  // after its new conversation (c with d) has been created in the same transaction.
  const db = new Database(join(s.dataDir, 'warbler.db'));
  t.after(() => db.close());
  db.exec(
    `CREATE TRIGGER poison BEFORE INSERT ON messages WHEN NEW.client_id = 'poison' BEGIN SELECT RAISE(ABORT, 'poisoned on purpose'); END`,
  );
  const batchesBefore = await metric(s, 'warbler_store_batch_messages_count');

  const N = 50;
  for (let i = 0; i < N; i++) {
    for (const [u, tag] of [
      [a, 'a'],
      [b, 'b'],
      [c, 'c'],
    ] as const)
      u.c.sendRaw({ id: `${tag}${i}`, op: 'msg.send', data: { to: r.id, clientId: `${tag}-${i}`, text: `${tag} ${i}` } });
    if (i === N / 2) c.c.sendRaw({ id: 'bad', op: 'msg.send', data: { to: d.id, clientId: 'poison', text: 'fails' } });
  }
  const bad = await c.c.waitFor((f) => f.id === 'bad');
  assert.equal(bad.error?.code, 'internal', 'the failing entry gets its own error');
  for (const [u, tag] of [
    [a, 'a'],
    [b, 'b'],
    [c, 'c'],
  ] as const) {
    const acks: Frame[] = [];
    for (let i = 0; i < N; i++) acks.push(await u.c.waitFor((f) => f.id === `${tag}${i}`));
    assert.deepEqual(
      acks.map((f) => [f.ok, (f.data as Ack | undefined)?.seq, (f.data as Ack | undefined)?.duplicate]),
      range(N).map((seq) => [true, seq, false]),
      `${tag}: every send acked, in order, gapless`,
    );
    const conv = directConvId(u.id, r.id);
    assert.deepEqual(await stored(s, conv), { seqs: range(N), clientIds: range(N).map((i) => `${tag}-${i - 1}`) }, `${tag}: stored once`);
  }
  assert.equal(await s.store.getConversation(directConvId(c.id, d.id)), undefined, 'nothing of the failed entry is stored');
  assert.equal(await metric(s, 'warbler_write_failures_total'), 1);
  const batches = (await metric(s, 'warbler_store_batch_messages_count')) - batchesBefore;
  assert.ok(batches < 3 * N, `the sends shared batches (${batches} batches for ${3 * N + 1} sends)`);

  // It was never stored: once the fault is gone, the same client id is a new message, not a duplicate.
  db.exec('DROP TRIGGER poison');
  const again = await c.c.request('msg.send', { to: d.id, clientId: 'poison', text: 'fails' });
  assert.deepEqual([again.ok, (again.data as Ack).seq, (again.data as Ack).duplicate], [true, 1, false]);
});

test('cursor moves go through the group commit: answered in order as if alone, receipts and read events only for moves that moved', async (t) => {
  const s = await startTestServer({ store: { commitDelayMaxMs: 200 } });
  t.after(() => s.close());
  const a = await rawUser(t, s);
  const b = await rawUser(t, s);
  const b2 = await RawClient.open(s.wsUrl);
  t.after(() => b2.close());
  assert.equal((await b2.request('hello', { protocol: 1 })).ok, true);
  assert.equal((await b2.request('auth.resume', { token: b.token })).ok, true);
  const conv = directConvId(a.id, b.id);
  for (let i = 1; i <= 5; i++) assert.equal((await a.c.request('msg.send', { to: b.id, clientId: `m${i}`, text: `${i}` })).ok, true);
  const batchesBefore = await metric(s, 'warbler_store_batch_messages_count');
  const writesBefore = await metric(s, 'warbler_store_batch_messages_sum');

  const moves: [string, number][] = [
    ['conv.delivered', 2],
    ['conv.delivered', 1],
    ['conv.read', 1],
    ['conv.delivered', 4],
    ['conv.read', 3],
    ['conv.read', 2],
  ];
  moves.forEach(([op, seq], i) => b.c.sendRaw({ id: `k${i}`, op, data: { conv, seq } }));
  const answers: unknown[] = [];
  for (let i = 0; i < moves.length; i++) answers.push((await b.c.waitFor((f) => f.id === `k${i}`)).data);
  assert.deepEqual(answers, [
    { conv, deliveredSeq: 2 },
    { conv, deliveredSeq: 2 },
    { conv, readSeq: 1 },
    { conv, deliveredSeq: 4 },
    { conv, readSeq: 3 },
    { conv, readSeq: 3 },
  ]);
  // Only the moves that moved a cursor tell the peer, in the order they were made.
  const receipts = () => a.c.frames.filter((f) => f.ev === 'receipt').map((f) => f.data);
  await eventually(() =>
    assert.deepEqual(receipts(), [
      { conv, user: b.id, delivered: 2 },
      { conv, user: b.id, read: 1 },
      { conv, user: b.id, delivered: 4 },
      { conv, user: b.id, read: 3 },
    ]),
  );
  // The reader's other device hears of every conv.read, with the cursor after it.
  await eventually(() =>
    assert.deepEqual(
      b2.frames.filter((f) => f.ev === 'read').map((f) => f.data),
      [
        { conv, seq: 1 },
        { conv, seq: 3 },
        { conv, seq: 3 },
      ],
    ),
  );
  const state = await s.store.getMemberState(conv, b.id);
  assert.deepEqual([state?.readSeq, state?.deliveredSeq], [3, 4]);
  const batches = (await metric(s, 'warbler_store_batch_messages_count')) - batchesBefore;
  const writes = (await metric(s, 'warbler_store_batch_messages_sum')) - writesBefore;
  assert.equal(writes, moves.length, 'every move went through the group commit');
  assert.ok(batches < moves.length, `${moves.length} moves shared their commits (${batches} batches)`);
  await a.c.request('ping', {});
  assert.equal(receipts().length, 4, 'no receipt for a move that did not move');
});

/** `n` messages from `from` to `to`, straight into the server's write queue; resolves them all. */
function backlog(s: TestServer, from: number, to: number, n: number, tag: string): Promise<unknown>[] {
  const now = Date.now();
  return Array.from({ length: n }, (_, i) => {
    const msg: NewMessage = {
      conv: directConvId(from, to),
      members: [from, to],
      senderId: from,
      clientId: `${tag}-${i}`,
      kind: 'text',
      body: JSON.stringify({ text: `${tag} ${i}` }),
      createdAt: now,
    };
    return s.journal.batcher.submit(msg);
  });
}

test('no stall: /healthz, /metrics and pushes are answered while a large write backlog drains', async (t) => {
  const s = await startTestServer({ store: { batchMaxMessages: 100 } });
  t.after(() => s.close());
  const a = await chatUser(t, s);
  const b = await chatUser(t, s);
  const N = 20_000;
  let done = 0;
  const writes = backlog(s, a.id, b.id, N, 'x').map((p) => p.then(() => done++));
  let doneAtFirstPush = -1;
  b.client.on('message', () => {
    if (doneAtFirstPush < 0) doneAtFirstPush = done;
  });

  const health = await fetch(`${s.url}/healthz`);
  const doneAtHealth = done;
  const queuedAtHealth = s.metrics.writeQueueDepth.read();
  assert.equal(health.status, 200);
  assert.ok(doneAtHealth < N && queuedAtHealth > 0, `answered before the backlog was done (${doneAtHealth} of ${N} written)`);
  const queuedInMetrics = await metric(s, 'warbler_write_queue_depth');
  assert.ok(done < N && queuedInMetrics > 0, `/metrics answered mid-backlog (queue depth ${queuedInMetrics})`);
  await Promise.all(writes);
  assert.ok(doneAtFirstPush >= 0 && doneAtFirstPush < N, `pushes went out while the backlog drained (first at ${doneAtFirstPush})`);
  const conv = directConvId(a.id, b.id);
  assert.deepEqual((await stored(s, conv)).seqs, range(N));
  await eventually(() => assert.equal(b.got.length, N));
});

test('backpressure: while the write queue is behind, the server stops reading from senders; nothing is refused, every send is stored once', async (t) => {
  const s = await startTestServer({ store: { batchMaxMessages: 50, writeQueuePauseMs: 1 } });
  t.after(() => s.close());
  const a = await chatUser(t, s);
  const b = await chatUser(t, s);
  const raw = await rawUser(t, s);
  let done = 0;
  const N = 20_000;
  const writes = backlog(s, a.id, b.id, N, 'y').map((p) => p.then(() => done++));

  // Pipelined sends while the backlog drains (fewer than the rate limit's burst): read and handled
  // only as the queue catches up.
  const K = 300;
  for (let i = 0; i < K; i++) raw.c.sendRaw({ id: `s${i}`, op: 'msg.send', data: { to: b.id, clientId: `r-${i}`, text: `r ${i}` } });
  await eventually(
    () => {
      assert.ok(done < N, 'the backlog is still draining');
      assert.ok(s.metrics.inboundWaiting.read() > 0, 'the sender waits to be read');
    },
    10_000,
    1,
  );
  await Promise.all(writes);
  const answers: Frame[] = [];
  for (let i = 0; i < K; i++) answers.push(await raw.c.waitFor((f) => f.id === `s${i}`, 20_000));
  assert.deepEqual(
    answers.map((f) => [f.ok, (f.data as Ack | undefined)?.seq]),
    range(K).map((seq) => [true, seq]),
    'every send acked, in order; none refused',
  );
  assert.deepEqual(await stored(s, directConvId(raw.id, b.id)), { seqs: range(K), clientIds: range(K).map((i) => `r-${i - 1}`) });
  assert.deepEqual((await stored(s, directConvId(a.id, b.id))).seqs, range(N));
  // Caught up: reading again.
  assert.equal((await raw.c.request('ping', {})).ok, true);
  assert.equal(s.metrics.inboundWaiting.read(), 0);
});
