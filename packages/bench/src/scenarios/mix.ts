import { populationOf, mixSetup } from '../mix-population.js';
import type { ScenarioResult } from '../result.js';
import { connectSendDrain, withTrial, type Scenario } from './context.js';

/**
 * realistic and pairs: the plan's people connect (hello, auth.resume, sync from where their app
 * stands) and behave as SDK clients do at each offered rate of --rates in turn, on the same server and
 * store; every message must reach each recipient's app exactly once, in order, by push or by sync.
 */
export const mixScenario: Scenario = async (ctx) => {
  const { o, h, log, plan } = ctx;
  if (!plan || !o.mix) throw new Error(`${o.scenario}: no social plan`);
  const pop = await populationOf(h, plan, log);
  const pre = h.prefilled;
  const prefill = pre
    ? { messages: pre.fill.messages, fillSeconds: pre.fill.seconds, fillRate: pre.fill.rate, reused: pre.fill.reused }
    : null;
  const results: ScenarioResult[] = [];
  for (const rate of o.rates) {
    const setup = mixSetup(pop, o.mix, prefill);
    results.push(
      await withTrial(ctx, o.scenario, { main: plan.users, mix: setup }, { rate, durationS: o.durationS, ramp: o.ramp }, (t) =>
        connectSendDrain(t, { ...o, rate }),
      ),
    );
  }
  return results;
};
