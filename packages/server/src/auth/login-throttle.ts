import type { LimitRecord } from '../store/auth-limit-store.js';

/** One username's state: failures counted, the end of its lockout, the last failure, attempts in flight. */
interface Entry {
  failures: number;
  until: number;
  at: number;
  inFlight: number;
}

/**
 * Slows password guessing for one username: the first `freeFailures` wrong passwords are free; after
 * that, logins for it are refused without checking the password until a delay has passed that doubles
 * with each further failure (`baseDelayMs`, twice that, … up to `maxDelayMs`), and then only one attempt
 * at a time is checked. A successful login clears the count; so does a day without failures.
 *
 * Attempts in flight count: `reserve` takes a slot before the (slow, asynchronous) password check, and
 * `failed` or `succeeded` ends it. So `freeFailures` wrong passwords sent at the same moment use up the
 * free slots, and the rest of the burst is refused at once, a right password among them too.
 * In memory, at most `maxEntries` usernames (the least recently failed go first).
 */
export class LoginThrottle {
  private readonly entries = new Map<string, Entry>();
  /** Usernames whose stored state changed since the last `drainChanges`. */
  private readonly changed = new Set<string>();

  constructor(
    private readonly onChange: () => void = () => undefined,
    readonly freeFailures = 5,
    readonly baseDelayMs = 1000,
    readonly maxDelayMs = 15 * 60_000,
    /** A username without failures for this long starts again from zero. */
    readonly resetAfterMs = 24 * 3_600_000,
    private readonly maxEntries = 100_000,
  ) {}

  /** The entry of `key`, or undefined when it has none that still counts at `now`. */
  private live(key: string, now: number): Entry | undefined {
    const e = this.entries.get(key);
    if (e && e.inFlight === 0 && e.failures > 0 && now - e.at > this.resetAfterMs) {
      this.entries.delete(key);
      return undefined;
    }
    return e;
  }

  /**
   * Takes a slot for a login of `key`: returns 0 when taken (end it with `failed` or `succeeded`, exactly
   * once); otherwise the milliseconds to wait, and nothing is taken.
   */
  reserve(key: string, now = Date.now()): number {
    const e = this.live(key, now);
    if (!e) {
      this.put(key, { failures: 0, until: 0, at: now, inFlight: 1 });
      return 0;
    }
    if (e.until > now) return e.until - now;
    // Past the free failures, one attempt at a time; before, the free slots left.
    const busy = e.failures >= this.freeFailures ? e.inFlight > 0 : e.failures + e.inFlight >= this.freeFailures;
    if (busy) return this.baseDelayMs;
    e.inFlight++;
    return 0;
  }

  /** Ends a slot with a wrong password: counts the failure and, past the free ones, starts a lockout. */
  failed(key: string, now = Date.now()): void {
    const e = this.entries.get(key) ?? { failures: 0, until: 0, at: now, inFlight: 1 };
    e.inFlight = Math.max(0, e.inFlight - 1);
    e.failures++;
    e.at = now;
    if (e.failures >= this.freeFailures)
      e.until = now + Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (e.failures - this.freeFailures));
    this.put(key, e);
    this.markChanged(key);
  }

  /** Ends a slot with a right password: clears the count (attempts still in flight keep their slots). */
  succeeded(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    const hadFailures = e.failures > 0;
    e.inFlight = Math.max(0, e.inFlight - 1);
    e.failures = 0;
    e.until = 0;
    if (e.inFlight === 0) this.entries.delete(key);
    if (hadFailures) this.markChanged(key);
  }

  /** Ends a slot without a verdict (the check itself failed): nothing is counted. */
  released(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    e.inFlight = Math.max(0, e.inFlight - 1);
    if (e.inFlight === 0 && e.failures === 0) this.entries.delete(key);
  }

  private put(key: string, e: Entry): void {
    // Map order is insertion order and a change re-inserts: the first key is the least recently changed.
    this.entries.delete(key);
    this.entries.set(key, e);
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  private markChanged(key: string): void {
    this.changed.add(key);
    this.onChange();
  }

  /** The persistent state of the usernames changed since the last call: records, and keys with nothing left. */
  drainChanges(): { upsert: LimitRecord[]; remove: string[] } {
    const upsert: LimitRecord[] = [];
    const remove: string[] = [];
    for (const key of this.changed) {
      const e = this.entries.get(key);
      if (!e || e.failures === 0) remove.push(key);
      else upsert.push({ key, count: e.failures, until: e.until, at: e.at, expiresAt: e.at + this.resetAfterMs });
    }
    this.changed.clear();
    return { upsert, remove };
  }

  /** Puts back a record that `drainChanges` gave (after a restart). */
  restore(r: LimitRecord): void {
    this.put(r.key, { failures: r.count, until: r.until, at: r.at, inFlight: 0 });
  }
}
