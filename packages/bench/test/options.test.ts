import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { DEFAULTS, UsageError, parseOptions, type BenchOptions } from '../src/options.js';
import { cpuPlacement, parseCpuList, portsPerAddress, sourceAddress, sourceAddressPlan, workerCount } from '../src/placement.js';
import { groupCapEnv, oneMachineEnv, rateLimitEnv } from '../src/report.js';
import { suiteGroups } from '../src/scenarios/suite.js';
import { shares } from '../src/trial.js';

const parse = (...argv: string[]) => parseOptions(argv) as BenchOptions;

test('defaults, scenario defaults and flags, in that order', () => {
  const chat = parse('chat', '--spawn');
  assert.equal(chat.users, DEFAULTS.users);
  assert.equal(chat.rate, DEFAULTS.rate);
  const ref = parse('reference', '--spawn');
  assert.deepEqual([ref.users, ref.rate, ref.ramp], [4000, 20, 200]);
  const full = parse('reference', '--spawn', '--full');
  assert.deepEqual([full.ramp, full.durationS, full.full], [20, 60, true]);
  const o = parse(
    'chat',
    '--url',
    'ws://127.0.0.1:1/ws',
    '--admin-password',
    'pw',
    '--users',
    '10',
    '--rate',
    '2.5',
    '--server-env',
    'A=b=c',
    '--no-pin',
  );
  assert.deepEqual([o.users, o.rate, o.serverEnv, o.pin, o.spawn], [10, 2.5, { A: 'b=c' }, false, false]);
  assert.equal(parseOptions(['--help']), 'help');
});

test('--server-cli names another server build to spawn, as an absolute path', () => {
  assert.equal(parse('chat', '--spawn', '--server-cli', 'other/dist/src/cli.js').serverCli, resolve('other/dist/src/cli.js'));
  assert.equal(parse('chat', '--spawn').serverCli, undefined);
});

test('--report defaults to the --json path with .html', () => {
  assert.equal(parse('online', '--spawn', '--json', 'out/run.json').report, 'out/run.html');
  assert.equal(parse('online', '--spawn', '--json', 'out/run').report, 'out/run.html');
  assert.equal(parse('online', '--spawn', '--json', 'a.json', '--report', 'b.html').report, 'b.html');
  assert.equal(parse('online', '--spawn').report, undefined);
});

