import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { BenchReport } from '../src/report.js';
import type { ScenarioResult } from '../src/result.js';

// Small runs of every scenario through the CLI against a spawned server: they check exactly-once
// delivery and the report's shape, never speed.

const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'cli.js');
const dir = mkdtempSync(join(tmpdir(), 'warbler-bench-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the bench CLI in a process group of its own, so that a run killed for taking too long takes the
 * servers it spawned with it (they would go on running, and loading the machine, after a plain kill).
 */
function cli(args: string[], timeoutMs = 50_000): Promise<CliRun> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => process.kill(-p.pid!, 'SIGKILL'), timeoutMs);
    p.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs a scenario with --spawn and --json; returns the exit code and the parsed report. */
async function bench(name: string, args: string[]): Promise<{ r: CliRun; report: BenchReport; html: string }> {
  const json = join(dir, `${name}.json`);
  const r = await cli([name, '--spawn', '--quiet', '--json', json, ...args]);
  assert.ok(existsSync(json), `no JSON written (exit ${r.code}): ${r.stderr}`);
  const report = JSON.parse(readFileSync(json, 'utf8')) as BenchReport;
  const html = readFileSync(join(dir, `${name}.html`), 'utf8');
  return { r, report, html };
}

const RUN_FIELDS = [
  'scenario',
  'against',
  'startedAt',
  'durationS',
  'pass',
  'failures',
  'params',
  'connections',
  'messages',
  'fanout',
  'latency',
  'errors',
  'server',
  'probe',
  'mix',
  'load',
  'warnings',
  'slo',
  'timeline',
  'histograms',
];
const MESSAGE_FIELDS = [
  'offered',
  'attempted',
  'sent',
  'expected',
  'delivered',
  'missing',
  'duplicates',
  'outOfOrder',
  'skipped',
  'offeredRate',
  'achievedRate',
];
const SUMMARY_FIELDS = ['count', 'min', 'mean', 'p50', 'p90', 'p99', 'p999', 'max'];

/** The documented shape, zero errors and exactly-once delivery. */
function assertRun(run: ScenarioResult, users: number, opts: { messages: boolean }): void {
  assert.deepEqual(Object.keys(run).sort(), [...RUN_FIELDS].sort());
  for (const f of MESSAGE_FIELDS) assert.equal(typeof run.messages[f as keyof ScenarioResult['messages']], 'number', f);
  assert.deepEqual(run.errors, { total: 0, byCode: {} }, JSON.stringify(run.errors));
  assert.equal(run.connections.failed, 0);
  assert.ok(run.connections.ok >= users);
  for (const k of ['connect', 'login'] as const) assert.deepEqual(Object.keys(run.latency[k] ?? {}), SUMMARY_FIELDS, k);
  assert.equal(run.latency.login!.count, users);
  const m = run.messages;
  assert.equal(m.delivered, m.expected, 'delivered == expected');
  if (!run.fanout) assert.equal(m.expected, m.sent);
  assert.equal(m.missing, 0);
  assert.equal(m.duplicates, 0);
  assert.equal(m.outOfOrder, 0);
  assert.equal(m.unacked, 0);
  if (opts.messages) {
    assert.ok(m.sent > 0, 'messages were sent');
    assert.equal(run.latency.delivery!.count, m.delivered);
    assert.ok(run.latency.delivery!.p50 > 0);
    // Every push was read by the fast scan: the server writes the layout push-scan.ts expects.
    assert.ok(!run.warnings.some((w) => w.includes('fast scan')), run.warnings.join('; '));
  }
  assert.ok(run.server, 'a spawned server is sampled');
  assert.ok(run.server.rssBeforeMiB > 0 && run.server.rssPeakMiB >= run.server.rssBeforeMiB);
  assert.ok(run.timeline.length >= 1);
  assert.equal(run.pass, true, run.failures.join('; '));
}

function assertReport(rep: BenchReport, html: string, scenario: string, r: CliRun): void {
  assert.equal(r.code, 0, r.stderr);
  assert.equal(rep.tool, 'warbler-bench');
  assert.equal(rep.scenario, scenario);
  assert.equal(rep.pass, true);
  assert.equal(rep.target.spawned, true);
  for (const k of ['version', 'startedAt', 'finishedAt', 'command', 'machine', 'options', 'notes', 'runs']) assert.ok(k in rep, k);
  assert.match(r.stdout, /result: PASS/);
  assert.match(html, /<svg/);
}

test('online: users connect, log in and hold', { timeout: 60_000 }, async () => {
  const { r, report, html } = await bench('online', ['--users', '300', '--duration', '1']);
  assertReport(report, html, 'online', r);
  assertRun(report.runs[0]!, 300, { messages: false });
  assert.ok(report.runs[0]!.server!.rssPerConnectionKiB !== null);
});

test('storm: every user reconnects at once with its token', { timeout: 60_000 }, async () => {
  const { r, report, html } = await bench('storm', ['--users', '300', '--duration', '1']);
  assertReport(report, html, 'storm', r);
  const run = report.runs[0]!;
  assertRun(run, 300, { messages: false });
  assert.equal(run.latency.relogin!.count, 300);
  assert.equal(run.connections.ok, 600);
});

test('chat: random 1:1 messages arrive exactly once, in order', { timeout: 60_000 }, async () => {
  const json = join(dir, 'chat-progress.json');
  const r = await cli(['chat', '--spawn', '--users', '200', '--rate', '400', '--duration', '2', '--json', json]);
  const report = JSON.parse(readFileSync(json, 'utf8')) as BenchReport;
  assertReport(report, readFileSync(join(dir, 'chat-progress.html'), 'utf8'), 'chat', r);
  const run = report.runs[0]!;
  assertRun(run, 200, { messages: true });
  assert.equal(run.messages.offered, 800);
  assert.match(r.stderr, /\] chat\/send {2}conn \d+ {2}sent \d+\/s {2}dlv \d+\/s/, 'a progress line every second');
  assert.ok(run.server!.cpuMsPerMessage! > 0);
});

