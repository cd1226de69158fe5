import type { Histogram } from './histogram.js';
import type { HistName, MixFinal } from './ipc.js';
import type { LatencySummary } from './latency-summary.js';
import type { TimelinePoint } from './live.js';
import type { MixKnobs } from './mix-options.js';
import type { ProbeSummary } from './server-probe.js';
import type { SloCheck } from './slo.js';
import type { PlanSummary } from './social-plan.js';

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