test('bad command lines are refused with a UsageError that says why', () => {
  const cases: [string[], RegExp][] = [
    [[], /exactly one SCENARIO/],
    [['nope', '--spawn'], /unknown scenario "nope"/],
    [['chat'], /--url URL or --spawn/],
    [['chat', '--spawn', '--url', 'ws://x/ws'], /--url URL or --spawn/],
    [['chat', '--url', 'http://x/ws', '--admin-password', 'p'], /ws:\/\//],
    [['chat', '--url', 'ws://x/ws'], /--admin-password/],
    [['chat', '--spawn', '--users', '0'], /--users must be an integer from 1/],
    [['chat', '--spawn', '--rate', 'fast'], /--rate must be a number/],
    [['chat', '--spawn', '--server-env', 'X'], /NAME=VALUE/],
    [['chat', '--url', 'ws://127.0.0.1:1/ws', '--admin-password', 'p', '--server-cli', 'x.js'], /--server-cli runs a build with --spawn/],
    [['chat', '--spawn', '--bogus'], /bogus/],
  ];
  for (const [argv, re] of cases)
    assert.throws(
      () => parseOptions(argv),
      (e: unknown) => e instanceof UsageError && re.test(e.message),
      argv.join(' '),
    );
  assert.throws(() => parseOptions(['group', '--spawn', '--users', '10']), /--groups x --members/);
  assert.throws(() => parseOptions(['group', '--spawn', '--groups', '2000', '--members', '1000']), /at most 1000000/);
});

test('group: the users are the groups times their members; the suite fits its groups in --users', () => {
  const g = parse('group', '--spawn', '--groups', '7', '--members', '30');
  assert.deepEqual([g.groups, g.members, g.users], [7, 30, 210]);
  assert.equal(parse('group', '--spawn').users, 100 * 20);
  assert.deepEqual(suiteGroups(100, 20), { groups: 5, members: 20 });
  assert.deepEqual(suiteGroups(10, 20), { groups: 1, members: 10 });
  assert.deepEqual(groupCapEnv(parse('group', '--spawn', '--groups', '2', '--members', '2000')).env, {});
  assert.deepEqual(groupCapEnv(parse('group', '--spawn', '--groups', '1', '--members', '2500')).env, {
    WARBLER_GROUPS_MAX_MEMBERS: '2500',
  });
});

test('workers hold at most 9000 connections; source addresses only beyond one address’s ports', () => {
  assert.equal(workerCount(100, 0), 1);
  assert.equal(workerCount(9000, 0), 1);
  assert.equal(workerCount(18000, 0), 2);
  assert.equal(workerCount(18001, 0), 3);
  assert.equal(workerCount(100, 4), 4);
  assert.deepEqual(sourceAddressPlan(1000, '127.0.0.1'), { perAddress: 0, addresses: 1 });
  assert.equal(sourceAddress(5, { perAddress: 0 }), undefined);
  const per = Math.floor(portsPerAddress() * 0.9);
  const plan = sourceAddressPlan(per * 2 + 1, '127.0.0.1');
  assert.deepEqual(plan, { perAddress: per, addresses: 3 });
  assert.equal(sourceAddress(0, plan), '127.0.0.1');
  assert.equal(sourceAddress(per, plan), '127.0.0.2');
  assert.equal(sourceAddress(per * 2, plan), '127.0.0.3');
  assert.equal(sourceAddressPlan(per * 3, 'example.org').addresses, 1);
});

test('shares split evenly and add up', () => {
  assert.deepEqual(shares(10, 3), [3, 3, 4]);
  assert.deepEqual(shares(2, 4), [0, 1, 0, 1]);
  assert.equal(
    shares(18001, 3).reduce((a, b) => a + b, 0),
    18001,
  );
});

test('the spawned server’s rate limit is raised only when a connection needs it', () => {
  assert.deepEqual(rateLimitEnv(parse('chat', '--spawn', '--users', '1000', '--rate', '2000')).env, {});
  const hot = rateLimitEnv(parse('chat', '--spawn', '--users', '10', '--rate', '1000'));
  assert.deepEqual(hot.env, { WARBLER_GATEWAY_FRAMES_PER_SECOND: '800', WARBLER_GATEWAY_FRAMES_BURST: '1600' });
  assert.match(hot.note!, /raised/);
  const ext = rateLimitEnv(parse('chat', '--url', 'ws://127.0.0.1:1/ws', '--admin-token', 't', '--users', '10', '--rate', '1000'));
  assert.deepEqual(ext.env, {});
  assert.match(ext.note!, /rate_limited/);
});

test('CPU lists parse, and the server and the load get different CPUs', () => {
  assert.deepEqual(parseCpuList('0-2,5'), [0, 1, 2, 5]);
  assert.deepEqual(parseCpuList('3'), [3]);
  assert.deepEqual(parseCpuList('x'), []);
  assert.equal(cpuPlacement(false).taskset, undefined);
  const p = cpuPlacement(true);
  if (p.taskset) {
    assert.ok(!parseCpuList(p.loadCpus!).includes(Number(p.serverCpus)));
    assert.equal(parseCpuList(p.loadCpus!).length, p.loadCpuCount);
  } else assert.equal(p.serverCpus, undefined);
});

test('a spawned server takes the load of one machine: per-IP connection and lookup limits off; an external one gets a note', () => {
  assert.deepEqual(oneMachineEnv(parse('chat', '--spawn')).env, {
    WARBLER_GATEWAY_MAX_CONNECTIONS_PER_IP: '0',
    WARBLER_DIRECTORY_LOOKUP_BURST: '0',
  });
  const ext = oneMachineEnv(parse('chat', '--url', 'ws://127.0.0.1:1/ws', '--admin-token', 't'));
  assert.deepEqual(ext.env, {});
  assert.match(ext.note ?? '', /one address/);
});
