import { withTrial, type Scenario } from './context.js';

const REFRESH_MS = 250;

/**
 * The reference product's run: users connect at --ramp/s (20 in the original; 200 by default here)
 * while those online send --rate msg/s (about 20) to others online; sending goes on --duration s
 * after the ramp. Recipients are drawn from the users known online (updated 4 times a second), so
 * every message has a connected recipient.
 */
export const reference: Scenario = async (ctx) => {
  const { o } = ctx;
  const ramp = o.ramp > 0 ? o.ramp : 200;
  const rampS = o.users / ramp;
  return [
    await withTrial(ctx, 'reference', { main: o.users }, { rate: o.rate, durationS: o.durationS, ramp }, async (t) => {
      t.markBeforeClients();
      t.live.phase = 'ramp';
      await t.recipients([]);
      let rampDone = false;
      const connecting = t.connect('main', ramp, 'connect').finally(() => (rampDone = true));
      // Recipients follow the users online, a few times a second; bounded by the ramp's length.
      const maxRounds = Math.ceil((rampS + o.connectTimeoutS + 10) * (1000 / REFRESH_MS));
      let sending: Promise<void> | undefined;
      for (let i = 0; !rampDone && i < maxRounds; i++) {
        await new Promise((r) => setTimeout(r, REFRESH_MS));
        const { ranges, online } = await t.onlineRanges();
        await t.recipients(ranges);
        // Sending starts once two users are online (before, nobody could be written to).
        if (!sending && online >= 2) sending = t.send(o.rate, rampS + o.durationS);
      }
      await connecting;
      await t.recipients(null);
      sending ??= t.send(o.rate, o.durationS);
      await t.markConnected();
      t.live.phase = 'send';
      await sending;
      t.live.phase = 'drain';
      await t.drain(o.graceS);
    }),
  ];
};
