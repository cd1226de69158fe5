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
import type { TimelinePoint } from './live.js';
import type { MixKnobs } from './mix-options.js';
import type { ProbeSummary } from './server-probe.js';
import type { SloCheck } from './slo.js';
import type { PlanSummary } from './social-plan.js';

/** A latency distribution in milliseconds (values within 1% of the truth). */
export interface LatencySummary {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

/** realistic, pairs: how the people behaved and what their apps did besides sending. */
export interface MixSummary {
  knobs: MixKnobs;
  plan: PlanSummary;
  /** The store the run started on; null: an empty store. */
  prefill: { messages: number; fillSeconds: number; fillRate: number; reused: boolean } | null;
  /** Each request kind (receipt = conv.delivered, readReceipt = conv.read, typing, history, list = conv.list, sync). */
  ops: MixFinal['ops'];
  events: Record<string, number>;
  deliveredBySync: number;
  awayCycles: number;
  reconnects: number;
  typed: number;
  newConversations: number;
  maxPushGapMs: number;
}

/** Everything one scenario run measured: the shape of the --json file (docs/benchmarks.md, "Output"). */
export interface ScenarioResult {
  scenario: string;
  /** The server under test: Warbler or the bare relay (the same-hour reference). */
  against: 'warbler' | 'relay';
  startedAt: string;
  durationS: number;
  pass: boolean;
  /** Why the run failed, when it did. */
  failures: string[];
  params: {
    users: number;
    rate: number;
    durationS: number;
    ramp: number;
    churn: number;
    reads: number;
    workers: number;
    sourceAddresses: number;
  };
  connections: { attempted: number; ok: number; failed: number; peak: number };
  messages: {
    offered: number;
    /** Send frames written. */
    attempted: number;
    /** Acknowledged (stored) by the server: the messages that must each arrive once at each recipient. */
    sent: number;
    /**
     * Deliveries that must happen: one per acknowledged message in 1:1 scenarios; in group, each
     * acknowledged message once to every other member online (Σ over messages of online members − 1).
     */
    expected: number;
    /** Deliveries: pushes of acknowledged messages received (each message once per recipient). */
    delivered: number;
    missing: number;
    duplicates: number;
    outOfOrder: number;
    /** Delivered although their send got no ack (it timed out). */
    unexpected: number;
    /** Refused by the server (an error response). */
    failed: number;
    /** No response by the end. */
    unacked: number;
    /** Due but not sent: no sender online, or too many unacknowledged. */
    skipped: number;
    /** Length of the sending phase (the offered window). */
    sendSeconds: number;
    offeredRate: number;
    /** Acked per second, from the first send to the last ack (a server that falls behind stretches it). */
    achievedRate: number;
    /** Delivered per second, from the first send to the last delivery. */
    deliveredRate: number;
  };
  /** group: the groups and what their fan-out offered; null in the other scenarios. */
  fanout: {
    groups: number;
    members: number;
    /** Members online from the start of sending to its end: the ones whose deliveries are checked. */
    receivers: number;
    /** Members whose connection closed while sending (left out of the check; an error too). */
    receiversLost: number;
    /** Deliveries per second offered: the message rate times (members − 1). */
    offeredDeliveryRate: number;
  } | null;
  latency: Partial<Record<HistName, LatencySummary>>;
  errors: { total: number; byCode: Record<string, number> };
  /** Server process figures; null when the server's pid is unknown. */
  server: {
    rssBeforeMiB: number;
    rssConnectedMiB: number;
    rssPeakMiB: number;
    rssPerConnectionKiB: number | null;
    cpuAvgPct: number;
    cpuPeakPct: number;
    /** Server CPU ms per acknowledged message (1:1: per delivered message, as before). */
    cpuMsPerMessage: number | null;
    /** Server CPU ms per delivery (1:1: the same as per message). */
    cpuMsPerDelivery: number | null;
  } | null;
  /** What the server said over HTTP while sending: /healthz answer times, /metrics deltas; null without a probe. */
  probe: ProbeSummary | null;
  /** realistic, pairs; null in the other scenarios. */
  mix: MixSummary | null;
  /** The load generator's own CPU use: near its CPUs' capacity, it (not the server) set the pace. */
  load: { cpus: number; cpuAvgPct: number; cpuPeakPct: number };
  /** Doubts about the figures that do not fail the run (e.g. the load generator was saturated). */
  warnings: string[];
  slo: { spec: string; pass: boolean; checks: SloCheck[] } | null;
  timeline: TimelinePoint[];
  /** Sparse histograms (microseconds), to merge runs later. */
  histograms: Partial<Record<HistName, ReturnType<Histogram['toSparse']>>>;
}

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

const r3 = (x: number) => Math.round(x * 1000) / 1000;

/** Milliseconds from a histogram of microseconds. */
export function summarize(h: Histogram): LatencySummary {
  const q = (p: number) => r3(h.quantile(p) / 1000);
  return {
    count: h.count,
    min: r3((h.count ? h.min : 0) / 1000),
    mean: r3(h.mean / 1000),
    p50: q(0.5),
    p90: q(0.9),
    p99: q(0.99),
    p999: q(0.999),
    max: r3(h.max / 1000),
  };
}
