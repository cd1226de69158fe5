import { connectSendDrain, withTrial, type Scenario } from './context.js';

/** N users online; random 1:1 messages at --rate msg/s for --duration s; then wait for the last ones. */
export const chat: Scenario = async (ctx) => {
  const { o } = ctx;
  return [
    await withTrial(ctx, 'chat', { main: o.users }, { rate: o.rate, durationS: o.durationS, ramp: o.ramp }, (t) => connectSendDrain(t, o)),
  ];
};
