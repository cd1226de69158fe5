import type { Config } from '../config.js';
import { WarblerError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { AuthLimitStore, LimitRecord } from '../store/auth-limit-store.js';
import type { SharedCounters } from '../bus/bus.js';
import { LoginThrottle } from './login-throttle.js';
import { RateBuckets } from './rate-buckets.js';
import { SharedLoginThrottle } from './shared-throttle.js';

const MINUTE = 60_000;
const HOUR = 3_600_000;
/** Changes of the persistent limits are written at most this long after they happen (one transaction). */
export const LIMITS_FLUSH_MS = 1000;

/** A login attempt that passed the limits: end it with `AuthLimits.endLogin`, exactly once. */
export interface LoginTicket {
  readonly username: string;
  readonly ip: string;
}

/** What `drainChanges` / `restore` give a persistent limiter. */
interface Persistent {
  drainChanges(now: number): { upsert: LimitRecord[]; remove: string[] };
  restore(r: LimitRecord): void;
}

const seconds = (ms: number): number => Math.max(1, Math.ceil(ms / 1000));

/**
 * The limits on authentication, by username and by client IP (see docs/config.md and docs/protocol.md):
 *
 * - per username: the login throttle (`LoginThrottle`: `auth.loginThrottle.freeFailures` free failures,
 *   then a doubling delay);
 * - per IP: `auth.loginsPerIpPerMinute` login attempts, `auth.failedLoginsPerIpPerHour` failed logins
 *   across all usernames (password spraying), `auth.registrationsPerIpPerHour` registrations.
 *
 * Attempts in flight count against the failure limits from the moment they start. The failure limits
 * and the registration limit survive a restart: their changes are written to the store in one
 * transaction at most `LIMITS_FLUSH_MS` after they happen (never one write per failed login), and
 * loaded before the first login or registration. A crash loses at most the changes of that last
 * second; the per-minute login rate and attempts in flight are not kept.
 *
 * Across the processes of a cluster, the username throttle also counts on the Bus's shared counters
 * (SharedLoginThrottle): a login is refused while either this process's throttle or the cluster's
 * refuses it. When the shared counters fail (their service is down), this process's throttle alone
 * holds, and the failure is logged. The per-IP limits count per process (docs/deploy.md).
 */
export class AuthLimits {
  private readonly users: LoginThrottle;
  private readonly shared: SharedLoginThrottle;
  private readonly ipFailures: RateBuckets;
  private readonly ipLogins: RateBuckets;
  private readonly ipRegistrations: RateBuckets;
  /** The persistent limiters by key prefix. */
  private readonly persistent: ReadonlyMap<string, Persistent>;
  private loaded: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    config: Config,
    private readonly store: AuthLimitStore,
    private readonly logger: Logger,
    counters: SharedCounters,
  ) {
    const changed = () => this.schedule();
    const a = config.auth;
    const t = a.loginThrottle;
    this.users = new LoginThrottle(changed, t.freeFailures, t.baseDelayMs, t.maxDelayMs, t.resetAfterHours * HOUR);
    this.shared = new SharedLoginThrottle(counters, { ...t, resetAfterMs: t.resetAfterHours * HOUR });
    this.ipFailures = new RateBuckets(a.failedLoginsPerIpPerHour, HOUR, changed);
    this.ipLogins = new RateBuckets(a.loginsPerIpPerMinute, MINUTE);
    this.ipRegistrations = new RateBuckets(a.registrationsPerIpPerHour, HOUR, changed);
    this.persistent = new Map<string, Persistent>([
      ['login:user:', this.users],
      ['login:ip:', this.ipFailures],
      ['register:ip:', this.ipRegistrations],
    ]);
  }

  /** Loads the saved state once, before the first check. */
  private ready(): Promise<void> {
    return (this.loaded ??= this.store.loadLimits(Date.now()).then(
      (records) => {
        for (const r of records)
          for (const [prefix, limiter] of this.persistent)
            if (r.key.startsWith(prefix)) limiter.restore({ ...r, key: r.key.slice(prefix.length) });
      },
      (err: unknown) => {
        // Try again with the next attempt; until then logins fail rather than run unthrottled.
        this.loaded = undefined;
        throw err;
      },
    ));
  }

  /**
   * Admits a login of `username` (normalized; '' when invalid) from `ip`, or throws `rate_limited`. Takes
   * a slot of every limit at once, without waiting between the checks, so concurrent attempts are
   * counted in arrival order.
   */
  async beginLogin(username: string, ip: string): Promise<LoginTicket> {
    await this.ready();
    const now = Date.now();
    const rate = this.ipLogins.take(ip, now);
    if (rate > 0) throw new WarblerError('rate_limited', `too many logins from this address; retry in ${seconds(rate)} s`);
    const spray = this.ipFailures.reserve(ip, now);
    if (spray > 0) throw new WarblerError('rate_limited', `too many failed logins from this address; retry in ${seconds(spray)} s`);
    const wait = this.users.reserve(username, now);
    if (wait > 0) {
      this.ipFailures.settle(ip, false, now);
      throw new WarblerError('rate_limited', `too many failed logins for this username; retry in ${seconds(wait)} s`);
    }
    const everywhere = await this.shared.wait(username).catch((err: unknown) => this.sharedFailed(err));
    if (everywhere > 0) {
      this.users.released(username);
      this.ipFailures.settle(ip, false);
      throw new WarblerError('rate_limited', `too many failed logins for this username; retry in ${seconds(everywhere)} s`);
    }
    return { username, ip };
  }

  /**
   * Ends an admitted login: `ok` (right password), `false` (wrong password or unknown user), or
   * `undefined` (no verdict). Resolves once the cluster's count has it too (answer the login after that).
   */
  async endLogin(t: LoginTicket, ok: boolean | undefined): Promise<void> {
    const now = Date.now();
    if (ok === true) this.users.succeeded(t.username);
    else if (ok === false) this.users.failed(t.username, now);
    else this.users.released(t.username);
    this.ipFailures.settle(t.ip, ok === false, now);
    if (ok === true) await this.shared.succeeded(t.username).catch((err: unknown) => this.sharedFailed(err));
    else if (ok === false) await this.shared.failed(t.username).catch((err: unknown) => this.sharedFailed(err));
  }

  /** The shared counters failed: this process's throttle alone holds for this attempt. */
  private sharedFailed(err: unknown): number {
    this.logger.warn('the shared login throttle is unavailable; counting in this process only', { err });
    return 0;
  }

  /** Counts a registration attempt from `ip`, or throws `rate_limited`. */
  async beginRegistration(ip: string): Promise<void> {
    await this.ready();
    const wait = this.ipRegistrations.take(ip);
    if (wait > 0) throw new WarblerError('rate_limited', `too many registrations from this address; retry in ${seconds(wait)} s`);
  }

  private schedule(): void {
    this.timer ??= setTimeout(() => {
      this.flush().catch((err: unknown) => this.logger.warn('could not write the login throttle state', { err }));
    }, LIMITS_FLUSH_MS).unref();
  }

  /** Writes the pending changes in one transaction; the server's stop calls it before closing the store. */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const now = Date.now();
    const upsert: LimitRecord[] = [];
    const remove: string[] = [];
    for (const [prefix, limiter] of this.persistent) {
      const c = limiter.drainChanges(now);
      upsert.push(...c.upsert.map((r) => ({ ...r, key: prefix + r.key })));
      remove.push(...c.remove.map((k) => prefix + k));
    }
    if (upsert.length > 0 || remove.length > 0) await this.store.saveLimits(upsert, remove, now);
  }
}
