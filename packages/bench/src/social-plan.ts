import { paretoDraw, pickCumulative, seededRandom, zipfShare } from './rng.js';

/**
 * Tail exponent of the conversations-per-user law: P(d) ~ d^-2.5, the range measured for messaging
 * and social graphs (most people keep a handful of chats, a few keep hundreds).
 */
export const CONVS_EXPONENT = 2.5;
/** Tail exponent of the group-size law: most groups are small, some are large. */
export const GROUP_SIZE_EXPONENT = 2;
/**
 * Participation inequality: among their groups, a member writes to a group of s members with weight
 * s^-0.5, so a group's traffic grows as about the square root of its size (in a large group most
 * members read and few write). Without it a group's traffic would grow with its size, and the large
 * groups would carry nearly all group messages.
 */
export const GROUP_PARTICIPATION_EXPONENT = -0.5;

/** How likely a member is to write to a group of `size` members, relative to its other groups. */
export function groupPickWeight(size: number): number {
  return Math.pow(Math.max(1, size), GROUP_PARTICIPATION_EXPONENT);
}

/** The busiest user keeps at most this many times the mean number of conversations. */
const MAX_CONVS_FACTOR = 50;

/** What shapes the social plan (the people and their conversations); see MixKnobs. */
export interface PlanShape {
  /** Mean one-to-one conversations per user at the start. */
  convs: number;
  /** Groups. */
  groups: number;
  /** Smallest and largest group (members). */
  groupSizes: [number, number];
  /** Share of the sends of a user with groups that go to a group (weights the pre-fill). */
  groupShare: number;
  seed: number;
}

/**
 * Who talks with whom, in user indices 0 … users-1: the same for the same shape and seed, so a
 * cached pre-filled store and the run's traffic describe the same people.
 */
export interface SocialPlan {
  users: number;
  /** Each user's one-to-one partners, closest first (a user writes to them with Zipf-like odds); symmetric. */
  contacts: number[][];
  /** Each group's members, its owner first. */
  groups: number[][];
  /** Each user's groups (group indices). */
  groupsOf: number[][];
  /** How much each user sends, relative to the others: its conversations (contacts and groups), at least 1. */
  activity: Float64Array;
}

/**
 * Builds the plan: conversations per user drawn from a power law of mean `convs` (a Chung-Lu graph:
 * partners drawn in proportion to their own draw, so busy people talk with busy people), then
 * `groups` groups of power-law sizes whose members are drawn the same way.
 */
export function buildPlan(users: number, shape: PlanShape): SocialPlan {
  const rand = seededRandom(shape.seed);
  const contacts: number[][] = Array.from({ length: users }, () => []);
  const known: Set<number>[] = Array.from({ length: users }, () => new Set());
  const want = new Float64Array(users);
  if (users >= 2 && shape.convs > 0) {
    const min = Math.max(1, (shape.convs * (CONVS_EXPONENT - 2)) / (CONVS_EXPONENT - 1));
    const max = Math.max(1, Math.min(users - 1, Math.round(shape.convs * MAX_CONVS_FACTOR)));
    for (let i = 0; i < users; i++) want[i] = paretoDraw(min, max, CONVS_EXPONENT, rand());
    const cumulative = cumulate(want);
    const total = cumulative[users - 1]!;
    for (const i of shuffled(users, rand)) {
      for (let tries = 0; contacts[i]!.length < want[i]! && tries < 4 * want[i]!; tries++) {
        const j = pickCumulative(cumulative, rand() * total);
        if (j === i || known[i]!.has(j)) continue;
        known[i]!.add(j);
        known[j]!.add(i);
        contacts[i]!.push(j);
        contacts[j]!.push(i);
      }
    }
    // Closeness: a random order per user, so who is "closest" is no artefact of the build.
    for (const list of contacts) shuffleInPlace(list, rand);
  }
  const groups: number[][] = [];
  const groupsOf: number[][] = Array.from({ length: users }, () => []);
  const [minSize, maxSize] = shape.groupSizes;
  if (users >= 2 && shape.groups > 0) {
    const weight = Float64Array.from(contacts, (c) => c.length + 1);
    const cumulative = cumulate(weight);
    const total = cumulative[users - 1]!;
    for (let g = 0; g < shape.groups; g++) {
      const size = Math.min(users, paretoDraw(minSize, maxSize, GROUP_SIZE_EXPONENT, rand()));
      const members = new Set<number>();
      for (let tries = 0; members.size < size && tries < 20 * size; tries++) members.add(pickCumulative(cumulative, rand() * total));
      for (let u = 0; members.size < size; u++) members.add(u);
      const list = [...members];
      groups.push(list);
      for (const m of list) groupsOf[m]!.push(g);
    }
  }
  const activity = Float64Array.from({ length: users }, (_, i) => Math.max(1, contacts[i]!.length + groupsOf[i]!.length));
  return { users, contacts, groups, groupsOf, activity };
}

