import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { MIX_FLAGS, MIX_SCENARIOS, MIX_USAGE, parseMixKnobs, type MixKnobs, type MixScenario } from './mix-options.js';

export const SCENARIOS = ['online', 'storm', 'chat', 'group', 'reference', 'soak', 'suite', 'realistic', 'pairs'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];
/** Scenarios that can run at several rates (--rates): the ones that send at --rate. */
export const SWEEP_SCENARIOS: readonly ScenarioName[] = ['chat', 'group', 'realistic', 'pairs'];
/** What the run measures: the Warbler server, the bare relay (the same-hour reference), or both in turn. */
export const TARGETS = ['warbler', 'relay', 'both'] as const;
export type Against = (typeof TARGETS)[number];

/** True for the scenarios whose clients behave as the SDK does (mix-load.ts). */
export function isMixScenario(s: ScenarioName): s is MixScenario {
  return (MIX_SCENARIOS as readonly string[]).includes(s);
}

/** Every option of a run. Defaults: DEFAULTS, then SCENARIO_DEFAULTS of the scenario, then flags. */
export interface BenchOptions {
  scenario: ScenarioName;
  /** WebSocket URL of the server, e.g. ws://127.0.0.1:8080/ws (not with --spawn). */
  url: string | undefined;
  /** Start a server on a fresh data folder for the run and sample its RSS and CPU. */
  spawn: boolean;
  /** Users (connections); group: --groups × --members. */
  users: number;
  /** Messages per second offered, all users together. */
  rate: number;
  /** Seconds: holding (online, storm), sending (chat, soak), sending after the ramp (reference). */
  durationS: number;
  /** New connections per second while connecting; 0: as fast as `concurrency` allows. */
  ramp: number;
  /** Connection attempts in flight per worker while connecting. */
  concurrency: number;
  /** Worker processes; 0: one per 9000 connections. */
  workers: number;
  /** Seconds to wait after sending for the last acks and deliveries. */
  graceS: number;
  connectTimeoutS: number;
  /** Unacknowledged sends allowed per worker; more are skipped and counted. */
  maxInflight: number;
  /** Pad message texts to this many characters. */
  textBytes: number;
  /** Conversation partners per user: 1 = fixed random pairs, K > 1 = K neighbours either side, 0 = anyone. */
  peers: number;
  /** soak: reconnections per second (of a separate pool of users). */
  churn: number;
  /** soak: read requests (conv.list) per second. */
  reads: number;
  /** group: groups, and members per group (every member in one group, all online). */
  groups: number;
  members: number;
  /** reference: the reference product's full pace (20 connections/s, 60 s after the ramp). */
  full: boolean;
  json: string | undefined;
  report: string | undefined;
  slo: string | undefined;
  adminUser: string;
  adminPassword: string | undefined;
  adminToken: string | undefined;
  /** Sample this process (an external server) like a spawned one. */
  serverPid: number | undefined;
  /** Extra environment for the spawned server: NAME=VALUE. */
  serverEnv: Record<string, string>;
  /** Extra node flags for the spawned server, e.g. --cpu-prof (not allowed in NODE_OPTIONS). */
  serverNodeArgs: string[];
  /** The spawned server's cli.js, when not this checkout's build (A/B runs of two builds). */
  serverCli: string | undefined;
  /** Pin the spawned server to one CPU and the load to the others (taskset). */
  pin: boolean;
  /** Offered rates of a latency-against-load curve, run in turn on the same server (--rates); else [rate]. */
  rates: number[];
  /** The curve's bound: the highest rate whose send→receive p99 is at most this (ms), all delivered. */
  p99BoundMs: number;
  /** The server under test: Warbler, the bare relay (same-hour reference), or both in turn. */
  against: Against;
  /** realistic, pairs: messages in the store before the run (a cached pre-filled copy; --spawn). */
  prefill: number;
  /** Where pre-filled stores are cached. */
  prefillCache: string;
  /** realistic, pairs: how the simulated people behave. */
  mix: MixKnobs | undefined;
  quiet: boolean;
  keepData: boolean;
}

export const DEFAULTS: Omit<BenchOptions, 'scenario'> = {
  url: undefined,
  spawn: false,
  users: 1000,
  rate: 1000,
  durationS: 10,
  ramp: 0,
  concurrency: 500,
  workers: 0,
  graceS: 5,
  connectTimeoutS: 30,
  maxInflight: 20000,
  textBytes: 0,
  peers: 1,
  churn: 0,
  reads: 0,
  groups: 100,
  members: 20,
  full: false,
  json: undefined,
  report: undefined,
  slo: undefined,
  adminUser: 'benchadmin',
  adminPassword: undefined,
  adminToken: undefined,
  serverPid: undefined,
  serverEnv: {},
  serverNodeArgs: [],
  serverCli: undefined,
  pin: true,
  rates: [],
  p99BoundMs: 100,
  against: 'warbler',
  prefill: 0,
  prefillCache: '',
  mix: undefined,
  quiet: false,
  keepData: false,
};

