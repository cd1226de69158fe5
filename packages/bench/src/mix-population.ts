import { directConvId } from '@warbler/protocol';
import type { Harness } from './harness.js';
import type { MixInit, WorkerFinal } from './ipc.js';
import type { MixKnobs } from './mix-options.js';
import type { BenchUser } from './provision.js';
import type { MixSummary } from './result.js';
import { planSummary, type SocialPlan } from './social-plan.js';
import type { MixSetup } from './trial.js';

/**
 * The people of a client-mix run on one server: the plan's users as the server knows them (from the
 * pre-filled store, or provisioned with their groups once for every rate of the run), and where each
 * one's app stands (its cursors), carried from trial to trial as an app persists them.
 */
export interface Population {
  plan: SocialPlan;
  users: BenchUser[];
  groupConvs: string[];
  /** Per plan user: conversation → last sequence its app has. */
  cursors: Map<string, number>[];
  /** Trials run so far (part of every clientId, which must stay unique per user). */
  trials: number;
}

/** The population of `h`'s server for `plan`: made on first use, then reused by every trial. */
export async function populationOf(h: Harness, plan: SocialPlan, log: (s: string) => void): Promise<Population> {
  const known = h.population as Population | undefined;
  if (known) return known;
  const pre = h.prefilled;
  let pop: Population;
  if (pre) {
    const cursors = plan.contacts.map((list, i) => {
      const m = new Map<string, number>();
      for (const j of list) {
        const conv = directConvId(pre.users[i]!.id, pre.users[j]!.id);
        const seq = pre.lastSeq[conv];
        if (seq) m.set(conv, seq);
      }
      for (const g of plan.groupsOf[i]!) {
        const seq = pre.lastSeq[pre.groupConvs[g]!];
        if (seq) m.set(pre.groupConvs[g]!, seq);
      }
      return m;
    });
    pop = { plan, users: pre.users, groupConvs: pre.groupConvs, cursors, trials: 0 };
  } else {
    const users = await h.provision(plan.users, log);
    const t0 = Date.now();
    const groupConvs = await h.createGroups(
      plan.groups.map((m) => ({ owner: users[m[0]!]!, others: m.slice(1).map((i) => users[i]!.id) })),
    );
    if (plan.groups.length > 0) log(`created ${plan.groups.length} groups in ${Date.now() - t0} ms`);
    pop = { plan, users, groupConvs, cursors: users.map(() => new Map()), trials: 0 };
  }
  h.population = pop;
  return pop;
}

/** The trial setup of a population: each worker's part of the mix, the sending weights, the cursors carried on. */
export function mixSetup(pop: Population, knobs: MixKnobs, prefill: MixSummary['prefill']): MixSetup {
  const { plan, users } = pop;
  const clientTag = `m${Date.now().toString(36)}${(pop.trials++).toString(36)}`;
  const groups = plan.groups.map((members, g) => ({ conv: pop.groupConvs[g]!, size: members.length }));
  const everyone = users.map((u) => u.id);
  return {
    users,
    weights: Array.from(plan.activity),
    groups: plan.groups.length,
    summary: { knobs, plan: planSummary(plan), prefill },
    init: (_w, start, count): MixInit => ({
      knobs,
      clientTag,
      groups,
      everyone,
      users: Array.from({ length: count }, (_, k) => {
        const i = start + k;
        return {
          contacts: plan.contacts[i]!.map((j) => users[j]!.id),
          groups: plan.groupsOf[i]!,
          activity: plan.activity[i]!,
          cursors: [...pop.cursors[i]!],
        };
      }),
    }),
    onFinals: (finals: WorkerFinal[]) => {
      // Workers hold contiguous shares of the users, in order: their cursors follow one another.
      let i = 0;
      for (const f of finals) for (const c of f.mix?.cursors ?? []) pop.cursors[i++] = new Map(c);
    },
  };
}
