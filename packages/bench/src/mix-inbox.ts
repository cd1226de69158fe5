import { directConvId, type Message } from '@warbler/protocol';
import type { Agenda } from './agenda.js';
import { decodeText } from './message-text.js';
import type { DeliveryAudit } from './mix-audit.js';
import type { MixGroups } from './mix-groups.js';
import type { MixKnobs } from './mix-options.js';
import type { MixRequests } from './mix-requests.js';
import type { Entry, MixUser } from './mix-user.js';
import type { ScannedPush } from './push-scan.js';
import { logNormalDraw } from './rng.js';
import type { Tracker } from './tracker.js';

/** Log-normal shape of the delay before a person reads a conversation, and its cap. */
const READ_SIGMA = 1;
const READ_CAP_MS = 60_000;

/** A message as `sync` returns it (and as a pushed entry that is not a bench message carries it). */
interface WireMessage {
  conv: string;
  seq: number;
  from: number;
  text?: string;
}

/** What a MixInbox works with. */
export interface MixInboxParts {
  requests: MixRequests;
  audit: DeliveryAudit;
  groups: MixGroups;
  tracker: Tracker;
  agenda: Agenda;
  knobs: MixKnobs;
  /** Sending now: reads are scheduled and made only then. */
  active: () => boolean;
}

/**
 * The receiving side of the people of the client mix: pushes and sync pages into each user's stream
 * (the SDK's MessageStream: each sequence once, in order, a gap filled by sync), and what the app does
 * with what the stream delivers: delivery receipts (the SDK's DeliveryReporter), the conversation to
 * reply to, and a read after a human delay. Every delivery goes to the audit.
 */
export class MixInbox {
  /** Users with a sync in flight: what the drain waits for. */
  syncing = 0;

  constructor(private readonly p: MixInboxParts) {}

  /** A push of a bench message to `u`'s connection (it must rise per conversation). */
  onPush(u: MixUser, push: ScannedPush): void {
    const group = this.p.groups.indexOfPushed(push.group);
    if (group === undefined) return this.p.tracker.onForeignPush();
    const conv = group >= 0 ? this.p.groups.convs[group]! : directConvId(u.me, push.from);
    if (!this.p.audit.pushInOrder(u, conv, push.seq)) return;
    const bench = { worker: push.worker, n: push.n, sentNs: push.sentNs };
    u.ingest({ conv, seq: push.seq, from: push.from, bench, via: 'push', group });
  }

  /** A pushed entry that is not a bench message (a group event, …): it still moves the stream. */
  onForeign(u: MixUser, d: Record<string, unknown> | undefined): void {
    if (!d || typeof d.conv !== 'string' || typeof d.seq !== 'number' || typeof d.from !== 'number') return this.p.tracker.onForeignPush();
    u.ingest(this.entryOf(d as unknown as WireMessage, 'push'));
  }

  /** The stream delivered an entry to the app, once and in order. */
  deliver(u: MixUser, e: Entry): void {
    u.cursor.set(e.conv, e.seq);
    if (e.from === u.me) return;
    u.receipts?.delivered(e as unknown as Message, u.me);
    // People answer who wrote to them (group replies are part of the group share).
    if (e.group < 0) {
      u.lastIncoming = e.conv;
      u.addContact(e.from);
    }
    const k = this.p.knobs;
    if (this.p.active() && k.readShare > 0 && !u.readScheduled.has(e.conv) && Math.random() < k.readShare) this.scheduleRead(u, e.conv);
    this.p.audit.delivered(u, e);
  }

  /** Pulls everything after the stream's cursors, page by page (one sync at a time per user). */
  sync(u: MixUser): void {
    if (!u.ready) return;
    if (u.syncing) {
      u.syncAgain = true;
      return;
    }
    u.syncing = true;
    u.syncAgain = false;
    this.syncing++;
    const done = () => {
      if (!u.syncing) return;
      u.syncing = false;
      this.syncing--;
    };
    const page = (): void =>
      this.p.requests.syncPage(
        u,
        (data) => {
          const r = data as { messages?: WireMessage[]; more?: boolean };
          for (const m of r.messages ?? []) u.ingest(this.entryOf(m, 'sync'));
          if (r.more || u.syncAgain) {
            u.syncAgain = false;
            return page();
          }
          done();
        },
        done,
      );
    page();
  }

  /** The person reads the conversation after a human delay: `conv.read` up to what reached the app then. */
  private scheduleRead(u: MixUser, conv: string): void {
    u.readScheduled.add(conv);
    const delay = Math.min(READ_CAP_MS, logNormalDraw(this.p.knobs.readDelayS * 1000, READ_SIGMA, Math.random(), Math.random()));
    this.p.agenda.at(performance.now() + delay, () => {
      u.readScheduled.delete(conv);
      const seq = u.cursor.get(conv) ?? 0;
      if (!this.p.active() || !u.ready || seq <= 0) return;
      // As the SDK's markRead: a read covers delivery.
      u.receipts?.read(conv, seq);
      this.p.requests.read(u, conv, seq);
    });
  }

  private entryOf(m: WireMessage, via: 'push' | 'sync'): Entry {
    return {
      conv: m.conv,
      seq: m.seq,
      from: m.from,
      bench: typeof m.text === 'string' ? decodeText(m.text) : undefined,
      via,
      group: this.p.groups.indexOfConv(m.conv),
    };
  }
}
