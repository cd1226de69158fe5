import { withTrial, type Scenario } from './context.js';

/** N users online; random 1:1 messages at --rate msg/s for --duration s; then wait for the last ones. */
export const chat: Scenario = async (ctx) => {
  const { o } = ctx;
  return [
    await withTrial(ctx, 'chat', { main: o.users }, { rate: o.rate, durationS: o.durationS, ramp: o.ramp }, async (t) => {
      t.markBeforeClients();
      t.live.phase = 'connect';
      await t.connect('main', o.ramp, 'connect');
      await t.markConnected();
      t.live.phase = 'send';
      await t.send(o.rate, o.durationS);
      t.live.phase = 'drain';
      await t.drain(o.graceS);
    }),
  ];
};
