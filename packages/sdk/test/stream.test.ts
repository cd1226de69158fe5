import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Message } from '@warbler/protocol';
import { MessageStream } from '../src/stream.js';

const A = 'd:1:2';
const B = 'd:1:3';

const msg = (conv: string, seq: number, text = `${conv}#${seq}`): Message => ({
  id: seq * 1000 + conv.length,
  conv,
  seq,
  from: 1,
  clientId: `c-${conv}-${seq}`,
  ts: 1_700_000_000_000 + seq,
  kind: 'text',
  text,
});

/** A stream over `initial` cursors that records what it delivers and how often it asks for a sync. */
function recording(initial: Record<string, number> = {}) {
  const delivered: Message[] = [];
  let gaps = 0;
  const stream = new MessageStream(
    initial,
    (m) => delivered.push(m),
    () => gaps++,
  );
  return {
    stream,
    delivered,
    gaps: () => gaps,
    /** Delivered sequences of one conversation, in delivery order. */
    seqs: (conv: string) => delivered.filter((m) => m.conv === conv).map((m) => m.seq),
  };
}

test('in-order messages are delivered at once, as given', () => {
  const r = recording();
  const m1 = msg(A, 1);
  r.stream.ingest(m1);
  assert.equal(r.delivered[0], m1);
  r.stream.ingest(msg(A, 2));
  r.stream.ingest(msg(A, 3));
  assert.deepEqual(r.seqs(A), [1, 2, 3]);
  assert.equal(r.gaps(), 0);
});

test('duplicates are dropped, whatever their source', () => {
  const r = recording();
  r.stream.ingest(msg(A, 1));
  r.stream.ingest(msg(A, 2));
  r.stream.ingest(msg(A, 1, 'again'));
  r.stream.ingest(msg(A, 2), true);
  r.stream.ingest(msg(A, 1), true);
  assert.deepEqual(r.seqs(A), [1, 2]);
  assert.equal(r.delivered[0]?.text, `${A}#1`, 'the first copy is the one delivered');
  assert.equal(r.gaps(), 0);
});

test('messages past a gap are held, then released in order when the gap fills', () => {
  const r = recording();
  r.stream.ingest(msg(A, 1));
  r.stream.ingest(msg(A, 4));
  r.stream.ingest(msg(A, 3));
  r.stream.ingest(msg(A, 6));
  assert.deepEqual(r.seqs(A), [1], 'nothing past the gap is delivered');
  assert.deepEqual(r.stream.snapshot(), { [A]: 1 });
  r.stream.ingest(msg(A, 2), true);
  assert.deepEqual(r.seqs(A), [1, 2, 3, 4], 'released up to the next gap');
  assert.deepEqual(r.stream.snapshot(), { [A]: 4 });
  r.stream.ingest(msg(A, 5), true);
  assert.deepEqual(r.seqs(A), [1, 2, 3, 4, 5, 6]);
  r.stream.ingest(msg(A, 7));
  assert.deepEqual(r.seqs(A), [1, 2, 3, 4, 5, 6, 7]);
});

test('a held message that also arrives by sync is delivered once', () => {
  const r = recording();
  r.stream.ingest(msg(A, 3));
  r.stream.ingest(msg(A, 2));
  // Sync returns the whole range, overlapping what is held.
  for (const s of [1, 2, 3, 4]) r.stream.ingest(msg(A, s), true);
  r.stream.ingest(msg(A, 3));
  assert.deepEqual(r.seqs(A), [1, 2, 3, 4]);
});

test('onGap is called for a gap in live messages, not for one seen in sync', () => {
  const r = recording();
  r.stream.ingest(msg(A, 1));
  r.stream.ingest(msg(A, 3));
  assert.equal(r.gaps(), 1);
  r.stream.ingest(msg(A, 5), true);
  assert.equal(r.gaps(), 1, 'a sync page past the gap does not ask for another sync');
  r.stream.ingest(msg(A, 2), true);
  assert.deepEqual(r.seqs(A), [1, 2, 3]);
  r.stream.ingest(msg(A, 4));
  assert.deepEqual(r.seqs(A), [1, 2, 3, 4, 5]);
  assert.equal(r.gaps(), 1, 'in-order live messages never report a gap');
});

test('a first live message past 1 in an unknown conversation is a gap', () => {
  const r = recording();
  r.stream.ingest(msg(B, 2));
  assert.equal(r.gaps(), 1);
  assert.deepEqual(r.delivered, []);
  r.stream.ingest(msg(B, 1), true);
  assert.deepEqual(r.seqs(B), [1, 2]);
});

test('initial cursors are respected: nothing at or below them is delivered', () => {
  const r = recording({ [A]: 5, [B]: 0 });
  for (const s of [1, 4, 5]) r.stream.ingest(msg(A, s));
  assert.deepEqual(r.delivered, []);
  assert.equal(r.gaps(), 0);
  r.stream.ingest(msg(A, 6));
  r.stream.ingest(msg(B, 1));
  assert.deepEqual(r.seqs(A), [6]);
  assert.deepEqual(r.seqs(B), [1]);
  r.stream.ingest(msg(A, 8));
  assert.equal(r.gaps(), 1, 'the gap is measured from the initial cursor');
});

test('conversations are independent: a gap in one holds nothing of another', () => {
  const r = recording();
  r.stream.ingest(msg(A, 1));
  r.stream.ingest(msg(A, 3));
  r.stream.ingest(msg(B, 1));
  r.stream.ingest(msg(B, 2));
  assert.deepEqual(r.seqs(A), [1]);
  assert.deepEqual(r.seqs(B), [1, 2]);
  r.stream.ingest(msg(B, 3));
  assert.deepEqual(r.seqs(A), [1], 'B’s seq 3 does not release A’s held seq 3');
  r.stream.ingest(msg(A, 2));
  assert.deepEqual(
    r.delivered.map((m) => [m.conv, m.seq]),
    [
      [A, 1],
      [B, 1],
      [B, 2],
      [B, 3],
      [A, 2],
      [A, 3],
    ],
  );
});

test('snapshot reflects delivered cursors only, and is a copy', () => {
  const r = recording({ [A]: 2 });
  assert.deepEqual(r.stream.snapshot(), { [A]: 2 });
  r.stream.ingest(msg(A, 3));
  r.stream.ingest(msg(B, 1));
  r.stream.ingest(msg(B, 3));
  const snap = r.stream.snapshot();
  assert.deepEqual(snap, { [A]: 3, [B]: 1 }, 'held messages do not move the cursor');
  snap[A] = 100;
  assert.deepEqual(r.stream.snapshot(), { [A]: 3, [B]: 1 });
  r.stream.ingest(msg(A, 4));
  assert.deepEqual(r.seqs(A), [3, 4]);
});

test('the initial cursors object is not shared with the stream', () => {
  const initial = { [A]: 1 };
  const r = recording(initial);
  r.stream.ingest(msg(A, 2));
  assert.deepEqual(initial, { [A]: 1 });
  initial[A] = 50;
  r.stream.ingest(msg(A, 3));
  assert.deepEqual(r.seqs(A), [2, 3]);
});
