import type { Logger } from '../logger.js';
import type { Hub } from '../connections/hub.js';
import type { AccountChangeRow } from '../store/admin-store.js';
import type { Store } from '../store/store.js';

/** How often the store's account changes are read: the bound on how late a change made elsewhere is acted on. */
export const ACCOUNT_POLL_MS = 1000;
/** Account changes are kept this long: every running server has read them by then. */
const KEEP_CHANGES_MS = 86_400_000;
/** Polls between two prunes of the change feed (about a minute). */
const PRUNE_EVERY = 60;
const PAGE = 1000;

/** What finishes a deletion where in-memory state lives: the groups and contacts services. */
export interface DeletionSteps {
  /** Forgets that the user exists (messaging's cache of known users). */
  forgetUser(userId: number): void;
  /** Takes the user out of every group, passing on ownership. */
  leaveGroups(userId: number): Promise<void>;
  /** Ends the user's friendships, requests and blocks. */
  dropContacts(userId: number): Promise<void>;
}

/**
 * Keeps this process's sessions in step with account changes made anywhere: by this server's admin API,
 * or by `warbler user …` in another process that wrote the same store. Every `ACCOUNT_POLL_MS` it reads
 * the account changes recorded since the last read (one indexed query) and closes the local sessions of
 * disabled and deleted accounts (4103 `account_disabled`) and of accounts whose password an operator
 * reset (4101 `token_revoked`); their tokens were revoked in the change's own transaction. A deletion is
 * finished here (groups, contacts), where the group and block state is kept in memory; deletions left
 * unfinished by a stop are finished at the next start. Each process polls for itself, so each closes its
 * own connections; a change made by a server process also reaches the others at once (the bus's
 * `accounts` message, applied before the admin API answers), one made by the CLI within the poll.
 */
export class AccountWatch {
  private last = 0;
  private polls = 0;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private stopped = false;
  /** A poll is waiting to run: another nudge adds nothing (a slow store never piles polls up). */
  private queued = false;

  constructor(
    private readonly store: Store,
    private readonly hub: Hub,
    private readonly steps: DeletionSteps,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    // Changes from before this start concern no session of this process.
    this.last = await this.store.admin.lastAccountChange();
    for (const id of await this.store.admin.unfinishedDeletions()) await this.finishDeletion(id);
    this.timer = setInterval(() => this.nudge(), ACCOUNT_POLL_MS).unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }

  /** Reads the changes now (after the current turn), e.g. right after this process made one. */
  nudge(): void {
    if (this.queued) return;
    this.queued = true;
    setImmediate(() => {
      this.running = this.running
        .then(() => {
          this.queued = false;
          return this.poll();
        })
        .catch((err: unknown) => this.logger.warn('account changes poll failed', { err }));
    });
  }

  private async poll(): Promise<void> {
    if (this.stopped) return;
    for (;;) {
      const changes = await this.store.admin.accountChangesAfter(this.last, PAGE);
      for (const c of changes) await this.apply(c);
      if (changes.length < PAGE) break;
    }
    if (++this.polls % PRUNE_EVERY === 0) await this.store.admin.pruneAccountChanges(Date.now() - KEEP_CHANGES_MS);
  }

  /**
   * Reads the changes now, after any poll under way; resolves once they are acted on here (sessions
   * closed, deletions finished). The bus's `accounts` message runs it on every other node.
   */
  pollNow(): Promise<void> {
    this.running = this.running.then(() => this.poll()).catch((err: unknown) => this.logger.warn('account changes poll failed', { err }));
    return this.running;
  }

  private async apply(c: AccountChangeRow): Promise<void> {
    this.last = c.id;
    await this.hub.kickUsers([c.userId], c.kind === 'password' ? 'token_revoked' : 'account_disabled');
    if (c.kind === 'deleted') await this.finishDeletion(c.userId);
  }

  /** Finishes a deletion; a failure is logged and retried at the next start. */
  private async finishDeletion(userId: number): Promise<void> {
    try {
      this.steps.forgetUser(userId);
      await this.steps.leaveGroups(userId);
      await this.steps.dropContacts(userId);
    } catch (err) {
      this.logger.warn('could not finish deleting an account; retried at the next start', { userId, err });
    }
  }
}
