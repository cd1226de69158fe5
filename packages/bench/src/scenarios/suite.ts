import type { ScenarioResult } from '../result.js';
import { chat } from './chat.js';
import type { Scenario } from './context.js';
import { group } from './group.js';
import { online } from './online.js';
import { reference } from './reference.js';
import { storm } from './storm.js';

/**
 * The standard set, one after the other on the same server: online, storm, chat, group and reference,
 * each with --users and --duration; chat at --rate; group with about --users users in groups of
 * --members (at most --users), at --rate messages/s; reference at its own 20 msg/s and ramp (or --ramp).
 */
export const suite: Scenario = async (ctx) => {
  const o = ctx.o;
  const results: ScenarioResult[] = [];
  results.push(...(await online({ ...ctx, o: { ...o, ramp: 0 } })));
  results.push(...(await storm({ ...ctx, o: { ...o, ramp: 0 } })));
  results.push(...(await chat({ ...ctx, o: { ...o, ramp: 0, rates: [o.rate] } })));
  results.push(...(await group({ ...ctx, o: { ...o, ramp: 0, rates: [o.rate], ...suiteGroups(o.users, o.members) } })));
  results.push(...(await reference({ ...ctx, o: { ...o, rate: 20, ramp: o.ramp > 0 ? o.ramp : 200, peers: 0 } })));
  return results;
};

/** The suite's groups: as many of `members` (at most `users`) as `users` holds. */
export function suiteGroups(users: number, members: number): { groups: number; members: number } {
  const m = Math.max(2, Math.min(members, users));
  return { groups: Math.max(1, Math.floor(users / m)), members: m };
}
