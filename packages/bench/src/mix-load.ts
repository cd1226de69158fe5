import { Agenda } from './agenda.js';
import type { BenchClient, Frame } from './bench-client.js';
import type { MixFinal, MixInit } from './ipc.js';
import { DeliveryAudit } from './mix-audit.js';
import { MixGroups } from './mix-groups.js';
import { MixInbox } from './mix-inbox.js';
import type { MixKnobs } from './mix-options.js';
import { MixPresence } from './mix-presence.js';
import { MixRequests } from './mix-requests.js';
import { MixSender } from './mix-sender.js';
import { MixTraffic } from './mix-traffic.js';
import { MixUser, type MixUserHooks } from './mix-user.js';
import type { ClientPool } from './pool.js';
import type { Tracker } from './tracker.js';

/** Pacing of the send loop (as in load.ts), of going offline, and of the agenda of later actions. */
const SEND_TICK_MS = 5;
const MAX_SENDS_PER_TICK = 5000;
const SIDE_TICK_MS = 100;
const AGENDA_TICK_MS = 5;

/** What a worker's client mix runs on (see worker.ts). */
export interface MixLoadSetup {
  pool: ClientPool;
  tracker: Tracker;
  worker: number;
  init: MixInit;
  textBytes: number;
  maxInflight: number;
  /** The run's connect timeout, as the coordinator last set it. */
  timeoutMs: () => number;
  /** Bench messages sent before this (an earlier trial's, met again by sync) are not this trial's. */
  startNs: number;
}

/**
 * The traffic of the client mix (realistic, pairs) on a worker's clients: people who send at the
 * offered rate in total (open loop, senders in proportion to their activity) to their partners (Zipf
 * by closeness), their groups, the conversation they last got a message in, or someone new
 * (mix-traffic.ts; mix-sender.ts); whose apps take pushes, sync pages and acks through the SDK's
 * MessageStream, report delivery as the SDK's DeliveryReporter does, read conversations after a human
 * delay (mix-inbox.ts), type before some messages, open chats (`msg.history`) and the conversation
 * list (mix-requests.ts), and go offline and come back (token, resend of what was unacknowledged,
 * sync: mix-presence.ts). What arrives is checked (mix-audit.ts): pushes rise per conversation on each
 * connection; one-to-one messages are marked received for the cross-worker bitmap check; group
 * messages are counted per member and group (see merge-finals.ts).
 *
 * This file holds the schedule (the send loop and the offline periods beside it), the wiring of the
 * parts to the pool, and the figures handed over at the end.
 */
export class MixLoad {
  private readonly users: MixUser[];
  private readonly knobs: MixKnobs;
  private readonly agenda = new Agenda(AGENDA_TICK_MS);
  private readonly events: Record<string, number> = {};
  private readonly requests: MixRequests;
  private readonly audit: DeliveryAudit;
  private readonly inbox: MixInbox;
  private readonly sender: MixSender;
  private readonly presence: MixPresence;
  /** Sending (reads, offline periods and side requests happen only then). */
  private active = false;

  constructor(private readonly s: MixLoadSetup) {
    const { pool, tracker, init } = s;
    const k = (this.knobs = init.knobs);
    const agenda = this.agenda;
    const groups = new MixGroups(init.groups);
    const requests = (this.requests = new MixRequests(tracker));
    const audit = (this.audit = new DeliveryAudit(tracker, groups, s.startNs));
    const inbox = (this.inbox = new MixInbox({ requests, audit, groups, tracker, agenda, knobs: k, active: () => this.active }));
    const receipts = { on: k.deliveryReceipts, delayMs: k.receiptMs };
    const hooks: MixUserHooks = {
      deliver: (u, e) => inbox.deliver(u, e),
      gap: (u) => inbox.sync(u),
      report: (u, d) => requests.receipt(u, d),
      groupWeight: (g) => groups.pickWeight(g),
    };
    const users = (this.users = pool.main.map((c, i) => new MixUser(c, init.users[i]!, receipts, hooks)));
    const traffic = new MixTraffic(users, init, groups, k);
    const { worker, textBytes, maxInflight } = s;
    this.sender = new MixSender({
      traffic,
      requests,
      audit,
      tracker,
      agenda,
      knobs: k,
      worker,
      clientTag: init.clientTag,
      textBytes,
      maxInflight,
    });
    this.presence = new MixPresence({ pool, users, requests, inbox, agenda, knobs: k, timeoutMs: s.timeoutMs });
    this.listen(pool);
    agenda.start();
  }

