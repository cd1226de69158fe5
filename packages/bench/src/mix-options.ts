/**
 * The knobs of the client-behaviour scenarios (`realistic`, `pairs`): how the simulated people behave.
 * Every knob has a default that gives a believable mix at any rate (shares are per message sent, not
 * per second); docs/benchmarks.md ("The realistic mix") gives the reasons for each.
 */
export interface MixKnobs {
  /** Mean one-to-one conversations per user at the start (power law, see social-plan.ts). */
  convs: number;
  /** Groups (realistic default: one per 10 users). */
  groups: number;
  /** Smallest and largest group, members (power law between). */
  groupSizes: [number, number];
  /** Share of messages that open a new conversation (to someone the sender never wrote to). */
  newConvShare: number;
  /** Share of a sender's messages that go to one of its groups (when it has groups). */
  groupShare: number;
  /** Share of messages that answer the one-to-one conversation the sender last received a message in. */
  replyShare: number;
  /** Share of messages announced by a `typing` indicator `typingMs` before the send. */
  typingShare: number;
  typingMs: number;
  /** Delivery receipts as the SDK sends them (`conv.delivered`, coalesced per conversation). */
  deliveryReceipts: boolean;
  /** The SDK's `deliveryReceiptMs`: the coalescing window. */
  receiptMs: number;
  /** Share of received messages that make the user read the conversation (`conv.read`) after a human delay. */
  readShare: number;
  /** Median of that delay, seconds (log-normal). */
  readDelayS: number;
  /** Share of the users that go offline per second (then come back with token and sync). */
  awayShare: number;
  /** Median time offline, seconds (log-normal). */
  awayS: number;
  /** `msg.history` fetches (a chat opened) per message sent. */
  historyShare: number;
  /** `conv.list` loads per message sent (besides the one after every reconnect). */
  listShare: number;
  /** Seed of the social plan and of the traffic's draws. */
  seed: number;
}

export const MIX_SCENARIOS = ['realistic', 'pairs'] as const;
export type MixScenario = (typeof MIX_SCENARIOS)[number];

/** Groups of the realistic mix when --groups is not given: one per this many users. */
export const USERS_PER_GROUP = 10;

export const MIX_DEFAULTS: Record<MixScenario, MixKnobs> = {
  realistic: {
    convs: 8,
    groups: -1,
    groupSizes: [3, 30],
    newConvShare: 0.02,
    groupShare: 0.2,
    replyShare: 0.5,
    typingShare: 0.3,
    typingMs: 1500,
    deliveryReceipts: true,
    receiptMs: 1000,
    readShare: 0.7,
    readDelayS: 3,
    awayShare: 0.001,
    awayS: 10,
    historyShare: 0.05,
    listShare: 0.01,
    seed: 1,
  },
  // The worst case: every message to someone new (random pairs), receipts on, nothing else.
  pairs: {
    convs: 8,
    groups: 0,
    groupSizes: [3, 30],
    newConvShare: 1,
    groupShare: 0,
    replyShare: 0,
    typingShare: 0,
    typingMs: 1500,
    deliveryReceipts: true,
    receiptMs: 1000,
    readShare: 0.7,
    readDelayS: 3,
    awayShare: 0,
    awayS: 10,
    historyShare: 0,
    listShare: 0,
    seed: 1,
  },
};

/** The flags of the knobs, for parseArgs. */
export const MIX_FLAGS = {
  convs: { type: 'string' },
  'group-sizes': { type: 'string' },
  'new-conv-share': { type: 'string' },
  'group-share': { type: 'string' },
  'reply-share': { type: 'string' },
  'typing-share': { type: 'string' },
  'typing-ms': { type: 'string' },
  'no-delivery-receipts': { type: 'boolean' },
  'receipt-ms': { type: 'string' },
  'read-share': { type: 'string' },
  'read-delay': { type: 'string' },
  away: { type: 'string' },
  'away-time': { type: 'string' },
  'history-share': { type: 'string' },
  'list-share': { type: 'string' },
  seed: { type: 'string' },
} as const;

