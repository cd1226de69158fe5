import type { Redis } from 'ioredis';
import type { CounterState, SharedCounters } from './bus.js';

/**
 * The shared counters on Redis (SharedCounters in bus.ts): one key per counter, `<prefix>counter:<key>`,
 * whose TTL is the window. A hit that adds is one MULTI (INCRBY, PEXPIRE … NX, PTTL): atomic, and NX
 * keeps the window set by the hit that created the key (Redis 7). A read (n = 0) is GET and PTTL, and
 * creates nothing. While Redis is unreachable the calls reject; the caller decides (the login throttle
 * falls back to its own node's count).
 */
export class RedisCounters implements SharedCounters {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async hit(key: string, windowMs: number, n = 1): Promise<CounterState> {
    const k = `${this.prefix}counter:${key}`;
    if (n <= 0) {
      const [[, count], [, ttl]] = (await this.redis.multi().get(k).pttl(k).exec()) as [[unknown, string | null], [unknown, number]];
      return count === null || ttl <= 0 ? { count: 0, resetMs: 0 } : { count: Number(count), resetMs: ttl };
    }
    const window = Math.max(1, Math.round(windowMs));
    const [[, count], , [, ttl]] = (await this.redis.multi().incrby(k, n).pexpire(k, window, 'NX').pttl(k).exec()) as [
      [unknown, number],
      unknown,
      [unknown, number],
    ];
    return { count, resetMs: Math.max(0, ttl) };
  }

  async reset(key: string): Promise<void> {
    await this.redis.del(`${this.prefix}counter:${key}`);
  }
}
