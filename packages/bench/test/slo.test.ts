import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SloError, checkSlo, parseSlo, type SloFigures } from '../src/slo.js';

test('parses latency bounds with units and metrics, delivery, errors and throughput', () => {
  const terms = parseSlo('p99<50ms, ack.p999<=2s, connect.max<500us, p50<3, delivery=100%, errors=0, throughput>=95%');
  assert.deepEqual(
    terms.map((t) => (t.kind === 'latency' ? [t.metric, t.stat, t.op, t.boundMs] : t.kind)),
    [
      ['delivery', 'p99', '<', 50],
      ['ack', 'p999', '<=', 2000],
      ['connect', 'max', '<', 0.5],
      ['delivery', 'p50', '<', 3],
      'delivery',
      'errors',
      'throughput',
    ],
  );
  assert.deepEqual(parseSlo('errors<3')[0], { kind: 'errors', text: 'errors<3', op: '<', max: 3 });
  assert.deepEqual(parseSlo('delivery>=99.9%')[0], { kind: 'delivery', text: 'delivery>=99.9%', minPct: 99.9 });
});

test('a bad term is refused with its text in the message', () => {
  for (const bad of ['', 'p98<5ms', 'p99>5ms', 'foo.p99<5ms', 'delivery=101%', 'errors=-1', 'throughput=90%', 'p99<5min']) {
    assert.throws(
      () => parseSlo(bad),
      (e: unknown) => e instanceof SloError && e.message.startsWith('--slo'),
      bad,
    );
  }
  assert.throws(() => parseSlo('p99<50ms,p98<1ms'), /"p98<1ms"/);
});

const figures = (over: Partial<SloFigures> = {}): SloFigures => ({
  latency: { delivery: { count: 100, p50: 1, p90: 2, p99: 40, p999: 60, max: 80 } },
  expected: 100,
  delivered: 100,
  errors: 0,
  offeredRate: 1000,
  achievedRate: 990,
  ...over,
});

test('checks pass and fail, and terms the run did not measure are skipped', () => {
  const ok = checkSlo(parseSlo('p99<50ms,delivery=100%,errors=0,throughput>=95%'), figures());
  assert.equal(ok.pass, true);
  assert.deepEqual(
    ok.checks.map((c) => c.actual),
    [40, 100, 0, 99],
  );
  const bad = checkSlo(parseSlo('p99<40ms,p99<=40ms,delivery=100%,errors<1'), figures({ delivered: 99, errors: 1 }));
  assert.deepEqual(
    bad.checks.map((c) => c.pass),
    [false, true, false, false],
  );
  assert.equal(bad.pass, false);
  const none = checkSlo(parseSlo('ack.p99<1ms,delivery=100%'), figures({ expected: 0, delivered: 0 }));
  assert.equal(none.pass, true);
  assert.deepEqual(
    none.checks.map((c) => c.skipped),
    [true, true],
  );
});
