import { cpus, totalmem } from 'node:os';
import type { Curve } from './curve.js';
import type { ServerInfo } from './harness.js';
import type { BenchOptions } from './options.js';
import type { ScenarioResult } from './result.js';
import { suiteGroups } from './scenarios/suite.js';
import type { SocialPlan } from './social-plan.js';

/** The --json file: one invocation, with one run per scenario (several for suite). */
export interface BenchReport {
  tool: 'warbler-bench';
  version: string;
  scenario: string;
  pass: boolean;
  startedAt: string;
  finishedAt: string;
  command: string;
  machine: { cpus: number; cpuModel: string; memoryGiB: number; node: string; platform: string };
  /** The (first) server under test. */
  target: ServerInfo;
  /** Every server under test, in turn (--against both: Warbler, then the relay). */
  targets: ServerInfo[];
  /** Options in force (secrets left out). */
  options: Omit<BenchOptions, 'adminPassword' | 'adminToken'>;
  /** Things the run changed or noticed, e.g. a raised server rate limit. */
  notes: string[];
  runs: ScenarioResult[];
  /** The latency-against-load curves (one per scenario and server): realistic and pairs, and --rates. */
  curves: Curve[];
}

export function machineInfo(): BenchReport['machine'] {
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
}

/** Options for the report, without secrets. */
export function publicOptions(o: BenchOptions): BenchReport['options'] {
  const rest: Partial<BenchOptions> = { ...o };
  delete rest.adminPassword;
  delete rest.adminToken;
  return rest as BenchReport['options'];
}

/**
 * Request frames per message a client of the mix may send at most (the send, typing, history and
 * list, delivery and read receipts of what it receives in return): for the rate limit only.
 */
const MIX_FRAMES_PER_MESSAGE = 3;

/**
 * Frames per second one connection may need, and the server environment that allows it: the
 * server's default limit is 200 frames/s (burst 400) per connection. The client mix: its busiest user.
 */
export function rateLimitEnv(o: BenchOptions, plan?: SocialPlan): { env: Record<string, string>; note: string | undefined } {
  const rate = Math.max(o.rate, ...o.rates);
  let perUser = (rate + o.reads) / Math.max(1, o.users);
  if (plan) {
    const total = plan.activity.reduce((a, b) => a + b, 0) || 1;
    perUser = (MIX_FRAMES_PER_MESSAGE * rate * Math.max(0, ...plan.activity)) / total;
  }
  // Senders are drawn at random: allow for bursts well above the mean.
  const need = perUser * 4;
  if (need <= 100) return { env: {}, note: undefined };
  const fps = Math.ceil(need * 2);
  const env = { WARBLER_GATEWAY_FRAMES_PER_SECOND: String(fps), WARBLER_GATEWAY_FRAMES_BURST: String(fps * 2) };
  if (!o.spawn)
    return {
      env: {},
      note: `about ${perUser.toFixed(0)} frames/s per connection: a server at the default limit (200/s) may answer rate_limited`,
    };
  return {
    env,
    note: `raised the spawned server's rate limit to ${fps} frames/s (burst ${fps * 2}) per connection for ${perUser.toFixed(0)}/s per user`,
  };
}

/** The server's default most members of a group (`groups.maxMembers`). */
export const SERVER_GROUP_CAP = 2000;

/** The members per group a run needs, and the environment that lets a spawned server hold them. */
export function groupCapEnv(o: BenchOptions): { env: Record<string, string>; note: string | undefined } {
  const members =
    o.scenario === 'group'
      ? o.members
      : o.scenario === 'suite'
        ? suiteGroups(o.users, o.members).members
        : o.mix && o.mix.groups > 0
          ? o.mix.groupSizes[1]
          : 0;
  if (members <= SERVER_GROUP_CAP) return { env: {}, note: undefined };
  if (!o.spawn)
    return { env: {}, note: `groups of ${members}: a server at the default cap (${SERVER_GROUP_CAP} members) answers group_full` };
  return {
    env: { WARBLER_GROUPS_MAX_MEMBERS: String(members) },
    note: `raised the spawned server's group cap to ${members} members (groups.maxMembers, default ${SERVER_GROUP_CAP})`,
  };
}
