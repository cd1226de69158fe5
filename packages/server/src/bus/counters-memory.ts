import type { CounterState, SharedCounters } from './bus.js';

/** Past this many counters, a hit first drops the ones whose window has ended. */
const SWEEP_AT = 10_000;

/**
 * The shared counters of a MemoryNetwork: every node of the network counts in this one map (see
 * SharedCounters in bus.ts). A counter whose window has ended is dropped when next touched.
 */
export class MemoryCounters implements SharedCounters {
  private readonly counters = new Map<string, { count: number; endsAt: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  hit(key: string, windowMs: number, n = 1): Promise<CounterState> {
    const now = this.now();
    let c = this.counters.get(key);
    if (c && c.endsAt <= now) {
      this.counters.delete(key);
      c = undefined;
    }
    if (!c && n > 0) {
      if (this.counters.size >= SWEEP_AT) for (const [k, v] of this.counters) if (v.endsAt <= now) this.counters.delete(k);
      this.counters.set(key, (c = { count: 0, endsAt: now + windowMs }));
    }
    if (!c) return Promise.resolve({ count: 0, resetMs: 0 });
    c.count += n;
    return Promise.resolve({ count: c.count, resetMs: c.endsAt - now });
  }

  reset(key: string): Promise<void> {
    this.counters.delete(key);
    return Promise.resolve();
  }
}
