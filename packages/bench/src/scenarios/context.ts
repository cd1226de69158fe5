import type { Harness } from '../harness.js';
import type { BenchOptions } from '../options.js';
import type { ScenarioResult } from '../result.js';
import type { SloTerm } from '../slo.js';
import type { SocialPlan } from '../social-plan.js';
import { Trial, type TrialUsers } from '../trial.js';

/** What a scenario gets: the shared harness, the options, a log line writer, the thresholds. */
export interface ScenarioContext {
  h: Harness;
  o: BenchOptions;
  log: (line: string) => void;
  slo: { spec: string; terms: SloTerm[] } | undefined;
  /** realistic, pairs: the people (built before the server starts, for the pre-filled store). */
  plan?: SocialPlan;
}

/** A scenario: runs and returns its result (several for suite). */
export type Scenario = (ctx: ScenarioContext) => Promise<ScenarioResult[]>;

/**
 * Runs `body` on a fresh trial of `main` (+ `churn`) users (in `groups`, when given) and returns its result; on failure the
 * workers are stopped before the error goes on.
 */
export async function withTrial(
  ctx: ScenarioContext,
  name: string,
  users: TrialUsers,
  params: Parameters<Trial['finish']>[1],
  body: (t: Trial) => Promise<void>,
): Promise<ScenarioResult> {
  const t = await Trial.start(ctx.h, name, users, ctx.log);
  try {
    await body(t);
  } catch (e) {
    t.live.stop();
    t.probe.stop();
    await t.fleet.stop();
    throw e;
  }
  return t.finish(ctx.slo, params);
}

/** The plain load of chat and group: everyone connects, sends at --rate for --duration s, then the last deliveries drain. */
export async function connectSendDrain(t: Trial, o: BenchOptions): Promise<void> {
  t.markBeforeClients();
  t.live.phase = 'connect';
  await t.connect('main', o.ramp, 'connect');
  await t.markConnected();
  t.live.phase = 'send';
  await t.send(o.rate, o.durationS);
  t.live.phase = 'drain';
  await t.drain(o.graceS);
}
