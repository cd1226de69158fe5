import type { ScenarioResult } from '../result.js';
import { chat } from './chat.js';
import type { Scenario } from './context.js';
import { online } from './online.js';
import { reference } from './reference.js';
import { storm } from './storm.js';

/**
 * The standard set, one after the other on the same server: online, storm, chat and reference, each
 * with --users and --duration; chat at --rate, reference at its own 20 msg/s and ramp (or --ramp).
 */
export const suite: Scenario = async (ctx) => {
  const o = ctx.o;
  const results: ScenarioResult[] = [];
  results.push(...(await online({ ...ctx, o: { ...o, ramp: 0 } })));
  results.push(...(await storm({ ...ctx, o: { ...o, ramp: 0 } })));
  results.push(...(await chat({ ...ctx, o: { ...o, ramp: 0 } })));
  results.push(...(await reference({ ...ctx, o: { ...o, rate: 20, ramp: o.ramp > 0 ? o.ramp : 200, peers: 0 } })));
  return results;
};
