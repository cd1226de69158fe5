import type { SharedCounters } from '../bus/bus.js';

/** The login throttle's settings (config `auth.loginThrottle`), in milliseconds. */
export interface ThrottleSettings {
  freeFailures: number;
  baseDelayMs: number;
  maxDelayMs: number;
  resetAfterMs: number;
}

/**
 * The login throttle of one username across every node of a cluster, on the Bus's shared counters:
 * what LoginThrottle does per process, counted where every node sees it. Failures count in
 * `login:fail:<username>` (a window of `resetAfterMs` from the first failure; a right password
 * removes it). Past the free failures, the lockout after the n-th failure is the counter
 * `login:lock:<username>:<n>`, whose window is the delay (`baseDelayMs`, doubling per further failure,
 * at most `maxDelayMs`): a login is refused while the lock of the current count lasts.
 *
 * Attempts in flight are not shared: each node holds its own (LoginThrottle), so a burst spread over
 * N nodes at the same moment may have up to N checks in flight.
 */
export class SharedLoginThrottle {
  constructor(
    private readonly counters: SharedCounters,
    private readonly s: ThrottleSettings,
  ) {}

  /** Milliseconds until a login of `username` may be checked (0: now), after every node's failures. */
  async wait(username: string): Promise<number> {
    const failures = (await this.counters.hit(failKey(username), this.s.resetAfterMs, 0)).count;
    if (failures < this.s.freeFailures) return 0;
    return (await this.counters.hit(lockKey(username, failures), 0, 0)).resetMs;
  }

  /** Counts a wrong password; past the free failures, starts the lockout every node sees. */
  async failed(username: string): Promise<void> {
    const failures = (await this.counters.hit(failKey(username), this.s.resetAfterMs)).count;
    if (failures < this.s.freeFailures) return;
    const delay = Math.min(this.s.maxDelayMs, this.s.baseDelayMs * 2 ** (failures - this.s.freeFailures));
    await this.counters.hit(lockKey(username, failures), delay);
  }

  /** A right password: the count starts over on every node. */
  async succeeded(username: string): Promise<void> {
    await this.counters.reset(failKey(username));
  }
}

const failKey = (username: string): string => `login:fail:${username}`;
const lockKey = (username: string, failures: number): string => `login:lock:${username}:${failures}`;