export const MIX_USAGE = `Client behaviour (realistic, pairs; shares are per message sent):
  --convs N             mean 1:1 conversations per user at the start, power law (default 8)
  --groups G            groups (realistic: users / 10; pairs: 0)
  --group-sizes A-B     group sizes, power law between A and B members (default 3-30)
  --new-conv-share F    share of messages that open a new conversation (realistic 0.02; pairs 1)
  --group-share F       share of a user's messages to its groups (realistic 0.2; pairs 0)
  --reply-share F       share of messages answering the last 1:1 conversation received in (realistic 0.5)
  --typing-share F      share of messages after a typing indicator (realistic 0.3; pairs 0)
  --typing-ms MS        how long before the message the indicator goes (default 1500)
  --no-delivery-receipts  no conv.delivered (the SDK sends them by default)
  --receipt-ms MS       delivery receipts coalesced per conversation over MS, as the SDK (default 1000)
  --read-share F        share of received messages after which the user reads the chat (default 0.7)
  --read-delay S        median delay of those reads, log-normal (default 3)
  --away F              share of users going offline per second, back after --away-time (realistic 0.001; pairs 0)
  --away-time S         median time offline, log-normal (default 10)
  --history-share F     msg.history fetches per message (realistic 0.05; pairs 0)
  --list-share F        conv.list loads per message, besides one per reconnect (realistic 0.01; pairs 0)
  --seed N              seed of the social plan and the traffic (default 1)`;

type Values = { [K in keyof typeof MIX_FLAGS]?: (typeof MIX_FLAGS)[K]['type'] extends 'boolean' ? boolean : string };

/**
 * The knobs of `scenario` from its defaults and the flags; `users` fills the realistic group count.
 * `num` parses a number flag (it throws the caller's usage error).
 */
export function parseMixKnobs(
  scenario: MixScenario,
  v: Values,
  users: number,
  groupsFlag: number | undefined,
  num: (flag: string, raw: string | undefined, min: number, max: number, integer?: boolean) => number | undefined,
  bad: (message: string) => never,
): MixKnobs {
  const k: MixKnobs = { ...MIX_DEFAULTS[scenario], groupSizes: [...MIX_DEFAULTS[scenario].groupSizes] };
  const share = (flag: keyof typeof MIX_FLAGS, key: keyof MixKnobs) => {
    const n = num(flag, v[flag] as string | undefined, 0, 1, false);
    if (n !== undefined) (k[key] as number) = n;
  };
  k.convs = num('convs', v.convs, 0, 10_000, false) ?? k.convs;
  k.groups = groupsFlag ?? (k.groups < 0 ? Math.max(1, Math.round(users / USERS_PER_GROUP)) : k.groups);
  if (v['group-sizes'] !== undefined) {
    const m = /^(\d+)-(\d+)$/.exec(v['group-sizes']);
    const a = Number(m?.[1]);
    const b = Number(m?.[2]);
    if (!m || a < 2 || b < a || b > 100_000)
      bad(`--group-sizes takes MIN-MAX with 2 <= MIN <= MAX, e.g. 3-100 (got "${v['group-sizes']}")`);
    k.groupSizes = [a, b];
  }
  share('new-conv-share', 'newConvShare');
  share('group-share', 'groupShare');
  share('reply-share', 'replyShare');
  share('typing-share', 'typingShare');
  share('read-share', 'readShare');
  share('away', 'awayShare');
  share('history-share', 'historyShare');
  share('list-share', 'listShare');
  k.typingMs = num('typing-ms', v['typing-ms'], 0, 60_000) ?? k.typingMs;
  if (v['no-delivery-receipts']) k.deliveryReceipts = false;
  k.receiptMs = num('receipt-ms', v['receipt-ms'], 1, 60_000) ?? k.receiptMs;
  k.readDelayS = num('read-delay', v['read-delay'], 0, 3600, false) ?? k.readDelayS;
  k.awayS = num('away-time', v['away-time'], 0, 3600, false) ?? k.awayS;
  k.seed = num('seed', v.seed, 0, 2 ** 31) ?? k.seed;
  return k;
}
