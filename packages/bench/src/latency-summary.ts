import type { Histogram } from './histogram.js';

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
