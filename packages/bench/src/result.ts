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
    /** Acknowledged (stored) by the server: the messages that must each arrive once. */
    sent: number;
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
    cpuMsPerMessage: number | null;
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
  missing: number;
  unexpected: number;
  /** Seconds from the first send to the last ack, and to the last delivery (0: no messages). */
  ackWindowS: number;
  deliveryWindowS: number;
}

/** Adds up the workers' figures; finds acknowledged messages nobody received, and ones received twice. */
export function mergeFinals(finals: WorkerFinal[]): Merged {
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
  return { counters, errors, hists, missing, unexpected, ackWindowS, deliveryWindowS };
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
