/**
 * Slows password guessing: after `freeFailures` wrong passwords for one username, further logins for it
 * are refused without checking the password for a delay that doubles with each failure, up to `maxDelayMs`.
 * A successful login clears the count. In memory, per process; bounded in size.
 */
export class LoginThrottle {
  private readonly fails = new Map<string, { count: number; until: number }>();

  constructor(
    private readonly freeFailures = 5,
    private readonly baseDelayMs = 1000,
    private readonly maxDelayMs = 15 * 60_000,
    private readonly maxEntries = 100_000,
  ) {}

  /** Milliseconds until `username` may try again; 0 when it may try now. */
  retryAfter(username: string, now = Date.now()): number {
    const f = this.fails.get(username);
    return f && f.until > now ? f.until - now : 0;
  }

  failed(username: string, now = Date.now()): void {
    const f = this.fails.get(username) ?? { count: 0, until: 0 };
    f.count++;
    if (f.count >= this.freeFailures) f.until = now + Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (f.count - this.freeFailures));
    this.fails.delete(username);
    this.fails.set(username, f);
    // Oldest first: Map keeps insertion order, and a failure re-inserts its entry.
    if (this.fails.size > this.maxEntries) this.fails.delete(this.fails.keys().next().value!);
  }

  succeeded(username: string): void {
    this.fails.delete(username);
  }
}
