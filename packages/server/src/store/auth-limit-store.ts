/**
 * One key's login-throttle state, as the limiters keep it across restarts: `count` (failures, or a
 * bucket's level), `until` (the end of a lockout; 0 when none), `at` (when `count` was last set) and
 * `expiresAt` (from then on the record means nothing and may be deleted). Keys carry a prefix naming
 * their limiter, e.g. `login:user:alice`, `login:ip:203.0.113.7`.
 */
export interface LimitRecord {
  key: string;
  count: number;
  until: number;
  at: number;
  expiresAt: number;
}

/**
 * The part of the Store that keeps the login throttle and the per-IP limits: see `Store.authLimits`.
 * Contract tests: test/store-auth.contract.ts.
 */
export interface AuthLimitStore {
  /** Every record that has not expired at `now`, by `at` ascending (ties: by key). */
  loadLimits(now: number): Promise<LimitRecord[]>;
  /**
   * In one transaction: writes each of `upsert` (replacing the record of the same key), deletes the keys
   * of `remove`, and deletes every record expired at `now`. Unknown keys in `remove` are skipped.
   */
  saveLimits(upsert: readonly LimitRecord[], remove: readonly string[], now: number): Promise<void>;
}
