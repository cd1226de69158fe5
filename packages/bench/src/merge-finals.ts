import { Bitmap } from './bitmap.js';
import { Histogram } from './histogram.js';
import {
  HIST_NAMES,
  MIX_OPS,
  newCounters,
  type Counters,
  type FanoutFinal,
  type HistName,
  type MixFinal,
  type WorkerFinal,
} from './ipc.js';

/** The workers' finals added up, with the exactly-once checks made across workers. */
export interface Merged {
  counters: Counters;
  errors: Record<string, number>;
  hists: Record<HistName, Histogram>;
  /** Deliveries that must happen (see ScenarioResult.messages.expected). */
  expected: number;
  missing: number;
  unexpected: number;
  /** group: members whose deliveries were checked. */
  receivers: number;
  /** Seconds from the first send to the last ack, and to the last delivery (0: no messages). */
  ackWindowS: number;
  deliveryWindowS: number;
  /** The client mix's figures added up; cursors per main user in global order. */
  mix: (Omit<MixFinal, 'fanout' | 'cursors'> & { cursors: MixFinal['cursors'] }) | undefined;
}

/**
 * Adds up the workers' figures; finds acknowledged messages nobody received, and ones received twice.
 * In a group run (`groups` > 0): every receiver must have received each message acknowledged in its
 * group (by any worker) except its own, which it checked arrived in order; more is `unexpected`.
 */
export function mergeFinals(finals: WorkerFinal[], groups = 0): Merged {
  const isMix = finals.some((f) => f.mix);
  const counters = newCounters();
  const errors: Record<string, number> = {};
  const hists = Object.fromEntries(HIST_NAMES.map((n) => [n, new Histogram()])) as Record<HistName, Histogram>;
  const received = new Map<number, Bitmap>();
  for (const f of finals) {
    for (const k of Object.keys(counters) as (keyof Counters)[]) counters[k] += f.counters[k];
    for (const [code, n] of Object.entries(f.errors)) errors[code] = (errors[code] ?? 0) + n;
    for (const n of HIST_NAMES) hists[n].merge(Histogram.fromSparse(f.hists[n]));
    for (const [w, bytes] of f.received) {
      const acc = received.get(w);
      if (!acc) received.set(w, new Bitmap(Uint8Array.from(bytes)));
      else counters.duplicates += acc.or(new Bitmap(bytes));
    }
  }
  let missing = 0;
  let unexpected = 0;
  let expected = counters.acked;
  let receivers = 0;
  if (groups > 0 && !isMix) {
    ({ expected, missing, unexpected, receivers } = fanoutCheck(
      finals.map((f) => f.fanout),
      groups,
    ));
  } else
    finals.forEach((f, w) => {
      const acked = new Bitmap(f.acked);
      const got = received.get(w) ?? new Bitmap(new Uint8Array(0));
      missing += acked.andNotCount(got);
      unexpected += got.andNotCount(acked);
    });
  // The client mix: one-to-one messages by the bitmaps above (`acked` holds only those), group
  // messages by each member's count.
  if (isMix) {
    expected = finals.reduce((n, f) => n + new Bitmap(f.acked).size, 0);
    if (groups > 0) {
      const g = fanoutCheck(
        finals.map((f) => f.mix?.fanout),
        groups,
      );
      expected += g.expected;
      missing += g.missing;
      unexpected += g.unexpected;
      receivers = g.receivers;
    }
  }
  const sends = finals.map((f) => f.times.firstSendNs).filter((t) => t > 0);
  const first = sends.length ? Math.min(...sends) : 0;
  const window = (last: number) => (first > 0 && last > first ? (last - first) / 1e9 : 0);
  const ackWindowS = window(Math.max(...finals.map((f) => f.times.lastAckNs)));
  const deliveryWindowS = window(Math.max(...finals.map((f) => f.times.lastDeliveryNs)));
  return {
    counters,
    errors,
    hists,
    expected,
    missing,
    unexpected,
    receivers,
    ackWindowS,
    deliveryWindowS,
    mix: isMix ? mergeMix(finals) : undefined,
  };
}

/** The client mix's own figures, added up over workers. */
function mergeMix(finals: WorkerFinal[]): NonNullable<Merged['mix']> {
  const ops = Object.fromEntries(MIX_OPS.map((o) => [o, { count: 0, errors: 0, lost: 0 }])) as MixFinal['ops'];
  const events: Record<string, number> = {};
  const out = {
    ops,
    events,
    deliveredBySync: 0,
    awayCycles: 0,
    reconnects: 0,
    typed: 0,
    newConversations: 0,
    maxPushGapMs: 0,
    cursors: [] as MixFinal['cursors'],
  };
  for (const f of finals) {
    const m = f.mix;
    if (!m) continue;
    for (const o of MIX_OPS) {
      ops[o].count += m.ops[o].count;
      ops[o].errors += m.ops[o].errors;
      ops[o].lost += m.ops[o].lost;
    }
    for (const [k, n] of Object.entries(m.events)) events[k] = (events[k] ?? 0) + n;
    out.deliveredBySync += m.deliveredBySync;
    out.awayCycles += m.awayCycles;
    out.reconnects += m.reconnects;
    out.typed += m.typed;
    out.newConversations += m.newConversations;
    out.maxPushGapMs = Math.max(out.maxPushGapMs, m.maxPushGapMs);
    out.cursors.push(...m.cursors);
  }
  return out;
}

/**
 * group (and the client mix's groups): what each receiver should have received, against what it did.
 * One entry per worker: its per-member rows.
 */
function fanoutCheck(
  rowsOf: (FanoutFinal | undefined)[],
  groups: number,
): { expected: number; missing: number; unexpected: number; receivers: number } {
  const ackedIn = new Float64Array(groups);
  for (const x of rowsOf) {
    if (!x) throw new Error('a worker of a group run sent no per-member figures');
    for (let i = 0; i < x.group.length; i++) if (x.group[i]! >= 0) ackedIn[x.group[i]!]! += x.own[i]!;
  }
  let expected = 0;
  let missing = 0;
  let unexpected = 0;
  let receivers = 0;
  for (const rows of rowsOf) {
    const x = rows!;
    for (let i = 0; i < x.group.length; i++) {
      if (!x.receiver[i] || x.group[i]! < 0) continue;
      receivers++;
      const want = ackedIn[x.group[i]!]! - x.own[i]!;
      const got = x.got[i]!;
      expected += want;
      if (got < want) missing += want - got;
      else unexpected += got - want;
    }
  }
  return { expected, missing, unexpected, receivers };
}
