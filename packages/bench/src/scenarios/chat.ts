import type { ScenarioResult } from '../result.js';
import { connectSendDrain, withTrial, type Scenario } from './context.js';

/** N users online; random 1:1 messages at --rate msg/s (each rate of --rates in turn) for --duration s; then wait for the last ones. */
export const chat: Scenario = async (ctx) => {
  const { o } = ctx;
  const runs: ScenarioResult[] = [];
  for (const rate of o.rates.length > 0 ? o.rates : [o.rate])
    runs.push(
      await withTrial(ctx, 'chat', { main: o.users }, { rate, durationS: o.durationS, ramp: o.ramp }, (t) =>
        connectSendDrain(t, { ...o, rate }),
      ),
    );
  return runs;
};
