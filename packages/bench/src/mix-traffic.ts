import { directConvId, parseDirectConvId } from '@warbler/protocol';
import type { MixInit } from './ipc.js';
import type { MixGroups } from './mix-groups.js';
import type { MixKnobs } from './mix-options.js';
import type { MixUser } from './mix-user.js';
import { pickCumulative, zipfRank } from './rng.js';

/** Tries to find a sender online, or someone new to write to. */
const PICK_TRIES = 8;

/** One message of the offered stream: who writes, and where to. */
export interface Outgoing {
  u: MixUser;
  conv: string;
  /** Group index, or -1 for one-to-one. */
  group: number;
  /** One-to-one: the recipient (0 in a group). */
  peer: number;
  /** The first message to someone the sender had no conversation with. */
  isNew: boolean;
}

/**
 * The traffic model of the client mix: who writes, and to whom. Senders are online people drawn in
 * proportion to their activity; each writes to someone new (`newConvShare`), to one of their groups
 * (`groupShare`, weighted by MixUser.groupCumulative), back to the conversation they last got a
 * message in (`replyShare`), or else to a partner drawn by Zipf rank of closeness.
 */
export class MixTraffic {
  /** Running sums of the users' activity: a sender is drawn from them. */
  private readonly cumulative: Float64Array;
  /** Every main user of the run: new conversations open with one of them. */
  private readonly everyone: number[];

  constructor(
    private readonly users: readonly MixUser[],
    init: Pick<MixInit, 'users' | 'everyone'>,
    private readonly groups: MixGroups,
    private readonly knobs: MixKnobs,
  ) {
    let s = 0;
    this.cumulative = Float64Array.from(init.users, (u) => (s += Math.max(0, u.activity)));
    this.everyone = init.everyone;
  }

  /** The next message; undefined when none could be drawn (no sender online, no one to write to): skipped. */
  next(): Outgoing | undefined {
    const u = this.pickSender();
    if (!u) return undefined;
    const k = this.knobs;
    let group = -1;
    let peer = 0;
    let conv: string | undefined;
    let isNew = false;
    if (Math.random() < k.newConvShare || (u.contacts.length === 0 && u.groups.length === 0)) {
      peer = this.newPeer(u);
      isNew = true;
    } else if (u.groups.length > 0 && (u.contacts.length === 0 || Math.random() < k.groupShare)) {
      const cum = u.groupCumulative;
      group = u.groups[pickCumulative(cum, Math.random() * cum[cum.length - 1]!)]!;
    } else if (u.lastIncoming !== undefined && Math.random() < k.replyShare) {
      conv = u.lastIncoming;
      const pair = parseDirectConvId(conv);
      peer = pair ? (pair[0] === u.me ? pair[1] : pair[0]) : 0;
    } else peer = u.contacts[zipfRank(u.contacts.length, Math.random())]!;
    if (group < 0 && (peer <= 0 || peer === u.me)) return undefined;
    conv ??= group >= 0 ? this.groups.convs[group]! : directConvId(u.me, peer);
    return { u, conv, group, peer, isNew };
  }

  /** A sender online, drawn in proportion to activity. */
  private pickSender(): MixUser | undefined {
    const total = this.cumulative[this.cumulative.length - 1] ?? 0;
    if (total <= 0) return undefined;
    for (let i = 0; i < PICK_TRIES; i++) {
      const u = this.users[pickCumulative(this.cumulative, Math.random() * total)]!;
      if (u.ready && !u.away) return u;
    }
    return undefined;
  }

  /** Someone the user has no conversation with yet. */
  private newPeer(u: MixUser): number {
    const all = this.everyone;
    let p = 0;
    for (let i = 0; i < PICK_TRIES; i++) {
      p = all[Math.floor(Math.random() * all.length)]!;
      if (p !== u.me && !u.contactSet.has(p)) return p;
    }
    return p === u.me ? 0 : p;
  }
}
