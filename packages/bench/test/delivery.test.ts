import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Bitmap } from '../src/bitmap.js';
import { Histogram } from '../src/histogram.js';
import { HIST_NAMES, newCounters, type WorkerFinal } from '../src/ipc.js';
import { decodeText, encodeText, nowNs } from '../src/message-text.js';
import { mergeFinals } from '../src/result.js';
import { Tracker } from '../src/tracker.js';

test('message texts carry worker, number and send time, padded on request', () => {
  assert.equal(encodeText(3, 17, 123456789), 'b:3:17:123456789');
  assert.deepEqual(decodeText('b:3:17:123456789'), { worker: 3, n: 17, sentNs: 123456789 });
  const padded = encodeText(0, 1, 5, 40);
  assert.equal(padded.length, 40);
  assert.deepEqual(decodeText(padded), { worker: 0, n: 1, sentNs: 5 });
  for (const foreign of ['hello', 'b:', 'b:x:1:2', 'b:1:2', 'a:1:2:3', 'b:-1:2:3']) assert.equal(decodeText(foreign), undefined, foreign);
});

test('bitmaps grow, count overlaps and differences', () => {
  const a = new Bitmap(new Uint8Array(1));
  assert.equal(a.add(3), true);
  assert.equal(a.add(3), false);
  a.add(10_000);
  assert.equal(a.has(10_000), true);
  assert.equal(a.size, 2);
  const b = new Bitmap();
  b.add(3);
  b.add(4);
  assert.equal(a.andNotCount(b), 1);
  assert.equal(b.andNotCount(a), 1);
  assert.equal(a.or(b), 1);
  assert.equal(a.size, 3);
});

test('the tracker counts duplicates and pushes out of order, and latency from the text', () => {
  const t = new Tracker(0);
  const last = new Map<number, number>();
  const at = nowNs();
  t.onPush({ from: 5, seq: 2, text: encodeText(1, 0, at) }, last);
  t.onPush({ from: 5, seq: 2, text: encodeText(1, 0, at) }, last);
  t.onPush({ from: 5, seq: 1, text: encodeText(1, 1, at) }, last);
  t.onPush({ from: 6, seq: 1, text: 'not a bench message' }, last);
  assert.equal(t.counters.delivered, 2);
  assert.equal(t.counters.duplicates, 1);
  assert.equal(t.counters.outOfOrder, 1);
  assert.equal(t.counters.foreign, 1);
  assert.equal(t.hists.delivery.count, 2);
  t.sent(0, at);
  t.sent(1, at);
  t.sent(2, at);
  t.onAck(0, true, false, undefined);
  t.onAck(1, false, false, 'rate_limited');
  const f = t.final();
  assert.equal(f.counters.acked, 1);
  assert.equal(f.counters.sendErrors, 1);
  assert.equal(f.counters.unacked, 1);
  assert.deepEqual(f.errors, { 'send:rate_limited': 1, ack_timeout: 1 });
});

function final(acked: number[], received: [number, number[]][]): WorkerFinal {
  const bits = (ns: number[]) => {
    const b = new Bitmap();
    for (const n of ns) b.add(n);
    return b.bytes;
  };
  const empty = new Histogram().toSparse();
  return {
    counters: { ...newCounters(), acked: acked.length },
    errors: {},
    hists: Object.fromEntries(HIST_NAMES.map((n) => [n, empty])) as WorkerFinal['hists'],
    acked: bits(acked),
    received: received.map(([w, ns]) => [w, bits(ns)]),
    times: { firstSendNs: 1e9, lastAckNs: 3e9, lastDeliveryNs: 5e9 },
  };
}

test('merging workers finds messages acknowledged but never received, and ones received by two workers', () => {
  // Worker 0 sent 0..3 (all acked); worker 1 sent 0..1. Worker 1 got 0, 1 and 3 of worker 0's;
  // worker 0 got both of worker 1's, and worker 1 got worker 1's #1 too: one duplicate across workers.
  const m = mergeFinals([
    final([0, 1, 2, 3], [[1, [0, 1]]]),
    final(
      [0, 1],
      [
        [0, [0, 1, 3]],
        [1, [1]],
      ],
    ),
  ]);
  assert.equal(m.missing, 1);
  assert.equal(m.counters.duplicates, 1);
  assert.equal(m.unexpected, 0);
  assert.equal(m.counters.acked, 6);
  assert.equal(m.ackWindowS, 2);
  assert.equal(m.deliveryWindowS, 4);
});