/** What each scenario changes in DEFAULTS. */
export const SCENARIO_DEFAULTS: Record<ScenarioName, Partial<BenchOptions>> = {
  online: { rate: 0 },
  storm: { rate: 0, durationS: 5 },
  chat: {},
  group: {},
  // The reference product's run: 4000 users ramped at 20/s with about 20 msg/s; by default the ramp
  // is 10 times faster (20 s instead of 200 s); --full restores it.
  reference: { users: 4000, rate: 20, ramp: 200, peers: 0 },
  soak: { users: 2000, rate: 500, durationS: 600, churn: 20, reads: 50 },
  suite: {},
  realistic: { users: 2000, durationS: 20, p99BoundMs: 50 },
  pairs: { users: 2000, durationS: 20 },
};

export const USAGE = `warbler-bench: load generator for the Warbler server

Usage: warbler-bench SCENARIO [options]

Scenarios:
  online     N users connect, log in (auth.resume) and hold for --duration s
  storm      N users connect, drop, and reconnect all at once with their saved tokens
  chat       N users online; random 1:1 messages at --rate msg/s for --duration s
  group      G groups of M members, all online; random members send --rate msg/s in total to
             their groups; every other member must receive each message once, in order
  reference  the reference product's run: 4000 users ramped at 20/s, about 20 msg/s
             (by default ramped at 200/s; --full for the original pace)
  soak       a mixed load for a long time: chat, reads (--reads/s) and reconnections (--churn/s)
  suite      online, storm, chat, group and reference in turn, with the sizes given by the flags
  realistic  the headline: clients behave as the SDK does (delivery and read receipts, typing, history,
             conversation lists, going offline and catching up by sync), with a power-law spread of
             1:1 conversations, groups of varied sizes and a share of new conversations; optionally on a
             store pre-filled with millions of messages (--prefill)
  pairs      the worst case: every message to a random user (a new conversation), receipts on
  relay      not a scenario: runs the bare relay (the same-hour reference) in the foreground:
             warbler-bench relay [--port N] [--host H]

Options:
  --url URL             server WebSocket URL (ws://host:port/ws); or
  --spawn               start a server on a fresh data folder (pinned to one CPU) and sample it
  --users N             users (default 1000; reference 4000; soak 2000; group: G x M)
  --rate N              messages per second offered (default 1000; reference 20; soak 500)
  --duration S          seconds to hold or send (default 10; storm 5; soak 600)
  --ramp N              connections per second (default: as fast as --concurrency allows)
  --concurrency N       connection attempts in flight per worker (default 500)
  --workers N           load worker processes (default: one per 9000 connections)
  --grace S             seconds to wait for the last deliveries (default 5)
  --connect-timeout S   per connection (default 30)
  --max-inflight N      unacknowledged sends per worker before sends are skipped (default 20000)
  --text-bytes N        pad message texts to N characters
  --peers K             conversation partners per user: 1 fixed pairs (default), K neighbours either
                        side, 0 anyone (reference: 0, recipients drawn from users already online)
  --churn N             soak: reconnections per second (default 20)
  --reads N             soak: conv.list requests per second (default 50)
  --groups G, --members M   group: G groups of M members (default 100 of 20); suite: groups of M
                        out of --users
  --full                reference: the original 20 connections/s and 60 s of sending after the ramp
  --json FILE           write the results as JSON
  --report FILE.html    write an HTML report with charts (default: next to --json)
  --slo SPEC            thresholds, e.g. "p99<50ms,delivery=100%,errors=0": exit 1 when missed
  --admin-user NAME     admin account for provisioning (default benchadmin; created with --spawn)
  --admin-password P    its password (or env WARBLER_BENCH_ADMIN_PASSWORD)
  --admin-token T       an admin device token instead of a password
  --server-pid PID      sample RSS and CPU of this (external) server process
  --server-env K=V      extra environment for the spawned server (repeatable)
  --server-node-arg F   a node flag for the spawned server (repeatable), e.g. --server-node-arg=--cpu-prof
  --server-cli PATH     spawn this server build's cli.js instead of this checkout's (to compare builds)
  --rates R1,R2,...     chat, group, realistic, pairs: run at each offered rate in turn on the same
                        server and print the latency-against-load curve
  --p99-bound MS        the curve's bound: highest rate with send→receive p99 <= MS and all delivered
                        (default 50 for realistic, else 100)
  --against T           warbler (default), relay (the bare relay: this hour's reference) or both (warbler,
                        then the relay, with the same traffic); relay and both need --spawn
  --prefill N           realistic, pairs: start on a store that holds N messages of the same people
                        (filled once per shape and cached; --spawn)
  --prefill-cache DIR   where filled stores are cached (default ~/.cache/warbler-bench)
  --no-pin              do not pin the server and the load to CPUs
  --quiet               no progress line
  --keep-data           keep the spawned server's data folder

${MIX_USAGE}

Exit codes: 0 pass; 1 a threshold or exactly-once delivery failed; 2 bad usage; 3 the run could
not be carried out (server, provisioning).`;