test('reference (shortened): messages during the ramp only go to users online', { timeout: 60_000 }, async () => {
  const { r, report, html } = await bench('reference', ['--users', '200', '--ramp', '200', '--duration', '1']);
  assertReport(report, html, 'reference', r);
  assertRun(report.runs[0]!, 200, { messages: true });
});

test('soak (shortened): chat, reads and reconnections together', { timeout: 60_000 }, async () => {
  const { r, report, html } = await bench('soak', ['--users', '200', '--rate', '200', '--duration', '2', '--churn', '20', '--reads', '20']);
  assertReport(report, html, 'soak', r);
  const run = report.runs[0]!;
  assertRun(run, 220, { messages: true });
  assert.ok(run.latency.relogin!.count > 0, 'reconnections happened');
  assert.ok(run.latency.read!.count > 0, 'reads happened');
});

test('suite (tiny): online, storm, chat, group and reference in one report', { timeout: 60_000 }, async () => {
  const { r, report, html } = await bench('suite', ['--users', '100', '--rate', '200', '--duration', '1']);
  assertReport(report, html, 'suite', r);
  assert.deepEqual(
    report.runs.map((x) => x.scenario),
    ['online', 'storm', 'chat', 'group', 'reference'],
  );
  report.runs.forEach((run, i) => assertRun(run, 100, { messages: i >= 2 }));
  assert.deepEqual([report.runs[3]!.fanout!.groups, report.runs[3]!.fanout!.members], [5, 20]);
  assert.equal((html.match(/<section>/g) ?? []).length, 5);
});

test('--slo with an impossible bound fails the run (exit 1)', { timeout: 60_000 }, async () => {
  const { r, report } = await bench('chat', ['--users', '50', '--rate', '100', '--duration', '1', '--slo', 'p50<0.001ms,delivery=100%']);
  assert.equal(r.code, 1, r.stderr);
  assert.equal(report.pass, false);
  const slo = report.runs[0]!.slo!;
  assert.deepEqual(
    slo.checks.map((c) => [c.term, c.pass]),
    [
      ['p50<0.001ms', false],
      ['delivery=100%', true],
    ],
  );
  assert.match(r.stdout, /result: FAIL/);
});

test('group: every message reaches every other member exactly once, in order', { timeout: 60_000 }, async () => {
  const { r, report, html } = await bench('group', ['--groups', '3', '--members', '40', '--rate', '60', '--duration', '2']);
  assertReport(report, html, 'group', r);
  const run = report.runs[0]!;
  assertRun(run, 120, { messages: true });
  assert.deepEqual(run.fanout, { groups: 3, members: 40, receivers: 120, receiversLost: 0, offeredDeliveryRate: 60 * 39 });
  const m = run.messages;
  assert.equal(m.offered, 120);
  assert.equal(m.sent, 120);
  // Each acknowledged message once to each of the 39 other members, all online.
  assert.equal(m.expected, m.sent * 39);
  assert.ok(run.server!.cpuMsPerDelivery! > 0 && run.server!.cpuMsPerMessage! > run.server!.cpuMsPerDelivery!);
  assert.match(r.stdout, /groups: 3 of 40 members; 120 receivers checked/);
  assert.match(r.stdout, /deliveries: expected 4680, delivered 4680, missing 0, duplicates 0, out of order 0, unexpected 0/);
});

