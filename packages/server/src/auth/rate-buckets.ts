import type { LimitRecord } from '../store/auth-limit-store.js';

/** One key's bucket: `level` units at time `at`, draining at the bucket's rate; `held` units of events in flight. */
interface Bucket {
  level: number;
  at: number;
  held: number;
}

/**
 * Leaky buckets by key (a client IP, a user id): an event adds one unit, a bucket drains `capacity` units
 * per `windowMs` and holds at most `capacity`, so at most `capacity` events pass at once and then
 * `capacity` per window. An event that would overflow is refused with the time until it fits.
 *
 * `take` counts an event at once. `reserve` holds a unit for an event in flight (a password being hashed):
 * held units count against the capacity like stored ones, so concurrent events cannot all pass the check
 * before any is counted; `settle` then counts it or gives it back. In memory, at most `maxEntries` keys
 * (the least recently changed go first). A capacity of 0 means no limit: every event passes.
 */
export class RateBuckets {
  private readonly buckets = new Map<string, Bucket>();
  /** Keys changed since the last `drainChanges`. */
  private readonly changed = new Set<string>();
  private readonly perMs: number;

  constructor(
    readonly capacity: number,
    readonly windowMs: number,
    private readonly onChange: () => void = () => undefined,
    private readonly maxEntries = 100_000,
  ) {
    this.perMs = capacity / windowMs;
  }

  private levelAt(b: Bucket, now: number): number {
    return Math.max(0, b.level - (now - b.at) * this.perMs);
  }

  /** Milliseconds until `units` more fit in the bucket `b` (0: they fit now); Infinity when they never can. */
  private wait(b: Bucket | undefined, now: number, units = 1): number {
    if (this.capacity === 0) return 0;
    if (units > this.capacity) return Infinity;
    if (!b) return 0;
    const over = this.levelAt(b, now) + b.held + units - this.capacity;
    return over <= 0 ? 0 : Math.ceil(over / this.perMs);
  }

  /**
   * Counts `units` events for `key` when they fit: returns 0; else the milliseconds until they would
   * (Infinity: more than the capacity), counting nothing.
   */
  take(key: string, now = Date.now(), units = 1): number {
    const w = this.wait(this.buckets.get(key), now, units);
    if (w > 0) return w;
    if (this.capacity > 0) this.add(key, now, units, 0);
    return 0;
  }

  /** Holds one unit for an event in flight when it fits (returns 0; settle it exactly once); else the wait, holding nothing. */
  reserve(key: string, now = Date.now()): number {
    const w = this.wait(this.buckets.get(key), now);
    if (w > 0) return w;
    if (this.capacity > 0) this.add(key, now, 0, 1);
    return 0;
  }

  /** Ends a `reserve`: the unit is counted (`counted`) or given back. */
  settle(key: string, counted: boolean, now = Date.now()): void {
    if (this.capacity === 0) return;
    this.add(key, now, counted ? 1 : 0, -1);
  }

  private add(key: string, now: number, units: number, held: number): void {
    const b = this.buckets.get(key);
    const next: Bucket = { level: (b ? this.levelAt(b, now) : 0) + units, at: now, held: Math.max(0, (b?.held ?? 0) + held) };
    this.buckets.delete(key);
    if (next.level > 0 || next.held > 0) this.buckets.set(key, next);
    if (units !== 0) this.markChanged(key);
    // Map order is insertion order and a change re-inserts: the first key is the least recently changed.
    if (this.buckets.size > this.maxEntries) this.buckets.delete(this.buckets.keys().next().value!);
  }

  private markChanged(key: string): void {
    this.changed.add(key);
    this.onChange();
  }

  /**
   * The persistent state of the keys whose stored level changed since the last call: a record per key
   * that still holds units (`count` rounded up, so a restart never lowers a level), and the keys that
   * hold none any more. Held units are not persistent: a crash ends the events in flight.
   */
  drainChanges(now = Date.now()): { upsert: LimitRecord[]; remove: string[] } {
    const upsert: LimitRecord[] = [];
    const remove: string[] = [];
    for (const key of this.changed) {
      const b = this.buckets.get(key);
      const level = b ? this.levelAt(b, now) : 0;
      if (level <= 0) remove.push(key);
      else {
        const count = Math.ceil(level);
        upsert.push({ key, count, until: 0, at: now, expiresAt: now + Math.ceil(count / this.perMs) });
      }
    }
    this.changed.clear();
    return { upsert, remove };
  }

  /** Puts back a record that `drainChanges` gave (after a restart). */
  restore(r: LimitRecord): void {
    if (this.capacity === 0) return;
    this.buckets.delete(r.key);
    this.buckets.set(r.key, { level: r.count, at: r.at, held: 0 });
    if (this.buckets.size > this.maxEntries) this.buckets.delete(this.buckets.keys().next().value!);
  }
}