  /**
   * Sends `rate` messages per second for `durationMs` with everything that goes with them; then
   * brings back everyone offline and waits (bounded) until they are online and synced and every
   * message held behind a typing indicator went out. Resolves with how many messages were due.
   */
  async send(rate: number, durationMs: number): Promise<{ offered: number }> {
    const total = Math.round((rate * durationMs) / 1000);
    const k = this.knobs;
    const { tracker } = this.s;
    this.active = true;
    tracker.watchPushGaps(true);
    this.presence.retryUnconnected();
    const awayPerS = k.awayShare * this.users.length;
    let scheduled = 0;
    let away = 0;
    const t0 = performance.now();
    await new Promise<void>((resolve) => {
      const side = setInterval(() => {
        const due = Math.floor((awayPerS * (performance.now() - t0)) / 1000);
        for (; away < due; away++) this.presence.goAway();
      }, SIDE_TICK_MS);
      const timer = setInterval(() => {
        const elapsed = performance.now() - t0;
        const due = Math.min(total, Math.floor((rate * elapsed) / 1000));
        for (let i = 0; scheduled < due && i < MAX_SENDS_PER_TICK; i++, scheduled++) this.sender.sendOne();
        if (scheduled >= total || elapsed > durationMs + 2000) {
          clearInterval(timer);
          clearInterval(side);
          tracker.counters.skipped += total - scheduled;
          resolve();
        }
      }, SEND_TICK_MS);
      if (total === 0) {
        clearInterval(timer);
        clearInterval(side);
        resolve();
      }
    });
    this.active = false;
    tracker.watchPushGaps(false);
    this.presence.bringBackAll();
    const deadline = performance.now() + this.s.timeoutMs() + k.typingMs + 5000;
    while (performance.now() < deadline && (this.sender.outstanding > 0 || this.presence.offline() > 0))
      await new Promise((r) => setTimeout(r, 20));
    return { offered: total };
  }

  /** What the coordinator's drain waits for. */
  status(): { expected: number; away: number; syncing: number } {
    return { expected: this.audit.expected, away: this.presence.offline(), syncing: this.inbox.syncing };
  }

  /** Stops the clocks and hands over everything measured. */
  final(): ReturnType<Tracker['final']> {
    const { tracker } = this.s;
    this.agenda.stop();
    for (const u of this.users) u.receipts?.stop();
    const mix: MixFinal = {
      fanout: this.audit.fanout(this.users),
      ops: this.requests.stats,
      events: this.events,
      deliveredBySync: tracker.deliveredBySync,
      awayCycles: this.presence.awayCycles,
      reconnects: this.presence.reconnects,
      typed: this.sender.typed,
      newConversations: this.sender.newConversations,
      maxPushGapMs: Math.round(tracker.maxPushGapMs * 10) / 10,
      cursors: this.users.map((u) => [...u.cursor]),
    };
    return tracker.final({ acked: this.audit.directAcked, mix });
  }

  /** Takes over the pool's responses and pushes, and hears of its connections (see PoolHooks). */
  private listen(pool: ClientPool): void {
    const { users, inbox, presence } = this;
    const { tracker } = this.s;
    // The pool's main clients are the users, in order (user i is pool.main[i], whose `local` is i).
    const userOf = (c: BenchClient): MixUser | undefined => users[c.local];
    pool.onResponse = (_c, f) => this.onResponse(f);
    pool.hooks = {
      push(c, p) {
        const u = userOf(c);
        if (u) inbox.onPush(u, p);
        else tracker.onForeignPush();
      },
      foreign(c, d) {
        const u = userOf(c);
        if (u) inbox.onForeign(u, d);
        else tracker.onForeignPush();
      },
      event: (_c, name) => (this.events[name] = (this.events[name] ?? 0) + 1),
      ready(c) {
        const u = userOf(c);
        if (u) presence.onReady(u);
      },
      closed(c) {
        const u = userOf(c);
        if (u) presence.onClosed(u);
      },
    };
  }

  /** A response: the ack of a send (id n + 1 > 0) or the answer to another request of the mix (id < 0). */
  private onResponse(f: Frame): void {
    const id = f.id;
    if (typeof id !== 'number') return this.s.tracker.error(`response:${f.error?.code ?? 'no_id'}`);
    if (id > 0) return this.sender.onAck(id - 1, f);
    this.requests.onResponse(id, f);
  }
}
