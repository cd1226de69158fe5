import { Bitmap } from './bitmap.js';
import type { FanoutFinal } from './ipc.js';
import type { MixGroups } from './mix-groups.js';
import type { Entry, MixUser } from './mix-user.js';
import type { Tracker } from './tracker.js';

/**
 * The exactly-once audit of the client mix on one worker. Pushes must rise per conversation on each
 * connection (a repeat of the last is a duplicate, a lower one out of order). What the server
 * acknowledged is owed: a one-to-one message once (marked in the bitmap the coordinator checks across
 * workers, see mergeFinals), a group message once to every other member. What reaches the apps is
 * counted against it: one-to-one messages by sending worker and number, group messages per member
 * and group. Only this trial's messages count: one sent before `startNs` (an earlier trial's, met
 * again by sync) does not.
 */
export class DeliveryAudit {
  /** One-to-one messages acknowledged (by number): the bitmap of the exactly-once check. */
  readonly directAcked = new Bitmap();
  /** Deliveries the acknowledged messages owe (1:1: one; group: size − 1): what the drain waits for. */
  expected = 0;

  constructor(
    private readonly tracker: Tracker,
    private readonly groups: MixGroups,
    /** Bench messages sent before this (monotonic ns) are not this trial's. */
    private readonly startNs: number,
  ) {}

  /** A push of `seq` in `conv` reached `u`'s connection: true when it rose (else it is counted, and dropped). */
  pushInOrder(u: MixUser, conv: string, seq: number): boolean {
    const last = u.pushSeq.get(conv) ?? 0;
    if (seq <= last) {
      if (seq === last) this.tracker.counters.duplicates++;
      else this.tracker.counters.outOfOrder++;
      return false;
    }
    u.pushSeq.set(conv, seq);
    return true;
  }

  /** The first ack of `u`'s message number `n` (in `group`, or -1: one-to-one): what it owes. */
  acked(u: MixUser, n: number, group: number): void {
    if (group >= 0) {
      u.groupOwn.set(group, (u.groupOwn.get(group) ?? 0) + 1);
      this.expected += this.groups.sizes[group]! - 1;
    } else {
      this.directAcked.add(n);
      this.expected += 1;
    }
  }

  /** `u`'s stream delivered `e` to the app (once, in order): a delivery of this trial's, if it is a bench message. */
  delivered(u: MixUser, e: Entry): void {
    const b = e.bench;
    if (!b || b.sentNs < this.startNs) return;
    const via = e.via === 'sync' ? 'sync' : 'push';
    if (e.group >= 0) {
      u.groupGot.set(e.group, (u.groupGot.get(e.group) ?? 0) + 1);
      this.tracker.mixDelivered(b.sentNs, via, undefined);
    } else this.tracker.mixDelivered(b.sentNs, via, { worker: b.worker, n: b.n });
  }

  /**
   * The group figures, one row per (user, group) membership: `receiver` is 1 when the user was ever
   * online (it then catches up on everything by sync and must have every message).
   */
  fanout(users: readonly MixUser[]): FanoutFinal {
    const rows: { group: number; own: number; got: number; receiver: number }[] = [];
    for (const u of users)
      for (const g of u.groups)
        rows.push({ group: g, own: u.groupOwn.get(g) ?? 0, got: u.groupGot.get(g) ?? 0, receiver: u.everReady ? 1 : 0 });
    return {
      group: Int32Array.from(rows, (r) => r.group),
      own: Int32Array.from(rows, (r) => r.own),
      got: Int32Array.from(rows, (r) => r.got),
      receiver: Uint8Array.from(rows, (r) => r.receiver),
    };
  }
}
