import type { ScenarioResult } from '../result.js';
import { connectSendDrain, withTrial, type Scenario } from './context.js';

/**
 * G groups of M members, all online: provisions G×M users, each group created by one member with the
 * others listed, connects everyone, then random members send --rate messages per second in total to
 * their group for --duration s (open loop); every other member online must receive each message once,
 * in order. Then waits for the last deliveries. With --rates, one run per rate.
 */
export const group: Scenario = async (ctx) => {
  const { o } = ctx;
  const layout = { groups: o.groups, members: o.members };
  const users = o.groups * o.members;
  const runs: ScenarioResult[] = [];
  for (const rate of o.rates.length > 0 ? o.rates : [o.rate])
    runs.push(
      await withTrial(ctx, 'group', { main: users, groups: layout }, { rate, durationS: o.durationS, ramp: o.ramp }, (t) =>
        connectSendDrain(t, { ...o, rate }),
      ),
    );
  return runs;
};
