import { withTrial, type Scenario } from './context.js';

/** N users connect and log in (auth.resume), paced by --ramp/--concurrency, and hold for --duration s. */
export const online: Scenario = async (ctx) => {
  const { o } = ctx;
  return [
    await withTrial(ctx, 'online', { main: o.users }, { rate: 0, durationS: o.durationS, ramp: o.ramp }, async (t) => {
      t.markBeforeClients();
      t.live.phase = 'connect';
      await t.connect('main', o.ramp, 'connect');
      await t.markConnected();
      t.live.phase = 'hold';
      await t.hold(o.durationS);
    }),
  ];
};
