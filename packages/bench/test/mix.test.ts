import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import WebSocket from 'ws';
import { Agenda } from '../src/agenda.js';
import { buildCurves } from '../src/curve.js';
import { newScannedPush, scanPush } from '../src/push-scan.js';
import { MIX_DEFAULTS } from '../src/mix-options.js';
import { encodeText } from '../src/message-text.js';
import { UsageError, parseOptions, type BenchOptions } from '../src/options.js';
import { preparePrefill } from '../src/prefill.js';
import { Relay } from '../src/relay.js';
import type { ScenarioResult } from '../src/result.js';
import { pickCumulative, seededRandom, zipfRank, zipfShare } from '../src/rng.js';
import { parseMetrics } from '../src/server-probe.js';
import { buildPlan, conversationWeights, planSummary, type PlanShape } from '../src/social-plan.js';

const dir = mkdtempSync(join(tmpdir(), 'warbler-bench-mix-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const SHAPE: PlanShape = { convs: 8, groups: 30, groupSizes: [3, 40], groupShare: 0.3, seed: 7 };

test('the social plan is the same for the same seed, symmetric, and spread by a power law', () => {
  const a = buildPlan(300, SHAPE);
  assert.deepEqual(buildPlan(300, SHAPE), a, 'same seed, same people');
  assert.notDeepEqual(buildPlan(300, { ...SHAPE, seed: 8 }).contacts, a.contacts);
  a.contacts.forEach((list, i) => {
    assert.equal(new Set(list).size, list.length, 'no partner twice');
    for (const j of list) {
      assert.notEqual(j, i);
      assert.ok(a.contacts[j]!.includes(i), 'partners know each other');
    }
  });
  const s = planSummary(a);
  assert.ok(s.convsPerUser.mean >= 4 && s.convsPerUser.mean <= 16, `mean ${s.convsPerUser.mean}`);
  // A power law: the busiest user keeps many times the median.
  assert.ok(s.convsPerUser.max >= 5 * s.convsPerUser.p50, JSON.stringify(s.convsPerUser));
  assert.equal(a.groups.length, 30);
  for (const g of a.groups) {
    assert.ok(g.length >= 3 && g.length <= 40);
    assert.equal(new Set(g).size, g.length);
  }
  a.groups.forEach((g, gi) => g.forEach((m) => assert.ok(a.groupsOf[m]!.includes(gi))));
});

test('the pre-fill weights describe the traffic: they add up to one, groups getting the group share', () => {
  const plan = buildPlan(200, SHAPE);
  const w = conversationWeights(plan, SHAPE.groupShare);
  const direct = w.direct.reduce((n, [, , x]) => n + x, 0);
  const groups = w.groups.reduce((n, x) => n + x, 0);
  assert.ok(Math.abs(direct + groups - 1) < 1e-9, `${direct} + ${groups}`);
  assert.ok(groups > 0.1 && groups < 0.5, `group share ${groups}`);
  assert.equal(w.direct.length, planSummary(plan).directConversations);
});

test('Zipf ranks: the odds add up to one and the first rank is the likeliest', () => {
  const n = 20;
  const shares = Array.from({ length: n }, (_, k) => zipfShare(n, k));
  assert.ok(Math.abs(shares.reduce((a, b) => a + b, 0) - 1) < 1e-12);
  assert.ok(shares[0]! > shares[1]! && shares[1]! > shares[19]!);
  const r = seededRandom(3);
  const counts = new Array<number>(n).fill(0);
  for (let i = 0; i < 20_000; i++) counts[zipfRank(n, r())]!++;
  assert.ok(Math.abs(counts[0]! / 20_000 - shares[0]!) < 0.02);
  assert.equal(pickCumulative([1, 3, 6], 0.5), 0);
  assert.equal(pickCumulative([1, 3, 6], 3), 2);
});

test('the agenda runs what is due, earliest first, and what is left on flush', () => {
  const a = new Agenda(5);
  const seen: number[] = [];
  for (const t of [30, 10, 20, 10, 40]) a.at(t, () => seen.push(t));
  a.runDue(20);
  assert.deepEqual(seen, [10, 10, 20]);
  a.at(25, () => seen.push(25));
  a.flush();
  assert.deepEqual(seen, [10, 10, 20, 25, 30, 40]);
  assert.equal(a.size, 0);
});

test('/metrics text is read into figures; histogram buckets are skipped', () => {
  const m = parseMetrics(
    '# HELP x y\nwarbler_store_latency_seconds_bucket{le="0.1"} 4\nwarbler_store_latency_seconds_sum 0.5\n' +
      'warbler_store_latency_seconds_count 10\nwarbler_errors_total{code="a"} 2\nwarbler_errors_total{code="b"} 3\nbad line\n',
  );
  assert.equal(m.get('warbler_store_latency_seconds_sum'), 0.5);
  assert.equal(m.get('warbler_store_latency_seconds_count'), 10);
  assert.equal(m.get('warbler_errors_total'), 5);
  assert.equal(m.has('warbler_store_latency_seconds_bucket'), false);
});

test('the curve: one row per rate, and the highest rate within the bound that kept up and delivered everything', () => {
  const point = (rate: number, p99: number, achieved: number, missing = 0): ScenarioResult =>
    ({
      scenario: 'realistic',
      against: 'warbler',
      params: { rate },
      messages: { sent: 10, missing, duplicates: 0, outOfOrder: 0, delivered: 10, expected: 10, achievedRate: achieved },
      latency: { delivery: { p50: 1, p99, max: p99 * 2 } },
      server: null,
      probe: null,
    }) as unknown as ScenarioResult;
  const [c] = buildCurves([point(1000, 20, 1000), point(100, 5, 100), point(2000, 40, 1700), point(1500, 30, 1500, 1)], 50);
  assert.deepEqual(
    c!.rows.map((r) => [r.offered, r.withinBound]),
    [
      [100, true],
      [1000, true],
      [1500, false],
      [2000, false],
    ],
  );
  assert.equal(c!.best, 1000);
});

test('the client-mix flags: defaults per scenario, knobs, and what is refused', () => {
  const parse = (...a: string[]) => parseOptions(a) as BenchOptions;
  const r = parse('realistic', '--spawn', '--users', '500');
  assert.deepEqual(r.mix, { ...MIX_DEFAULTS.realistic, groups: 50 });
  assert.deepEqual(r.rates, [1000]);
  assert.equal(r.p99BoundMs, 50);
  const p = parse(
    'pairs',
    '--spawn',
    '--rates',
    '100,500',
    '--no-delivery-receipts',
    '--read-share',
    '0',
    '--against',
    'both',
    '--prefill',
    '1000',
  );
  assert.deepEqual([p.rates, p.rate, p.mix!.deliveryReceipts, p.mix!.readShare, p.mix!.newConvShare], [[100, 500], 100, false, 0, 1]);
  assert.deepEqual([p.against, p.prefill, p.p99BoundMs], ['both', 1000, 100]);
  assert.deepEqual(parse('realistic', '--spawn', '--groups', '0', '--group-sizes', '2-9').mix!.groups, 0);
  const cases: [string[], RegExp][] = [
    [['realistic', '--spawn', '--group-sizes', '9-2'], /--group-sizes/],
    [['realistic', '--spawn', '--typing-share', '2'], /--typing-share must be a number from 0 to 1/],
    [['chat', '--spawn', '--typing-share', '0.5'], /--typing-share is for realistic, pairs/],
    [['chat', '--spawn', '--prefill', '10'], /--prefill is for realistic, pairs/],
    [['realistic', '--url', 'ws://x/ws', '--admin-password', 'p', '--prefill', '10'], /--prefill .* --spawn/],
    [['realistic', '--url', 'ws://x/ws', '--admin-password', 'p', '--against', 'relay'], /--against relay spawns the relay/],
    [['realistic', '--spawn', '--against', 'ejabberd'], /--against is one of/],
    [['online', '--spawn', '--rates', '1,2'], /--rates is for/],
    [['chat', '--spawn', '--rates', '1,x'], /--rates must be a number/],
  ];
  for (const [argv, re] of cases)
    assert.throws(
      () => parseOptions(argv),
      (e: unknown) => e instanceof UsageError && re.test(e.message),
      argv.join(' '),
    );
});

test('a pre-filled store is filled once per shape by the server tool, then reused from the cache', async () => {
  const plan = buildPlan(30, { ...SHAPE, groups: 3, groupSizes: [3, 6] });
  const shape = { ...SHAPE, groups: 3, groupSizes: [3, 6] as [number, number] };
  const logs: string[] = [];
  const first = await preparePrefill(plan, shape, 500, { cacheRoot: dir, serverCli: undefined }, (l) => logs.push(l));
  assert.equal(first.fill.reused, false);
  assert.equal(first.users.length, 30);
  assert.equal(new Set(first.users.map((u) => u.token)).size, 30);
  assert.equal(first.groupConvs.length, 3);
  // Every message and every group's `created` event has its sequence: the last ones add up.
  const total = Object.values(first.lastSeq).reduce((a, b) => a + b, 0);
  assert.equal(total, 500 + 3);
  assert.ok(
    logs.some((l) => /done: 500 messages/.test(l)),
    logs.join('\n'),
  );
  const again = await preparePrefill(plan, shape, 500, { cacheRoot: dir, serverCli: undefined }, () => undefined);
  assert.equal(again.fill.reused, true);
  assert.deepEqual(again.users, first.users);
  assert.equal(again.dataDir, first.dataDir);
  const other = await preparePrefill(plan, shape, 600, { cacheRoot: dir, serverCli: undefined }, () => undefined);
  assert.notEqual(other.dataDir, first.dataDir, 'another size is another fill');
});

/** A WebSocket client of the relay that collects what it receives. */
async function relayClient(
  url: string,
  token: string,
): Promise<{ ws: WebSocket; frames: string[]; next: (pred: (f: string) => boolean) => Promise<string> }> {
  const ws = new WebSocket(url);
  const frames: string[] = [];
  const waiters: [(f: string) => boolean, (f: string) => void][] = [];
  ws.on('message', (d: Buffer) => {
    const f = d.toString();
    frames.push(f);
    for (const [i, [pred, res]] of waiters.entries())
      if (pred(f)) {
        waiters.splice(i, 1);
        res(f);
        break;
      }
  });
  await new Promise((r) => ws.once('open', r));
  const next = (pred: (f: string) => boolean) =>
    new Promise<string>((res) => {
      const seen = frames.find(pred);
      if (seen) return res(seen);
      waiters.push([pred, res]);
    });
  ws.send(JSON.stringify({ id: 1, op: 'hello', data: { protocol: 1 } }));
  ws.send(JSON.stringify({ id: 2, op: 'auth.resume', data: { token } }));
  await next((f) => f.startsWith('{"id":2,'));
  return { ws, frames, next };
}

test('the relay: trivial tokens, an ack at once, the push in the server layout, receipts, typing, sync, empty history', async () => {
  const relay = new Relay();
  const port = await relay.listen(0, '127.0.0.1');
  try {
    const res = await fetch(`http://127.0.0.1:${port}/api/admin/users`, {
      method: 'POST',
      body: JSON.stringify({ users: [{ username: 'a' }, { username: 'b' }], issueTokens: true }),
    });
    const { users } = (await res.json()) as { users: { id: number; token: string }[] };
    assert.equal(users.length, 2);
    const [ua, ub] = users as [{ id: number; token: string }, { id: number; token: string }];
    const url = `ws://127.0.0.1:${port}/ws`;
    const a = await relayClient(url, ua.token);
    const b = await relayClient(url, ub.token);
    const text = encodeText(0, 5, 123);
    a.ws.send(JSON.stringify({ id: 3, op: 'msg.send', data: { to: ub.id, clientId: 'c1', text } }));
    const ack = JSON.parse(await a.next((f) => f.startsWith('{"id":3,'))) as {
      ok: boolean;
      data: { conv: string; seq: number; duplicate: boolean };
    };
    const conv = `d:${Math.min(ua.id, ub.id)}:${Math.max(ua.id, ub.id)}`;
    assert.deepEqual([ack.ok, ack.data.conv, ack.data.seq, ack.data.duplicate], [true, conv, 1, false]);
    const push = await b.next((f) => f.startsWith('{"ev":"msg"'));
    const scanned = newScannedPush();
    assert.ok(scanPush(Buffer.from(push), scanned), `the bench's scan reads the relay's push: ${push}`);
    assert.deepEqual([scanned.seq, scanned.from, scanned.worker, scanned.n, scanned.sentNs], [1, ua.id, 0, 5, 123]);
    // A resend with the same clientId is a duplicate, not a second message.
    a.ws.send(JSON.stringify({ id: 4, op: 'msg.send', data: { to: ub.id, clientId: 'c1', text } }));
    assert.match(await a.next((f) => f.startsWith('{"id":4,')), /"seq":1,.*"duplicate":true/);
    b.ws.send(JSON.stringify({ id: 5, op: 'conv.delivered', data: { conv, seq: 1 } }));
    assert.match(await b.next((f) => f.startsWith('{"id":5,')), /"deliveredSeq":1/);
    assert.match(await a.next((f) => f.startsWith('{"ev":"receipt"')), new RegExp(`"user":${ub.id},"delivered":1`));
    b.ws.send(JSON.stringify({ id: 6, op: 'typing', data: { conv, typing: true } }));
    assert.match(await a.next((f) => f.startsWith('{"ev":"typing"')), /"typing":true/);
    b.ws.send(JSON.stringify({ id: 7, op: 'sync', data: { cursors: {} } }));
    const sync = JSON.parse(await b.next((f) => f.startsWith('{"id":7,'))) as {
      data: { messages: { seq: number; text: string }[]; more: boolean };
    };
    assert.deepEqual(
      sync.data.messages.map((m) => [m.seq, m.text]),
      [[1, text]],
    );
    b.ws.send(JSON.stringify({ id: 8, op: 'sync', data: { cursors: { [conv]: 1 } } }));
    assert.match(await b.next((f) => f.startsWith('{"id":8,')), /"messages":\[\],"more":false/);
    b.ws.send(JSON.stringify({ id: 9, op: 'msg.history', data: { conv } }));
    assert.match(await b.next((f) => f.startsWith('{"id":9,')), /"messages":\[\]/);
    // Nothing was pushed twice, and the sender got no push of its own message.
    assert.equal(b.frames.filter((f) => f.startsWith('{"ev":"msg"')).length, 1);
    assert.equal(a.frames.filter((f) => f.startsWith('{"ev":"msg"')).length, 0);
    const bad = await relayClient(url, 'wb1_not-a-relay-token');
    assert.match(
      bad.frames.find((f) => f.startsWith('{"id":2,'))!,
      /"ok":false.*token_invalid/,
    );
    for (const c of [a, b, bad]) c.ws.close();
  } finally {
    await relay.close();
  }
});
