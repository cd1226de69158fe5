import type { Agenda } from './agenda.js';
import type { Frame } from './bench-client.js';
import { encodeText, nowNs } from './message-text.js';
import type { DeliveryAudit } from './mix-audit.js';
import type { MixKnobs } from './mix-options.js';
import type { MixRequests } from './mix-requests.js';
import type { MixTraffic, Outgoing } from './mix-traffic.js';
import type { MixUser } from './mix-user.js';
import type { Tracker } from './tracker.js';

/** A sender whose socket has this much unsent data is skipped rather than queued behind (as in load.ts). */
const MAX_SOCKET_BACKLOG = 1 << 20;
/** A client sends at most one typing indicator per conversation this often (the server's default interval is 1000 ms). */
const TYPING_GAP_MS = 1100;

/** What a MixSender works with. */
export interface MixSenderParts {
  traffic: MixTraffic;
  requests: MixRequests;
  audit: DeliveryAudit;
  tracker: Tracker;
  agenda: Agenda;
  knobs: MixKnobs;
  worker: number;
  /** Part of every clientId (see MixInit.clientTag). */
  clientTag: string;
  textBytes: number;
  /** Sends waiting for their ack beyond this are skipped. */
  maxInflight: number;
}

/**
 * The writing side of the people of the client mix: each message the traffic model draws, with what
 * goes with it (a chat opened, the conversation list, a typing indicator ahead of it), then its frame
 * (kept in the sender's outbox until acknowledged, resent with the same clientId after a reconnect)
 * and its ack (the sender's own copy into its stream, and what the message owes to the audit).
 */
export class MixSender {
  /** Messages sent right after a typing indicator, and messages that opened a new conversation. */
  typed = 0;
  newConversations = 0;
  /** Messages decided but held behind their typing indicator. */
  outstanding = 0;
  /** Sends without an ack: message number → who sent it, where. */
  private readonly sends = new Map<number, Pick<Outgoing, 'u' | 'group' | 'peer'>>();
  private nextN = 0;

  constructor(private readonly p: MixSenderParts) {}

  /** One message of the offered stream (or one skipped when none could be drawn). */
  sendOne(): void {
    const { traffic, requests, agenda, knobs: k } = this.p;
    const m = traffic.next();
    if (!m) {
      this.p.tracker.counters.skipped++;
      return;
    }
    const { u, conv, isNew } = m;
    if (k.historyShare > 0 && Math.random() < k.historyShare) this.openChat(u, conv);
    if (k.listShare > 0 && Math.random() < k.listShare) requests.list(u);
    // A typed message follows its indicator by typingMs. So that typing does not bunch the sends, every
    // message is decided that much ahead and sent on time (the whole stream shifted by typingMs).
    const lead = k.typingShare > 0 ? k.typingMs : 0;
    if (lead <= 0) return this.sendMessage(m);
    const now = performance.now();
    // Typing only where the conversation exists already (a first message has nowhere to type yet).
    if (!isNew && (u.cursor.get(conv) ?? 0) > 0 && Math.random() < k.typingShare) {
      this.typed++;
      if (now - (u.typingAt.get(conv) ?? -Infinity) >= TYPING_GAP_MS) {
        u.typingAt.set(conv, now);
        requests.typing(u, conv);
      }
    }
    u.typedPending++;
    this.outstanding++;
    agenda.at(now + lead, () => {
      u.typedPending--;
      this.outstanding--;
      this.sendMessage(m);
    });
  }

  /** The ack of message number `n` (the response to request id n + 1). */
  onAck(n: number, f: Frame): void {
    const d = f.data as { conv?: string; seq?: number; duplicate?: boolean } | undefined;
    const first = this.p.tracker.onAck(n, f.ok === true, d?.duplicate === true, f.error?.code);
    const meta = this.sends.get(n);
    if (!meta) return;
    this.sends.delete(n);
    meta.u.outbox.delete(n);
    if (!f.ok || typeof d?.conv !== 'string' || typeof d.seq !== 'number') return;
    // The sending connection gets no push: the ack is its copy (the SDK's ownCopy).
    meta.u.ingest({ conv: d.conv, seq: d.seq, from: meta.u.me, bench: undefined, via: 'own', group: meta.group });
    if (!first) return;
    this.p.audit.acked(meta.u, n, meta.group);
    if (meta.group < 0) meta.u.addContact(meta.peer);
  }

  private sendMessage(m: Outgoing): void {
    const { u, conv, group, peer } = m;
    const t = this.p.tracker;
    if (!u.ready || t.pending.size >= this.p.maxInflight || u.client.bufferedAmount > MAX_SOCKET_BACKLOG) {
      t.counters.skipped++;
      return;
    }
    const n = this.nextN++;
    const at = nowNs();
    const text = encodeText(this.p.worker, n, at, this.p.textBytes);
    const dest = group >= 0 ? `"conv":"${conv}"` : `"to":${peer}`;
    const frame = `{"id":${n + 1},"op":"msg.send","data":{${dest},"clientId":"${this.p.clientTag}.${this.p.worker}.${n}","text":"${text}"}}`;
    t.sent(n, at);
    u.outbox.set(n, frame);
    this.sends.set(n, { u, group, peer });
    if (m.isNew) this.newConversations++;
    u.client.send(frame);
  }

  /** Opens a chat: the newest page of the conversation, or of one the user has (a new one has no history yet). */
  private openChat(u: MixUser, conv: string): void {
    let c: string | undefined = conv;
    if ((u.cursor.get(c) ?? 0) <= 0) {
      c = undefined;
      for (const [k, seq] of u.cursor)
        if (seq > 0) {
          c = k;
          if (Math.random() < 0.5) break;
        }
    }
    if (c !== undefined) this.p.requests.history(u, c);
  }
}
