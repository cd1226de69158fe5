import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Bitmap } from '../src/bitmap.js';
import { Histogram } from '../src/histogram.js';
import { HIST_NAMES, newCounters, type FanoutFinal, type WorkerFinal } from '../src/ipc.js';
import { decodeText, encodeText, nowNs } from '../src/message-text.js';
import { mergeFinals } from '../src/merge-finals.js';
import { BenchClient, type ClientOwner } from '../src/bench-client.js';
import { newScannedPush, scanPush, type ScannedPush } from '../src/push-scan.js';
import { Tracker } from '../src/tracker.js';

test('the clock gives integer nanoseconds, in step with process.hrtime', () => {
  const a = nowNs();
  const h = Number(process.hrtime.bigint());
  const b = nowNs();
  assert.ok(Number.isInteger(a) && Number.isInteger(b));
  assert.ok(h >= a - 1e6 && h <= b + 1e6, `${a} ${h} ${b}`);
});

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

const owner: ClientOwner = { settled() {}, lost() {}, response() {}, benchPush() {}, foreignPush() {} };
const push = (p: Partial<ScannedPush>): ScannedPush => ({ ...newScannedPush(), ...p });

test('the tracker counts duplicates and pushes out of order, and latency from the text', () => {
  const t = new Tracker(0);
  const c = new BenchClient(0, 9, 'token', undefined, owner);
  const at = nowNs();
  t.onBenchPush(c, push({ from: 5, seq: 2, worker: 1, n: 0, sentNs: at }));
  t.onBenchPush(c, push({ from: 5, seq: 2, worker: 1, n: 0, sentNs: at }));
  t.onBenchPush(c, push({ from: 5, seq: 1, worker: 1, n: 1, sentNs: at }));
  t.onForeignPush();
  assert.equal(t.counters.delivered, 2);
  assert.equal(t.counters.duplicates, 1);
  assert.equal(t.counters.outOfOrder, 1);
  assert.equal(t.counters.foreign, 1);
  assert.equal(t.hists.delivery.count, 2);
  t.sent(0, at);
  t.sent(1, at);
  t.sent(2, at);
  assert.equal(t.onAck(0, true, false, undefined), true);
  assert.equal(t.onAck(1, false, false, 'rate_limited'), false);
  const f = t.final();
  assert.equal(f.counters.acked, 1);
  assert.equal(f.counters.sendErrors, 1);
  assert.equal(f.counters.unacked, 1);
  assert.deepEqual(f.errors, { 'send:rate_limited': 1, ack_timeout: 1 });
});

test('a group member checks its group’s seqs rise: repeats are duplicates, lower ones out of order', () => {
  const t = new Tracker(0, true);
  const c = new BenchClient(0, 9, 'token', undefined, owner, { index: 0, conv: 'g:12' });
  assert.equal(c.groupId, 12);
  const at = nowNs();
  for (const seq of [2, 3, 3, 5, 4]) t.onBenchPush(c, push({ group: 12, from: 5, seq, sentNs: at }));
  t.onBenchPush(c, push({ group: 13, from: 5, seq: 9, sentNs: at })); // another group's
  t.onBenchPush(c, push({ group: 12, from: 9, seq: 10, sentNs: at })); // its own message
  assert.deepEqual(
    [t.counters.delivered, t.counters.duplicates, t.counters.outOfOrder, t.counters.foreign, t.counters.selfPushes, c.got, c.groupSeq],
    [4, 1, 1, 1, 1, 4, 5],
  );
});

test('the scan reads a push as the server writes it, and leaves everything else to JSON', () => {
  const frame = (conv: string, text: string, clientId = '"b0.5"') =>
    Buffer.from(
      `{"ev":"msg","data":{"id":77,"conv":"${conv}","seq":12,"from":42,"clientId":${clientId},"ts":1764000000000,"kind":"text","text":"${text}"}}`,
    );
  const out = newScannedPush();
  assert.equal(scanPush(frame('g:3', encodeText(1, 5, 123456789012345)), out), true);
  assert.deepEqual(out, { group: 3, seq: 12, from: 42, worker: 1, n: 5, sentNs: 123456789012345 });
  assert.equal(scanPush(frame('d:4:42', encodeText(0, 7, 99, 40), '"x\\"y"'), out), true);
  assert.deepEqual(out, { group: 0, seq: 12, from: 42, worker: 0, n: 7, sentNs: 99 });
  for (const other of [
    frame('g:3', 'hello'),
    frame('g:3', 'b:1:2'),
    frame('g:x', encodeText(1, 5, 1)),
    Buffer.from('{"id":3,"ok":true,"data":{"id":1}}'),
    Buffer.from(
      `{"ev":"msg","data":{"id":1,"conv":"g:3","seq":2,"from":1,"clientId":"s","ts":1,"kind":"group","event":{"type":"created"}}}`,
    ),
    Buffer.from('{"ev":"msg","data":{"id":1,"conv":"g:3"'),
  ])
    assert.equal(scanPush(other, out), false, other.toString());
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

test('a group run expects each acknowledged message at every other receiver of its group', () => {
  // Two groups over two workers. Group 0: members a (w0), b (w0), c (w1); group 1: d (w0), e (w1).
  const fan = (group: number[], own: number[], got: number[], receiver: number[]): FanoutFinal => ({
    group: Int32Array.from(group),
    own: Int32Array.from(own),
    got: Int32Array.from(got),
    receiver: Uint8Array.from(receiver),
  });
  // Group 0: a sent 3, b 1, c 2 (6 in all): a expects 3, b 5, c 4. Group 1: d sent 2, e 0: e expects 2, d 0.
  const w0 = { ...final([], []), fanout: fan([0, 0, 1], [3, 1, 2], [3, 5, 0], [1, 1, 1]) };
  const w1 = { ...final([], []), fanout: fan([0, 1], [2, 0], [3, 2], [1, 1]) };
  const m = mergeFinals([w0, w1], 2);
  assert.equal(m.expected, 3 + 5 + 4 + 0 + 2);
  assert.equal(m.missing, 1); // c got 3 of 4
  assert.equal(m.unexpected, 0);
  assert.equal(m.receivers, 5);
  // A member that lost its connection is not checked; one that got more than its share is unexpected.
  const lost = mergeFinals(
    [
      { ...w0, fanout: fan([0, 0, 1], [3, 1, 2], [3, 6, 0], [1, 1, 1]) },
      { ...w1, fanout: fan([0, 1], [2, 0], [0, 2], [0, 1]) },
    ],
    2,
  );
  assert.deepEqual([lost.expected, lost.missing, lost.unexpected, lost.receivers], [3 + 5 + 0 + 2, 0, 1, 4]);
});
