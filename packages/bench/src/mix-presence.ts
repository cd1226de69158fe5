import type { Agenda } from './agenda.js';
import type { MixInbox } from './mix-inbox.js';
import type { MixKnobs } from './mix-options.js';
import type { MixRequests } from './mix-requests.js';
import type { MixUser } from './mix-user.js';
import type { ClientPool } from './pool.js';
import { logNormalDraw } from './rng.js';

/** Log-normal shape of an offline period, and its cap. */
const AWAY_SIGMA = 0.5;
const AWAY_CAP_MS = 120_000;
/** Backoff of a reconnection after a drop, as the SDK's (100 ms doubling up to 5 s, times 0.5–1). */
const BACKOFF_FIRST_MS = 100;
const BACKOFF_MAX_MS = 5000;
/** Tries to find a user to go offline. */
const PICK_TRIES = 8;

/** What a MixPresence works with. */
export interface MixPresenceParts {
  pool: ClientPool;
  users: readonly MixUser[];
  requests: MixRequests;
  inbox: MixInbox;
  agenda: Agenda;
  knobs: MixKnobs;
  /** How long a reconnection may take (the run's connect timeout). */
  timeoutMs: () => number;
}

/**
 * The people of the client mix going offline and coming back, as apps do: someone idle closes the
 * app and opens it again after a human delay; a dropped connection reconnects with the SDK's backoff.
 * Each time the connection is ready again the app does what the SDK does after authenticating: the
 * outbox again (same clientIds), the conversation list, then sync.
 */
export class MixPresence {
  /** Offline periods (a user closed, then came back with its token) and reconnections after a drop. */
  awayCycles = 0;
  reconnects = 0;

  constructor(private readonly p: MixPresenceParts) {}

  /** Users offline or reconnecting now. */
  offline(): number {
    let n = 0;
    for (const u of this.p.users) if (u.away || u.reconnecting) n++;
    return n;
  }

  /** Whoever could not connect keeps trying, as an app does: they catch up by sync once in. */
  retryUnconnected(): void {
    for (const u of this.p.users) if (!u.ready && !u.away && !u.reconnecting && u.client.state !== 'connecting') this.reconnect(u, 0);
  }

  /** Everyone offline on purpose comes back now (sending is over). */
  bringBackAll(): void {
    for (const u of this.p.users) if (u.away) void u.closed.then(() => this.comeBack(u));
  }

  /** A person goes offline: someone online with nothing in flight; back after a human delay. */
  goAway(): void {
    const { users, agenda, knobs: k } = this.p;
    for (let i = 0; i < PICK_TRIES; i++) {
      const u = users[Math.floor(Math.random() * users.length)];
      if (!u || !u.ready || u.away || u.inflight > 0 || u.outbox.size > 0 || u.typedPending > 0 || u.syncing) continue;
      u.away = true;
      this.awayCycles++;
      u.closed = u.client.close();
      const back = Math.min(AWAY_CAP_MS, logNormalDraw(k.awayS * 1000, AWAY_SIGMA, Math.random(), Math.random()));
      agenda.at(performance.now() + back, () => void u.closed.then(() => this.comeBack(u)));
      return;
    }
  }

  /** `u`'s connection authenticated (first connect or reconnect). */
  onReady(u: MixUser): void {
    const again = u.everReady;
    u.everReady = true;
    u.pushSeq.clear();
    if (again) {
      // As the SDK after authenticating: the outbox again (same clientIds), then sync; the app shows its list.
      for (const frame of u.outbox.values()) u.client.send(frame);
      this.p.requests.list(u);
    }
    this.p.inbox.sync(u);
  }

  /** `u`'s authenticated connection closed, on purpose (`closing`) or not. */
  onClosed(u: MixUser): void {
    // Requests in flight on the closed connection get no answer (sends stay in the outbox).
    this.p.requests.dropAll(u);
    if (!u.client.closing) this.reconnect(u, 0);
  }

  private comeBack(u: MixUser): void {
    if (!u.away) return;
    u.away = false;
    this.reconnect(u, -1);
  }

  /** Opens the connection again with the saved token (after the SDK's backoff, unless `attempt` is -1: at once). */
  private reconnect(u: MixUser, attempt: number): void {
    u.reconnecting = true;
    const go = () =>
      void this.p.pool.reopen(u.client, this.p.timeoutMs()).then((ok) => {
        if (ok) {
          u.reconnecting = false;
          if (attempt >= 0) this.reconnects++;
        } else this.reconnect(u, Math.max(0, attempt) + 1);
      });
    if (attempt < 0) return go();
    const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** Math.min(attempt, 16)) * (0.5 + Math.random() / 2);
    this.p.agenda.at(performance.now() + delay, go);
  }
}
