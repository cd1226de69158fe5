import { withTrial, type Scenario } from './context.js';

/**
 * A mixed load for a long time: N users online exchanging 1:1 messages at --rate msg/s, --reads
 * conv.list requests per second, and --churn reconnections per second of a separate pool of users
 * (a tenth of N, never recipients, so every message still has a connected recipient).
 */
export const soak: Scenario = async (ctx) => {
  const { o } = ctx;
  const churn = o.churn > 0 ? Math.max(1, Math.ceil(o.users / 10)) : 0;
  const params = { rate: o.rate, durationS: o.durationS, ramp: o.ramp, churn: o.churn, reads: o.reads };
  return [
    await withTrial(ctx, 'soak', { main: o.users, churn }, params, async (t) => {
      t.markBeforeClients();
      t.live.phase = 'connect';
      await t.connect('all', o.ramp, 'connect');
      await t.markConnected();
      t.live.phase = 'soak';
      await t.send(o.rate, o.durationS, { churn: o.churn, reads: o.reads });
      t.live.phase = 'drain';
      await t.drain(o.graceS);
    }),
  ];
};
