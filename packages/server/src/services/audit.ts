import type { AuditEntry } from '@warbler/protocol';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { AuditFilter, NewAuditEntry } from '../store/audit-store.js';
import type { Store } from '../store/store.js';

/** What a caller records: the entry without its id and time. Never put a password or a token in it. */
export type AuditRecord = Omit<NewAuditEntry, 'at'>;

/** Where accounts, the CLI and the admin API record what happened (docs/admin-api.md#audit-log). */
export interface AuditLog {
  /** Logs the entry at once and stores it with the next flush; never throws, never waits. */
  record(entry: AuditRecord): void;
}

/** An audit log that records nothing (tests and tools that do not audit). */
export const NO_AUDIT: AuditLog = { record: () => undefined };

/** A failed login: the account when it exists (never the name typed, which may be a password typed in the wrong field). */
export const loginFailed = (
  userId: number | undefined,
  reason: 'wrong_password' | 'unknown_user' | 'account_disabled' | 'rate_limited',
  ip?: string,
): AuditRecord => ({
  event: 'login.failed',
  userId,
  ip,
  detail: { reason },
});

/** How long an entry waits to be stored: entries of this span share one transaction. */
export const AUDIT_FLUSH_MS = 1000;
/** Entries pending that make a flush start at once, so a burst never waits in memory unbounded. */
const FLUSH_AT = 1000;
const DAY = 86_400_000;

/**
 * The audit log: each entry is written at once as a structured log line (`"msg":"audit"` with an `event`
 * field) and stored with the others of the same second in one transaction, so the login path never pays a
 * commit of its own. A crash (not a graceful stop, which flushes) loses at most the last second of stored
 * entries; their log lines are already written. After each flush the table is pruned to
 * `audit.retentionDays` and `audit.maxRows`.
 */
export class Audit implements AuditLog {
  private pending: NewAuditEntry[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: Store,
    private readonly config: Config,
    private readonly logger: Logger,
  ) {}

  record(entry: AuditRecord): void {
    const e: NewAuditEntry = { at: Date.now(), ...entry };
    // An address the server does not know is left out, not stored empty.
    if (!e.ip) delete e.ip;
    this.logger.info('audit', { ...e });
    this.pending.push(e);
    if (this.pending.length >= FLUSH_AT) void this.flush();
    else
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        void this.flush();
      }, AUDIT_FLUSH_MS).unref();
  }

  /** Stores every entry recorded so far (one at a time: flushes queue behind each other), then prunes. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    this.pending = [];
    this.flushing = this.flushing.then(async () => {
      try {
        if (batch.length > 0) await this.store.audit.append(batch);
        await this.prune();
      } catch (err) {
        this.logger.warn('could not store audit entries', { err, lost: batch.length });
      }
    });
    return this.flushing;
  }

  /** Deletes what is past `audit.retentionDays` or beyond `audit.maxRows`. */
  async prune(now = Date.now()): Promise<number> {
    return this.store.audit.prune(now - this.config.audit.retentionDays * DAY, this.config.audit.maxRows);
  }

  /** Entries matching `filter`, newest first, including every one recorded before the call. */
  async query(filter: AuditFilter): Promise<AuditEntry[]> {
    await this.flush();
    return this.store.audit.query(filter);
  }
}
