import { withTrial, type Scenario } from './context.js';

/** Pause between dropping every connection and the storm, so the server has seen the closes. */
const SETTLE_S = 1;

/**
 * N users connect, all drop, then all reconnect at once with their saved tokens (no pacing, no
 * concurrency cap): the reconnect/relogin latencies are the storm's figures. Then hold --duration s.
 */
export const storm: Scenario = async (ctx) => {
  const { o } = ctx;
  return [
    await withTrial(ctx, 'storm', { main: o.users }, { rate: 0, durationS: o.durationS, ramp: o.ramp }, async (t) => {
      t.markBeforeClients();
      t.live.phase = 'connect';
      await t.connect('main', o.ramp, 'connect');
      await t.markConnected();
      t.live.phase = 'drop';
      await t.disconnect('main');
      await t.hold(SETTLE_S);
      t.live.phase = 'storm';
      await t.connect('main', 0, 'reconnect', Number.MAX_SAFE_INTEGER);
      t.live.phase = 'hold';
      await t.hold(o.durationS);
    }),
  ];
};