/** A bad command line; the message says what is wrong. */
export class UsageError extends Error {
  override name = 'UsageError';
}

const FLAGS = {
  url: { type: 'string' },
  spawn: { type: 'boolean' },
  users: { type: 'string' },
  rate: { type: 'string' },
  duration: { type: 'string' },
  ramp: { type: 'string' },
  concurrency: { type: 'string' },
  workers: { type: 'string' },
  grace: { type: 'string' },
  'connect-timeout': { type: 'string' },
  'max-inflight': { type: 'string' },
  'text-bytes': { type: 'string' },
  peers: { type: 'string' },
  churn: { type: 'string' },
  reads: { type: 'string' },
  groups: { type: 'string' },
  members: { type: 'string' },
  full: { type: 'boolean' },
  json: { type: 'string' },
  report: { type: 'string' },
  slo: { type: 'string' },
  'admin-user': { type: 'string' },
  'admin-password': { type: 'string' },
  'admin-token': { type: 'string' },
  'server-pid': { type: 'string' },
  'server-env': { type: 'string', multiple: true },
  'server-node-arg': { type: 'string', multiple: true },
  'server-cli': { type: 'string' },
  'no-pin': { type: 'boolean' },
  rates: { type: 'string' },
  'p99-bound': { type: 'string' },
  against: { type: 'string' },
  prefill: { type: 'string' },
  'prefill-cache': { type: 'string' },
  ...MIX_FLAGS,
  quiet: { type: 'boolean' },
  'keep-data': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function num(flag: string, raw: string | undefined, min: number, max: number, integer = true): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n)))
    throw new UsageError(`--${flag} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max} (got "${raw}")`);
  return n;
}

