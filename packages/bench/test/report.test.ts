import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseOptions, type BenchOptions } from '../src/options.js';
import { machineInfo, publicOptions, type BenchReport } from '../src/report.js';
import { renderHtml } from '../src/report-html.js';
import type { ScenarioResult } from '../src/result.js';
import { summaryText } from '../src/summary-table.js';
import { escapeXml, lineChart, niceTicks } from '../src/svg-chart.js';

test('nice ticks are round and cover the maximum', () => {
  assert.deepEqual(niceTicks(0), [0, 1]);
  assert.deepEqual(niceTicks(10), [0, 2, 4, 6, 8, 10]);
  const t = niceTicks(1234);
  assert.ok(t.at(-1)! >= 1234 && t.length <= 12);
});

test('a chart is one SVG with a line per series, breaks at nulls, and escaped text', () => {
  const svg = lineChart({
    title: 'a < b',
    xLabel: 's',
    yLabel: 'ms',
    series: [
      {
        name: 'p50',
        color: '#000',
        points: [
          [0, 1],
          [1, 2],
          [2, null],
          [3, 4],
          [4, 5],
        ],
      },
      { name: 'single', color: '#f00', points: [[0, 3]] },
    ],
  });
  assert.match(svg, /^<svg /);
  assert.match(svg, /<\/svg>$/);
  assert.equal((svg.match(/<polyline/g) ?? []).length, 2);
  assert.equal((svg.match(/<circle/g) ?? []).length, 1);
  assert.ok(svg.includes('a &lt; b'));
  assert.equal(escapeXml(`"&'`), '&quot;&amp;&#39;');
});

const run: ScenarioResult = {
  scenario: 'chat',
  against: 'warbler',
  startedAt: new Date(0).toISOString(),
  durationS: 3,
  pass: false,
  failures: ['slo p99<1ms: measured 2'],
  params: { users: 2, rate: 10, durationS: 1, ramp: 0, churn: 0, reads: 0, workers: 1, sourceAddresses: 1 },
  connections: { attempted: 2, ok: 2, failed: 0, peak: 2 },
  messages: {
    offered: 10,
    attempted: 10,
    sent: 10,
    expected: 10,
    delivered: 10,
    missing: 0,
    duplicates: 0,
    outOfOrder: 0,
    unexpected: 0,
    failed: 0,
    unacked: 0,
    skipped: 0,
    sendSeconds: 1,
    offeredRate: 10,
    achievedRate: 10,
    deliveredRate: 10,
  },
  fanout: null,
  latency: { delivery: { count: 10, min: 1, mean: 1.5, p50: 1.5, p90: 1.8, p99: 2, p999: 2, max: 2 } },
  errors: { total: 0, byCode: {} },
  server: {
    rssBeforeMiB: 50,
    rssConnectedMiB: 51,
    rssPeakMiB: 52,
    rssPerConnectionKiB: 512,
    cpuAvgPct: 10,
    cpuPeakPct: 20,
    cpuMsPerMessage: 0.1,
    cpuMsPerDelivery: 0.1,
  },
  probe: null,
  mix: null,
  load: { cpus: 1, cpuAvgPct: 95, cpuPeakPct: 99 },
  warnings: ['the load generator was saturated'],
  slo: { spec: 'p99<1ms', pass: false, checks: [{ term: 'p99<1ms', actual: 2, pass: false, skipped: false }] },
  timeline: [
    {
      t: 1,
      phase: 'send',
      connected: 2,
      sent: 10,
      acked: 10,
      delivered: 10,
      errors: 0,
      p50: 1.5,
      p99: 2,
      max: 2,
      rssMiB: 51,
      cpuPct: 10,
      loadCpuPct: 20,
    },
    {
      t: 2,
      phase: 'drain',
      connected: 2,
      sent: 0,
      acked: 0,
      delivered: 0,
      errors: 0,
      p50: null,
      p99: null,
      max: null,
      rssMiB: 51,
      cpuPct: 1,
      loadCpuPct: 2,
    },
  ],
  histograms: {},
};

function report(): BenchReport {
  const o = parseOptions(['chat', '--spawn', '--admin-password', 'secret']) as BenchOptions;
  return {
    tool: 'warbler-bench',
    version: '0.1.0',
    scenario: 'chat',
    pass: false,
    startedAt: run.startedAt,
    finishedAt: run.startedAt,
    command: 'warbler-bench chat --spawn',
    machine: machineInfo(),
    target: { against: 'warbler', url: 'ws://127.0.0.1:1/ws', spawned: true, pid: 1, pinnedCpus: '0', loadCpus: '1', env: {} },
    targets: [],
    options: publicOptions(o),
    notes: ['a note'],
    runs: [run],
    curves: [],
  };
}

test('the summary names the verdict, the latencies, the messages and the server figures', () => {
  const text = summaryText(report());
  for (const s of [
    'FAIL',
    'send → receive',
    'delivered 10',
    '512 KiB per connection',
    'note: a note',
    'p99<1ms MISSED',
    'warning: the load generator was saturated',
    'result: FAIL',
  ])
    assert.ok(text.includes(s), s);
});

test('the HTML report holds the summary and the charts, and no secrets', () => {
  const html = renderHtml(report());
  assert.match(html, /^<!doctype html>/);
  assert.equal((html.match(/<svg/g) ?? []).length, 4);
  assert.ok(html.includes('Send → receive latency'));
  assert.ok(!JSON.stringify(report()).includes('secret'));
});
