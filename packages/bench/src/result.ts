import { Bitmap } from './bitmap.js';
import { Histogram } from './histogram.js';
import { HIST_NAMES, newCounters, type Counters, type HistName, type WorkerFinal } from './ipc.js';
import type { TimelinePoint } from './live.js';
import type { SloCheck } from './slo.js';

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

/** Everything one scenario run measured: the shape of the --json file (docs/benchmarks.md, "Output"). */
export interface ScenarioResult {
  scenario: string;
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
}

/**
 * Adds up the workers' figures; finds acknowledged messages nobody received, and ones received twice.
 * In a group run (`groups` > 0): every receiver must have received each message acknowledged in its
 * group (by any worker) except its own, which it checked arrived in order; more is `unexpected`.
 */
export function mergeFinals(finals: WorkerFinal[], groups = 0): Merged {
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
  if (groups > 0) {
    ({ expected, missing, unexpected, receivers } = fanoutCheck(finals, groups));
  } else
    finals.forEach((f, w) => {
      const acked = new Bitmap(f.acked);
      const got = received.get(w) ?? new Bitmap(new Uint8Array(0));
      missing += acked.andNotCount(got);
      unexpected += got.andNotCount(acked);
    });
  const sends = finals.map((f) => f.times.firstSendNs).filter((t) => t > 0);
  const first = sends.length ? Math.min(...sends) : 0;
  const window = (last: number) => (first > 0 && last > first ? (last - first) / 1e9 : 0);
  const ackWindowS = window(Math.max(...finals.map((f) => f.times.lastAckNs)));
  const deliveryWindowS = window(Math.max(...finals.map((f) => f.times.lastDeliveryNs)));
  return { counters, errors, hists, expected, missing, unexpected, receivers, ackWindowS, deliveryWindowS };
}

/** group: what each receiver should have received, against what it did. */
function fanoutCheck(finals: WorkerFinal[], groups: number): { expected: number; missing: number; unexpected: number; receivers: number } {
  const ackedIn = new Float64Array(groups);
  for (const f of finals) {
    const x = f.fanout;
    if (!x) throw new Error('a worker of a group run sent no per-member figures');
    for (let i = 0; i < x.group.length; i++) if (x.group[i]! >= 0) ackedIn[x.group[i]!]! += x.own[i]!;
  }
  let expected = 0;
  let missing = 0;
  let unexpected = 0;
  let receivers = 0;
  for (const f of finals) {
    const x = f.fanout!;
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
