/**
 * Pass/fail thresholds (`--slo "p99<50ms,delivery=100%,errors=0"`).
 *
 * Terms, separated by commas:
 * - `[metric.]stat<bound` or `<=`: a latency bound; stat is p50, p90, p99, p999 or max; metric is
 *   delivery (the default), ack, connect, login, reconnect, relogin or read; the bound has the unit
 *   us, ms (the default) or s.
 * - `delivery=P%` or `delivery>=P%`: at least P% of the expected deliveries happened (1:1: of the
 *   acknowledged messages; group: of each acknowledged message to every other member online).
 * - `errors=N`, `errors<=N` or `errors<N`: at most N (fewer than N) errors of any kind.
 * - `throughput>=P%`: messages acknowledged per second were at least P% of the offered rate.
 */
export const LATENCY_STATS = ['p50', 'p90', 'p99', 'p999', 'max'] as const;
export const LATENCY_METRICS = ['delivery', 'ack', 'connect', 'login', 'reconnect', 'relogin', 'read'] as const;
export type LatencyStat = (typeof LATENCY_STATS)[number];
export type LatencyMetric = (typeof LATENCY_METRICS)[number];

export type SloTerm =
  | { kind: 'latency'; text: string; metric: LatencyMetric; stat: LatencyStat; op: '<' | '<='; boundMs: number }
  | { kind: 'delivery'; text: string; minPct: number }
  | { kind: 'errors'; text: string; op: '<' | '<='; max: number }
  | { kind: 'throughput'; text: string; minPct: number };

/** A bad --slo term; the message names it. */
export class SloError extends Error {
  override name = 'SloError';
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000 };

/** Parses an SLO string into terms; throws SloError naming the first bad term. */
export function parseSlo(spec: string): SloTerm[] {
  const terms = spec
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  if (terms.length === 0) throw new SloError('--slo: no terms (example: "p99<50ms,delivery=100%,errors=0")');
  return terms.map(parseTerm);
}

function parseTerm(text: string): SloTerm {
  const bad = (why: string): never => {
    throw new SloError(`--slo: "${text}": ${why}`);
  };
  const t = text.replace(/\s+/g, '');
  let m = /^(?:([a-z]+)\.)?(p50|p90|p99|p999|max)(<=?)(\d+(?:\.\d+)?)(us|ms|s)?$/.exec(t);
  if (m) {
    const metric = (m[1] ?? 'delivery') as LatencyMetric;
    if (!LATENCY_METRICS.includes(metric)) bad(`unknown metric "${metric}" (one of ${LATENCY_METRICS.join(', ')})`);
    return {
      kind: 'latency',
      text,
      metric,
      stat: m[2] as LatencyStat,
      op: m[3] as '<' | '<=',
      boundMs: Number(m[4]) * UNIT_MS[m[5] ?? 'ms']!,
    };
  }
  m = /^(delivery|throughput)(=|>=)(\d+(?:\.\d+)?)%$/.exec(t);
  if (m) {
    const pct = Number(m[3]);
    if (pct > 100) bad('a percentage is at most 100');
    if (m[1] === 'throughput' && m[2] === '=') bad('use throughput>=P%');
    return m[1] === 'delivery' ? { kind: 'delivery', text, minPct: pct } : { kind: 'throughput', text, minPct: pct };
  }
  m = /^errors(=|<=|<)(\d+)$/.exec(t);
  if (m) return { kind: 'errors', text, op: m[1] === '<' ? '<' : '<=', max: Number(m[2]) };
  return bad('expected e.g. p99<50ms, ack.p999<=200ms, delivery=100%, errors=0 or throughput>=95%');
}

/** The figures a run's SLO is checked against. */
export interface SloFigures {
  /** Latency summaries in milliseconds by metric; absent when the run did not measure it. */
  latency: Partial<Record<LatencyMetric, Partial<Record<LatencyStat, number>> & { count: number }>>;
  /** Deliveries that had to happen. */
  expected: number;
  delivered: number;
  errors: number;
  offeredRate: number;
  achievedRate: number;
}

export interface SloCheck {
  term: string;
  /** The measured value (ms, %, or a count); null when the run did not measure it. */
  actual: number | null;
  pass: boolean;
  /** True when the run has nothing to check this term against (it then passes). */
  skipped: boolean;
}

/** Checks every term; a term the run did not measure is skipped (and passes). */
export function checkSlo(terms: readonly SloTerm[], f: SloFigures): { pass: boolean; checks: SloCheck[] } {
  const checks = terms.map((t): SloCheck => {
    switch (t.kind) {
      case 'latency': {
        const s = f.latency[t.metric];
        const v = s && s.count > 0 ? s[t.stat] : undefined;
        if (v === undefined) return { term: t.text, actual: null, pass: true, skipped: true };
        return { term: t.text, actual: v, pass: t.op === '<' ? v < t.boundMs : v <= t.boundMs, skipped: false };
      }
      case 'delivery': {
        if (f.expected === 0) return { term: t.text, actual: null, pass: true, skipped: true };
        const pct = (100 * f.delivered) / f.expected;
        return { term: t.text, actual: pct, pass: pct >= t.minPct, skipped: false };
      }
      case 'errors':
        return { term: t.text, actual: f.errors, pass: t.op === '<' ? f.errors < t.max : f.errors <= t.max, skipped: false };
      case 'throughput': {
        if (f.offeredRate === 0) return { term: t.text, actual: null, pass: true, skipped: true };
        const pct = (100 * f.achievedRate) / f.offeredRate;
        return { term: t.text, actual: pct, pass: pct >= t.minPct, skipped: false };
      }
    }
  });
  return { pass: checks.every((c) => c.pass), checks };
}