/** The share of a user's sends that go to its groups: `groupShare`, all of them without contacts, none without groups. */
export function groupShareOf(plan: SocialPlan, user: number, groupShare: number): number {
  if (plan.groupsOf[user]!.length === 0) return 0;
  return plan.contacts[user]!.length === 0 ? 1 : groupShare;
}

/**
 * The expected share of all messages that each conversation gets under the traffic model (senders in
 * proportion to their activity; a group with the sender's group share, weighted by groupPickWeight,
 * else a partner by Zipf rank):
 * the weights of the pre-fill, so the stored history has the shape of the live traffic.
 */
export function conversationWeights(plan: SocialPlan, groupShare: number): { direct: [number, number, number][]; groups: number[] } {
  const total = plan.activity.reduce((a, b) => a + b, 0);
  const directWeight = new Map<number, number>();
  const groupWeight = new Array<number>(plan.groups.length).fill(0);
  const key = (a: number, b: number) => (a < b ? a * plan.users + b : b * plan.users + a);
  for (let s = 0; s < plan.users; s++) {
    const p = plan.activity[s]! / total;
    const gs = groupShareOf(plan, s, groupShare);
    const mine = plan.groupsOf[s]!;
    const norm = mine.reduce((n, g) => n + groupPickWeight(plan.groups[g]!.length), 0);
    for (const g of mine) groupWeight[g]! += (p * gs * groupPickWeight(plan.groups[g]!.length)) / norm;
    const list = plan.contacts[s]!;
    list.forEach((peer, k) => {
      const w = p * (1 - gs) * zipfShare(list.length, k);
      directWeight.set(key(s, peer), (directWeight.get(key(s, peer)) ?? 0) + w);
    });
  }
  const direct: [number, number, number][] = [];
  for (const [k, w] of directWeight) direct.push([Math.floor(k / plan.users), k % plan.users, w]);
  return { direct, groups: groupWeight };
}

/** Figures of a plan for the report: how many conversations, and how they spread over users and sizes. */
export interface PlanSummary {
  users: number;
  directConversations: number;
  convsPerUser: { mean: number; p50: number; p99: number; max: number };
  groups: number;
  groupSize: { mean: number; min: number; max: number };
}

export function planSummary(plan: SocialPlan): PlanSummary {
  const degrees = plan.contacts.map((c) => c.length).sort((a, b) => a - b);
  const at = (q: number) => degrees[Math.min(degrees.length - 1, Math.floor(q * degrees.length))] ?? 0;
  const sum = degrees.reduce((a, b) => a + b, 0);
  const sizes = plan.groups.map((g) => g.length);
  const r1 = (x: number) => Math.round(x * 10) / 10;
  return {
    users: plan.users,
    directConversations: sum / 2,
    convsPerUser: { mean: r1(sum / Math.max(1, plan.users)), p50: at(0.5), p99: at(0.99), max: degrees.at(-1) ?? 0 },
    groups: plan.groups.length,
    groupSize: {
      mean: r1(sizes.reduce((a, b) => a + b, 0) / Math.max(1, sizes.length)),
      min: sizes.length ? Math.min(...sizes) : 0,
      max: sizes.length ? Math.max(...sizes) : 0,
    },
  };
}

function cumulate(w: ArrayLike<number>): Float64Array {
  const out = new Float64Array(w.length);
  let s = 0;
  for (let i = 0; i < w.length; i++) out[i] = s += w[i]!;
  return out;
}

function shuffled(n: number, rand: () => number): number[] {
  return shuffleInPlace(
    Array.from({ length: n }, (_, i) => i),
    rand,
  );
}

function shuffleInPlace<T>(a: T[], rand: () => number): T[] {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}