test('a bad --slo is a usage error (exit 2) before anything starts', async () => {
  const r = await cli(['chat', '--spawn', '--slo', 'p98<1ms']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--slo: "p98<1ms"/);
});

test(
  'realistic (tiny, pre-filled): SDK-like clients, every message once to every recipient by push or sync',
  { timeout: 90_000 },
  async () => {
    const cache = join(dir, 'prefill-cache');
    const args = [
      '--users',
      '60',
      '--rate',
      '60',
      '--duration',
      '2',
      '--prefill',
      '2000',
      '--prefill-cache',
      cache,
      '--away',
      '0.03',
      '--away-time',
      '0.3',
    ];
    const { r, report, html } = await bench('realistic', args);
    assertReport(report, html, 'realistic', r);
    const run = report.runs[0]!;
    assert.equal(run.against, 'warbler');
    assert.deepEqual(Object.keys(run.errors.byCode), [], JSON.stringify(run.errors));
    const m = run.messages;
    assert.ok(m.sent > 0);
    assert.equal(m.delivered, m.expected, 'every acknowledged message reached every recipient');
    assert.ok(m.expected > m.sent, 'group messages have several recipients');
    assert.deepEqual([m.missing, m.duplicates, m.outOfOrder, m.unacked], [0, 0, 0, 0]);
    const x = run.mix!;
    assert.deepEqual(x.prefill && [x.prefill.messages, x.prefill.reused], [2000, false]);
    assert.equal(x.plan.users, 60);
    assert.ok(x.plan.groups > 0);
    // What SDK clients do besides sending happened, and was answered.
    for (const op of ['receipt', 'sync'] as const) assert.ok(x.ops[op].count > 0 && x.ops[op].errors === 0, op);
    assert.ok(run.latency.receipt!.count > 0 && run.latency.sync!.count > 0);
    assert.ok(x.awayCycles >= 1, 'some users went offline and came back');
    assert.equal(run.latency.relogin!.count, x.awayCycles, 'each came back with its token');
    assert.ok((x.events.receipt ?? 0) > 0, 'receipts reached the senders');
    assert.ok(run.probe!.healthz!.count > 0, '/healthz was watched');
    assert.ok(run.server!.cpuMsPerMessage! > 0);
    assert.match(report.notes.join('\n'), /held 2000 messages at the start: filled for this run/);
    assert.equal(report.curves.length, 1);
    assert.deepEqual(
      report.curves[0]!.rows.map((row) => [row.offered, row.allDelivered]),
      [[60, true]],
    );
    assert.match(r.stdout, /people: 60 users/);
    assert.match(r.stdout, /== curve: realistic against warbler/);
  },
);

test('pairs against Warbler and the relay at two rates: the curves, the same traffic, exactly once', { timeout: 90_000 }, async () => {
  const { r, report, html } = await bench('pairs', [
    '--users',
    '40',
    '--rates',
    '40,80',
    '--duration',
    '1',
    '--against',
    'both',
    '--receipt-ms',
    '200',
  ]);
  assertReport(report, html, 'pairs', r);
  assert.deepEqual(
    report.runs.map((x) => [x.against, x.params.rate]),
    [
      ['warbler', 40],
      ['warbler', 80],
      ['relay', 40],
      ['relay', 80],
    ],
  );
  assert.deepEqual(
    report.targets.map((t) => t.against),
    ['warbler', 'relay'],
  );
  for (const run of report.runs) {
    const m = run.messages;
    assert.ok(m.sent > 0);
    assert.deepEqual([m.delivered, m.missing, m.duplicates, m.outOfOrder], [m.expected, 0, 0, 0], run.against);
    assert.equal(m.expected, m.sent, 'one recipient each');
    // Almost every message opens a new conversation.
    assert.ok(run.mix!.newConversations >= m.sent - 1);
    assert.ok(run.mix!.ops.receipt.count > 0, 'delivery receipts on');
  }
  assert.deepEqual(
    report.curves.map((c) => [c.scenario, c.against, c.rows.length, c.p99BoundMs]),
    [
      ['pairs', 'warbler', 2, 100],
      ['pairs', 'relay', 2, 100],
    ],
  );
  assert.match(r.stdout, /== curve: pairs against relay/);
  assert.match(r.stdout, /highest rate within the bound: /);
});
