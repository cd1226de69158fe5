import type { Connection } from '../connections/connection.js';
import type { Logger } from '../logger.js';
import type { AppendResult, NewMessage } from '../store/store.js';

/**
 * The extension points, a closed list, in the order a connection meets them. Extensions are given to
 * `startServer` and fixed for the server's life; each point runs its functions in the order the
 * extensions were given. Every hook is synchronous: most are on the send path, which must not wait
 * (a hook with slow work starts it and catches its errors itself).
 */
export const HOOK_NAMES = ['beforeLogin', 'connectionOpened', 'beforeEntry', 'afterEntry', 'connectionClosed'] as const;
export type HookName = (typeof HOOK_NAMES)[number];

/** A registration or a password login, as it arrives: nothing of it has been checked yet. */
export interface LoginAttempt {
  op: 'auth.register' | 'auth.login';
  username: string;
  /** The client's address (see server.trustedProxies). */
  ip: string;
}

/** The functions an extension may give, one per extension point (each optional). */
export interface HookFunctions {
  /**
   * Before a registration or a password login is checked (`auth.resume` with a token does not pass
   * here). Failure rule: a hook that throws refuses the attempt: the request fails with the error thrown
   * (a WarblerError, else `internal`), nothing is checked, stored or counted by the login throttle, and
   * the hooks after it do not run.
   */
  beforeLogin(attempt: LoginAttempt): void;
  /**
   * A connection authenticated (by `auth.register`, `auth.login` or `auth.resume`) and joined the hub,
   * after the hub's own listeners (presence). Failure rule: an error is logged; the connection stays.
   */
  connectionOpened(c: Connection): void;
  /**
   * Before an entry a user makes is stored: a message (`msg.send`, `msg.forward`) or an action on one
   * (`msg.edit`, `msg.recall`, `msg.react`), after its checks and before it is queued for the group
   * commit. Server-made events (group and account logs) do not pass here. Failure rule: a hook that
   * throws vetoes the entry (moderation): the request fails with the error thrown (a WarblerError, else
   * `internal`), nothing is stored or pushed, and the hooks after it do not run.
   */
  beforeEntry(entry: NewMessage): void;
  /**
   * After an entry is durable: once per stored entry (every entry of the journal, server-made events
   * too; never for a duplicate), in commit order, after it was pushed to its members' connections and
   * before its request is answered. Failure rule: an error is logged and the next hook still runs; the
   * entry is durable already and its push is done, so a failing hook never loses it, nor stores or
   * pushes it twice.
   */
  afterEntry(entry: NewMessage, result: AppendResult): void;
  /** An authenticated connection closed and left the hub. Failure rule: an error is logged. */
  connectionClosed(c: Connection): void;
}

/** What an extension gives: any of the hook functions. */
export type Extension = Partial<HookFunctions>;

/** The extensions' hooks, by point, in the order given; run as each point's contract says. */
export class Hooks {
  private readonly login: HookFunctions['beforeLogin'][];
  private readonly opened: HookFunctions['connectionOpened'][];
  private readonly before: HookFunctions['beforeEntry'][];
  private readonly after: HookFunctions['afterEntry'][];
  private readonly closed: HookFunctions['connectionClosed'][];

  constructor(
    extensions: readonly Extension[],
    private readonly logger: Logger,
  ) {
    const list = <K extends HookName>(k: K): HookFunctions[K][] =>
      extensions.flatMap((e) => {
        const f = e[k];
        return f ? [f.bind(e) as HookFunctions[K]] : [];
      });
    this.login = list('beforeLogin');
    this.opened = list('connectionOpened');
    this.before = list('beforeEntry');
    this.after = list('afterEntry');
    this.closed = list('connectionClosed');
  }

  /** Throws what a hook throws: the refusal. */
  beforeLogin(attempt: LoginAttempt): void {
    for (let i = 0; i < this.login.length; i++) this.login[i]!(attempt);
  }

  connectionOpened(c: Connection): void {
    for (let i = 0; i < this.opened.length; i++) this.guard('connectionOpened', () => this.opened[i]!(c));
  }

  /** Throws what a hook throws: the veto. */
  beforeEntry(entry: NewMessage): void {
    // Indexed loops: no iterator per message when no extension is given.
    for (let i = 0; i < this.before.length; i++) this.before[i]!(entry);
  }

  afterEntry(entry: NewMessage, result: AppendResult): void {
    for (let i = 0; i < this.after.length; i++) this.guard('afterEntry', () => this.after[i]!(entry, result));
  }

  connectionClosed(c: Connection): void {
    for (let i = 0; i < this.closed.length; i++) this.guard('connectionClosed', () => this.closed[i]!(c));
  }

  private guard(hook: HookName, f: () => void): void {
    try {
      f();
    } catch (err) {
      this.logger.warn('hook failed', { hook, err });
    }
  }
}
