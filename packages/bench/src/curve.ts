import type { ScenarioResult } from './result.js';

/** The share of the offered rate a point must have acknowledged to count as kept up with. */
export const KEPT_UP = 0.95;

/** One offered rate of a latency-against-load curve. */
export interface CurveRow {
  offered: number;
  /** Acknowledged messages per second (first send to last ack). */
  achieved: number;
  /** Send → receive (by push), ms. */
  p50: number | null;
  p99: number | null;
  max: number | null;
  /** Send → ack p99, ms. */
  ackP99: number | null;
  cpuMsPerMessage: number | null;
  /** The server's event-loop delay p99 while sending (its /metrics gauge, since the previous scrape), ms. */
  eventLoopLagP99Ms: number | null;
  /** /healthz answer time p99 while sending, ms. */
  healthzP99Ms: number | null;
  /** Every acknowledged message reached every recipient exactly once, in order. */
  allDelivered: boolean;
  /** Within the bound: all delivered, p99 at most the bound, and at least 95% of the offered rate acknowledged. */
  withinBound: boolean;
}

/** The rows of one scenario against one server, and the highest rate within the bound. */
export interface Curve {
  scenario: string;
  against: 'warbler' | 'relay';
  p99BoundMs: number;
  rows: CurveRow[];
  /** The highest offered rate within the bound; null when none is. */
  best: number | null;
}

export function curveRow(r: ScenarioResult, boundMs: number): CurveRow {
  const m = r.messages;
  const d = r.latency.delivery;
  const allDelivered = m.sent > 0 && m.missing === 0 && m.duplicates === 0 && m.outOfOrder === 0 && m.delivered >= m.expected;
  const p99 = d?.p99 ?? null;
  return {
    offered: r.params.rate,
    achieved: m.achievedRate,
    p50: d?.p50 ?? null,
    p99,
    max: d?.max ?? null,
    ackP99: r.latency.ack?.p99 ?? null,
    cpuMsPerMessage: r.server?.cpuMsPerMessage ?? null,
    eventLoopLagP99Ms: r.probe?.eventLoopLagP99Ms ?? null,
    healthzP99Ms: r.probe?.healthz?.p99 ?? null,
    allDelivered,
    withinBound: allDelivered && p99 !== null && p99 <= boundMs && m.achievedRate >= KEPT_UP * r.params.rate,
  };
}

/** One curve per scenario and server, rows in offered order. */
export function buildCurves(runs: ScenarioResult[], boundMs: number): Curve[] {
  const curves = new Map<string, Curve>();
  for (const r of runs) {
    const key = `${r.scenario}\u0000${r.against}`;
    let c = curves.get(key);
    if (!c) curves.set(key, (c = { scenario: r.scenario, against: r.against, p99BoundMs: boundMs, rows: [], best: null }));
    c.rows.push(curveRow(r, boundMs));
  }
  for (const c of curves.values()) {
    c.rows.sort((a, b) => a.offered - b.offered);
    const ok = c.rows.filter((r) => r.withinBound).map((r) => r.offered);
    c.best = ok.length > 0 ? Math.max(...ok) : null;
  }
  return [...curves.values()];
}

const COLS: [string, number, (r: CurveRow) => string][] = [
  ['offered', 9, (r) => String(r.offered)],
  ['achieved', 9, (r) => String(r.achieved)],
  ['p50 ms', 8, (r) => ms(r.p50)],
  ['p99 ms', 8, (r) => ms(r.p99)],
  ['max ms', 8, (r) => ms(r.max)],
  ['ack p99', 8, (r) => ms(r.ackP99)],
  ['CPU/msg', 8, (r) => (r.cpuMsPerMessage === null ? '-' : r.cpuMsPerMessage.toFixed(4))],
  ['loop p99', 9, (r) => ms(r.eventLoopLagP99Ms)],
  ['healthz p99', 12, (r) => ms(r.healthzP99Ms)],
  ['delivered', 10, (r) => (r.allDelivered ? '100%' : 'NO')],
  ['bound', 6, (r) => (r.withinBound ? 'ok' : '-')],
];

function ms(v: number | null): string {
  if (v === null) return '-';
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}

/** The curve as a text table (CPU/msg in ms of server CPU per message; loop p99 is since the server started). */
export function curveText(c: Curve): string[] {
  return [
    `== curve: ${c.scenario} against ${c.against} — bound: send→receive p99 <= ${c.p99BoundMs} ms, all delivered, >= ${KEPT_UP * 100}% of the offered rate acknowledged`,
    '  ' + COLS.map(([h, w]) => h.padStart(w)).join(' '),
    ...c.rows.map((r) => '  ' + COLS.map(([, w, f]) => f(r).padStart(w)).join(' ')),
    `  highest rate within the bound: ${c.best === null ? 'none' : `${c.best} msg/s`}`,
  ];
}