/** Parses the command line; returns 'help' for --help. Throws UsageError. */
export function parseOptions(argv: string[], env: Record<string, string | undefined> = {}): BenchOptions | 'help' {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: FLAGS, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
  const { values: v, positionals } = parsed;
  if (v.help) return 'help';
  if (positionals.length !== 1) throw new UsageError('name exactly one SCENARIO');
  const scenario = positionals[0] as ScenarioName;
  if (!SCENARIOS.includes(scenario)) throw new UsageError(`unknown scenario "${positionals[0]}" (one of ${SCENARIOS.join(', ')})`);
  const o: BenchOptions = { scenario, ...DEFAULTS, ...SCENARIO_DEFAULTS[scenario], serverEnv: {}, serverNodeArgs: [], rates: [] };
  const set = <K extends keyof BenchOptions>(k: K, val: BenchOptions[K] | undefined) => {
    if (val !== undefined) o[k] = val;
  };
  set('url', v.url);
  set('spawn', v.spawn);
  set('users', num('users', v.users, 1, 1_000_000));
  set('rate', num('rate', v.rate, 0, 10_000_000, false));
  set('durationS', num('duration', v.duration, 0, 7 * 86400, false));
  if (v.full && scenario === 'reference') Object.assign(o, { ramp: 20, durationS: 60, full: true });
  set('ramp', num('ramp', v.ramp, 0, 1_000_000, false));
  set('concurrency', num('concurrency', v.concurrency, 1, 100_000));
  set('workers', num('workers', v.workers, 0, 64));
  set('graceS', num('grace', v.grace, 0, 3600, false));
  set('connectTimeoutS', num('connect-timeout', v['connect-timeout'], 0.1, 3600, false));
  set('maxInflight', num('max-inflight', v['max-inflight'], 1, 10_000_000));
  set('textBytes', num('text-bytes', v['text-bytes'], 0, 60_000));
  set('peers', num('peers', v.peers, 0, 1_000_000));
  set('churn', num('churn', v.churn, 0, 100_000, false));
  set('reads', num('reads', v.reads, 0, 1_000_000, false));
  if (!isMixScenario(scenario)) set('groups', num('groups', v.groups, 1, 500_000));
  set('members', num('members', v.members, 2, 100_000));
  if (scenario === 'group') {
    if (v.users !== undefined) throw new UsageError('group: the users are --groups x --members; leave out --users');
    o.users = o.groups * o.members;
    if (o.users > 1_000_000) throw new UsageError(`--groups x --members is at most 1000000 users (got ${o.users})`);
  }
  set('json', v.json);
  set('report', v.report ?? (v.json ? v.json.replace(/(\.json)?$/i, '.html') : undefined));
  set('slo', v.slo);
  set('adminUser', v['admin-user']);
  set('adminPassword', v['admin-password'] ?? env.WARBLER_BENCH_ADMIN_PASSWORD);
  set('adminToken', v['admin-token']);
  set('serverPid', num('server-pid', v['server-pid'], 1, 2 ** 22));
  for (const kv of v['server-env'] ?? []) {
    const i = kv.indexOf('=');
    if (i < 1) throw new UsageError(`--server-env takes NAME=VALUE (got "${kv}")`);
    o.serverEnv[kv.slice(0, i)] = kv.slice(i + 1);
  }
  for (const f of v['server-node-arg'] ?? []) {
    if (!f.startsWith('-')) throw new UsageError(`--server-node-arg takes a node flag, e.g. --server-node-arg=--cpu-prof (got "${f}")`);
    o.serverNodeArgs.push(f);
  }
  if (v['server-cli'] !== undefined) o.serverCli = resolve(v['server-cli']);
  if (v['no-pin']) o.pin = false;
  set('quiet', v.quiet);
  set('keepData', v['keep-data']);
  parseSweep(o, v);
  parseTarget(o, v, env);
  if (o.spawn === (o.url !== undefined)) throw new UsageError('give either --url URL or --spawn');
  if (o.serverCli !== undefined && !o.spawn) throw new UsageError('--server-cli runs a build with --spawn: give --spawn');
  if (o.url !== undefined && !/^wss?:\/\//.test(o.url)) throw new UsageError(`--url must start with ws:// or wss:// (got "${o.url}")`);
  if (o.url !== undefined && !o.adminToken && !o.adminPassword)
    throw new UsageError('with --url, give --admin-password (or WARBLER_BENCH_ADMIN_PASSWORD) or --admin-token to provision users');
  return o;
}

/** The parsed flags. */
type Values = {
  [K in keyof typeof FLAGS]?: (typeof FLAGS)[K] extends { type: 'boolean' }
    ? boolean
    : (typeof FLAGS)[K] extends { multiple: true }
      ? string[]
      : string;
};

/** --rates and --p99-bound. */
function parseSweep(o: BenchOptions, v: Values): void {
  if (v.rates !== undefined) {
    if (!SWEEP_SCENARIOS.includes(o.scenario)) throw new UsageError(`--rates is for ${SWEEP_SCENARIOS.join(', ')}`);
    const parts = v.rates.split(',').map((x) => x.trim());
    o.rates = parts.map((x) => num('rates', x, 0.001, 10_000_000, false)!);
    if (o.rates.length === 0) throw new UsageError('--rates takes a list of rates, e.g. 100,500,1000');
    o.rate = o.rates[0]!;
  } else o.rates = [o.rate];
  o.p99BoundMs = num('p99-bound', v['p99-bound'], 0.001, 3_600_000, false) ?? o.p99BoundMs;
}

/** --against, --prefill and the knobs of the client-behaviour scenarios. */
function parseTarget(o: BenchOptions, v: Values, env: Record<string, string | undefined>): void {
  if (v.against !== undefined) {
    if (!(TARGETS as readonly string[]).includes(v.against))
      throw new UsageError(`--against is one of ${TARGETS.join(', ')} (got "${v.against}")`);
    o.against = v.against as Against;
  }
  if (o.against !== 'warbler' && !v.spawn) throw new UsageError(`--against ${o.against} spawns the relay: give --spawn`);
  o.prefill = num('prefill', v.prefill, 0, 1_000_000_000) ?? 0;
  o.prefillCache = resolve(v['prefill-cache'] ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'warbler-bench'));
  const mix = isMixScenario(o.scenario) ? o.scenario : undefined;
  if (o.prefill > 0 && !mix) throw new UsageError(`--prefill is for ${MIX_SCENARIOS.join(', ')}`);
  if (o.prefill > 0 && !v.spawn) throw new UsageError('--prefill fills a store for a spawned server: give --spawn');
  if (mix) {
    const groups = num('groups', v.groups, 0, 500_000);
    o.mix = parseMixKnobs(mix, v, o.users, groups, num, (m) => {
      throw new UsageError(m);
    });
  } else {
    for (const f of Object.keys(MIX_FLAGS))
      if ((v as Record<string, unknown>)[f] !== undefined) throw new UsageError(`--${f} is for ${MIX_SCENARIOS.join(', ')}`);
  }
}
