import { directConvId, parseDirectConvId, parseGroupConvId, type Message } from '@warbler/protocol';
import { Agenda } from './agenda.js';
import type { BenchClient, Frame } from './bench-client.js';
import { Bitmap } from './bitmap.js';
import { MIX_OP_HIST, MIX_OPS, type MixFinal, type MixInit, type MixOp } from './ipc.js';
import { decodeText, encodeText, nowNs } from './message-text.js';
import type { MixKnobs } from './mix-options.js';
import { MixUser, type Entry } from './mix-user.js';
import type { ClientPool } from './pool.js';
import type { ScannedPush } from './push-scan.js';
import { logNormalDraw, pickCumulative, zipfRank } from './rng.js';
import { groupPickWeight } from './social-plan.js';
import type { Tracker } from './tracker.js';

/** Pacing of the send loop, as in load.ts. */
const SEND_TICK_MS = 5;
const MAX_SENDS_PER_TICK = 5000;
const SIDE_TICK_MS = 100;
const AGENDA_TICK_MS = 5;
const MAX_SOCKET_BACKLOG = 1 << 20;
/** A client sends at most one typing indicator per conversation this often (the server's default interval is 1000 ms). */
const TYPING_GAP_MS = 1100;
/** Log-normal shapes of the human delays, and their caps. */
const READ_SIGMA = 1;
const READ_CAP_MS = 60_000;
const AWAY_SIGMA = 0.5;
const AWAY_CAP_MS = 120_000;
/** Backoff of a reconnection after a drop, as the SDK's (100 ms doubling up to 5 s, times 0.5–1). */
const BACKOFF_FIRST_MS = 100;
const BACKOFF_MAX_MS = 5000;
const HISTORY_LIMIT = 50;
const LIST_LIMIT = 20;
const SYNC_LIMIT = 500;
/** Tries to find a sender online, a user to go offline, or someone new to write to. */
const PICK_TRIES = 8;

const OP_NAMES: Record<MixOp, string> = {
  receipt: 'conv.delivered',
  readReceipt: 'conv.read',
  typing: 'typing',
  history: 'msg.history',
  list: 'conv.list',
  sync: 'sync',
};

interface PendingOp {
  op: MixOp;
  t0: number;
  u: MixUser;
  onOk: ((data: unknown) => void) | undefined;
  onFail: (() => void) | undefined;
}

interface SendMeta {
  u: MixUser;
  /** Group index, or -1 for one-to-one. */
  group: number;
  peer: number;
}

interface WireMessage {
  conv: string;
  seq: number;
  from: number;
  text?: string;
}

/**
 * The traffic of the client mix (realistic, pairs) on a worker's clients: people who send at the
 * offered rate in total (open loop, senders in proportion to their activity) to their partners (Zipf
 * by closeness), their groups, the conversation they last got a message in, or someone new; whose
 * apps take pushes, sync pages and acks through the SDK's MessageStream, report delivery as the SDK's
 * DeliveryReporter does, read conversations after a human delay, type before some messages, open
 * chats (`msg.history`) and the conversation list, and go offline and come back (token, resend of
 * what was unacknowledged, sync). What arrives is checked: pushes rise per conversation on each
 * connection; one-to-one messages are marked received for the cross-worker bitmap check; group
 * messages are counted per member and group (see result.ts).
 */
export class MixLoad {
  private readonly users: MixUser[];
  private readonly cumulative: Float64Array;
  private readonly groupConvs: string[];
  private readonly groupSize: number[];
  private readonly groupByConv = new Map<string, number>();
  private readonly groupById = new Map<number, number>();
  private readonly ops = new Map<number, PendingOp>();
  private readonly sends = new Map<number, SendMeta>();
  /** One-to-one messages acknowledged (by number): the bitmap of the exactly-once check. */
  private readonly directAcked = new Bitmap();
  private readonly agenda = new Agenda(AGENDA_TICK_MS);
  private readonly stats = Object.fromEntries(MIX_OPS.map((o) => [o, { count: 0, errors: 0, lost: 0 }])) as MixFinal['ops'];
  private readonly events: Record<string, number> = {};
  private readonly knobs: MixKnobs;
  private nextOpId = 3;
  private nextN = 0;
  private expected = 0;
  private syncingCount = 0;
  private typedOutstanding = 0;
  private awayCycles = 0;
  private reconnects = 0;
  private typed = 0;
  private newConversations = 0;
  /** Sending (reads, offline periods and side requests happen only then). */
  private active = false;

  constructor(
    private readonly pool: ClientPool,
    private readonly tracker: Tracker,
    private readonly worker: number,
    private readonly init: MixInit,
    private readonly textBytes: number,
    private readonly maxInflight: number,
    private readonly timeoutMs: () => number,
    /** Bench messages sent before this (an earlier trial's, met again by sync) are not this trial's. */
    private readonly startNs: number,
  ) {
    this.knobs = init.knobs;
    this.groupConvs = init.groups.map((g) => g.conv);
    this.groupSize = init.groups.map((g) => g.size);
    init.groups.forEach((g, i) => {
      this.groupByConv.set(g.conv, i);
      const id = parseGroupConvId(g.conv);
      if (id !== undefined) this.groupById.set(id, i);
    });
    const receipts = { on: this.knobs.deliveryReceipts, delayMs: this.knobs.receiptMs };
    this.users = pool.main.map(
      (c, i) =>
        new MixUser(
          c,
          init.users[i]!,
          receipts,
          (u, e) => this.deliver(u, e),
          (u) => this.sync(u),
          (u, d) => this.report(u, d),
          (g) => groupPickWeight(this.groupSize[g]!),
        ),
    );
    let s = 0;
    this.cumulative = Float64Array.from(init.users, (u) => (s += Math.max(0, u.activity)));
    pool.onResponse = (c, f) => this.onResponse(c, f);
    pool.hooks = {
      push: (c, p) => this.onPush(c, p),
      foreign: (c, d) => this.onForeign(c, d),
      event: (_c, name) => (this.events[name] = (this.events[name] ?? 0) + 1),
      ready: (c) => this.onReady(c),
      closed: (c) => this.onClosed(c),
    };
    this.agenda.start();
  }

  /**
   * Sends `rate` messages per second for `durationMs` with everything that goes with them; then
   * brings back everyone offline and waits (bounded) until they are online and synced and every
   * message held behind a typing indicator went out. Resolves with how many messages were due.
   */
  async send(rate: number, durationMs: number): Promise<{ offered: number }> {
    const total = Math.round((rate * durationMs) / 1000);
    const k = this.knobs;
    this.active = true;
    this.tracker.watchPushGaps(true);
    // Whoever could not connect keeps trying, as an app does: they catch up by sync once in.
    for (const u of this.users) if (!u.ready && !u.away && !u.reconnecting && u.client.state !== 'connecting') this.reconnect(u, 0);
    const awayPerS = k.awayShare * this.users.length;
    let scheduled = 0;
    let away = 0;
    const t0 = performance.now();
    await new Promise<void>((resolve) => {
      const side = setInterval(() => {
        const due = Math.floor((awayPerS * (performance.now() - t0)) / 1000);
        for (; away < due; away++) this.goAway();
      }, SIDE_TICK_MS);
      const timer = setInterval(() => {
        const elapsed = performance.now() - t0;
        const due = Math.min(total, Math.floor((rate * elapsed) / 1000));
        for (let i = 0; scheduled < due && i < MAX_SENDS_PER_TICK; i++, scheduled++) this.sendOne();
        if (scheduled >= total || elapsed > durationMs + 2000) {
          clearInterval(timer);
          clearInterval(side);
          this.tracker.counters.skipped += total - scheduled;
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
    this.tracker.watchPushGaps(false);
    for (const u of this.users) if (u.away) void u.closed.then(() => this.comeBack(u));
    const deadline = performance.now() + this.timeoutMs() + k.typingMs + 5000;
    while (performance.now() < deadline && (this.typedOutstanding > 0 || this.users.some((u) => u.away || u.reconnecting)))
      await new Promise((r) => setTimeout(r, 20));
    return { offered: total };
  }

  /** What the coordinator's drain waits for. */
  status(): { expected: number; away: number; syncing: number } {
    let away = 0;
    for (const u of this.users) if (u.away || u.reconnecting) away++;
    return { expected: this.expected, away, syncing: this.syncingCount };
  }

  /** Stops the clocks and hands over everything measured. */
  final(): ReturnType<Tracker['final']> {
    this.agenda.stop();
    for (const u of this.users) u.receipts?.stop();
    const rows: { group: number; own: number; got: number; receiver: number }[] = [];
    for (const u of this.users)
      for (const g of u.groups)
        rows.push({ group: g, own: u.groupOwn.get(g) ?? 0, got: u.groupGot.get(g) ?? 0, receiver: u.everReady ? 1 : 0 });
    const mix: MixFinal = {
      fanout: {
        group: Int32Array.from(rows, (r) => r.group),
        own: Int32Array.from(rows, (r) => r.own),
        got: Int32Array.from(rows, (r) => r.got),
        receiver: Uint8Array.from(rows, (r) => r.receiver),
      },
      ops: this.stats,
      events: this.events,
      deliveredBySync: this.tracker.deliveredBySync,
      awayCycles: this.awayCycles,
      reconnects: this.reconnects,
      typed: this.typed,
      newConversations: this.newConversations,
      maxPushGapMs: Math.round(this.tracker.maxPushGapMs * 10) / 10,
      cursors: this.users.map((u) => [...u.cursor]),
    };
    return this.tracker.final({ acked: this.directAcked, mix });
  }

  // ---- sending ----

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
    const all = this.init.everyone;
    let p = 0;
    for (let i = 0; i < PICK_TRIES; i++) {
      p = all[Math.floor(Math.random() * all.length)]!;
      if (p !== u.me && !u.contactSet.has(p)) return p;
    }
    return p === u.me ? 0 : p;
  }

  private sendOne(): void {
    const u = this.pickSender();
    if (!u) {
      this.tracker.counters.skipped++;
      return;
    }
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
    if (group < 0 && (peer <= 0 || peer === u.me)) {
      this.tracker.counters.skipped++;
      return;
    }
    conv ??= group >= 0 ? this.groupConvs[group]! : directConvId(u.me, peer);
    if (k.historyShare > 0 && Math.random() < k.historyShare) this.history(u, conv);
    if (k.listShare > 0 && Math.random() < k.listShare) this.request(u, 'list', `{"limit":${LIST_LIMIT}}`);
    // A typed message follows its indicator by typingMs. So that typing does not bunch the sends, every
    // message is decided that much ahead and sent on time (the whole stream shifted by typingMs).
    const lead = k.typingShare > 0 ? k.typingMs : 0;
    if (lead <= 0) return this.sendMessage(u, conv, group, peer, isNew);
    const now = performance.now();
    // Typing only where the conversation exists already (a first message has nowhere to type yet).
    if (!isNew && (u.cursor.get(conv) ?? 0) > 0 && Math.random() < k.typingShare) {
      this.typed++;
      if (now - (u.typingAt.get(conv) ?? -Infinity) >= TYPING_GAP_MS) {
        u.typingAt.set(conv, now);
        this.request(u, 'typing', `{"conv":"${conv}","typing":true}`);
      }
    }
    u.typedPending++;
    this.typedOutstanding++;
    const c = conv;
    this.agenda.at(now + lead, () => {
      u.typedPending--;
      this.typedOutstanding--;
      this.sendMessage(u, c, group, peer, isNew);
    });
  }

  private sendMessage(u: MixUser, conv: string, group: number, peer: number, isNew: boolean): void {
    const t = this.tracker;
    if (!u.ready || t.pending.size >= this.maxInflight || u.client.bufferedAmount > MAX_SOCKET_BACKLOG) {
      t.counters.skipped++;
      return;
    }
    const n = this.nextN++;
    const at = nowNs();
    const text = encodeText(this.worker, n, at, this.textBytes);
    const dest = group >= 0 ? `"conv":"${conv}"` : `"to":${peer}`;
    const frame = `{"id":${n + 1},"op":"msg.send","data":{${dest},"clientId":"${this.init.clientTag}.${this.worker}.${n}","text":"${text}"}}`;
    t.sent(n, at);
    u.outbox.set(n, frame);
    this.sends.set(n, { u, group, peer });
    if (isNew) this.newConversations++;
    u.client.send(frame);
  }

  /** Opens a chat: the newest page of the conversation, or of one the user has (a new one has no history yet). */
  private history(u: MixUser, conv: string): void {
    let c: string | undefined = conv;
    if ((u.cursor.get(c) ?? 0) <= 0) {
      c = undefined;
      for (const [k, seq] of u.cursor)
        if (seq > 0) {
          c = k;
          if (Math.random() < 0.5) break;
        }
    }
    if (c !== undefined) this.request(u, 'history', `{"conv":"${c}","limit":${HISTORY_LIMIT}}`);
  }

  // ---- requests and responses ----

  /** Sends a request of the mix; `onOk` gets the result, `onFail` runs on an error or a lost connection. */
  private request(u: MixUser, op: MixOp, data: string, onOk?: (data: unknown) => void, onFail?: () => void): void {
    const id = -this.nextOpId++;
    this.stats[op].count++;
    if (!u.client.send(`{"id":${id},"op":"${OP_NAMES[op]}","data":${data}}`)) {
      this.stats[op].lost++;
      onFail?.();
      return;
    }
    u.inflight++;
    this.ops.set(id, { op, t0: nowNs(), u, onOk, onFail });
  }

  /** The DeliveryReporter's report: `conv.delivered`. */
  private report(u: MixUser, d: { conv: string; seq: number }): Promise<unknown> {
    return new Promise((resolve, reject) =>
      this.request(u, 'receipt', `{"conv":"${d.conv}","seq":${d.seq}}`, resolve, () => reject(new Error('receipt failed'))),
    );
  }

  private onResponse(c: BenchClient, f: Frame): void {
    const id = f.id;
    if (typeof id !== 'number') return this.tracker.error(`response:${f.error?.code ?? 'no_id'}`);
    if (id > 0) return this.onAck(id - 1, f);
    const p = this.ops.get(id);
    if (!p) return this.tracker.error('unexpected_response');
    this.ops.delete(id);
    p.u.inflight--;
    if (f.ok) {
      this.tracker.latency(MIX_OP_HIST[p.op], nowNs() - p.t0);
      p.onOk?.(f.data);
    } else {
      this.stats[p.op].errors++;
      this.tracker.error(`${p.op}:${f.error?.code ?? 'unknown'}`);
      p.onFail?.();
    }
  }

  private onAck(n: number, f: Frame): void {
    const d = f.data as { conv?: string; seq?: number; duplicate?: boolean } | undefined;
    const first = this.tracker.onAck(n, f.ok === true, d?.duplicate === true, f.error?.code);
    const meta = this.sends.get(n);
    if (!meta) return;
    this.sends.delete(n);
    meta.u.outbox.delete(n);
    if (!f.ok || typeof d?.conv !== 'string' || typeof d.seq !== 'number') return;
    // The sending connection gets no push: the ack is its copy (the SDK's ownCopy).
    meta.u.ingest({ conv: d.conv, seq: d.seq, from: meta.u.me, bench: undefined, via: 'own', group: meta.group });
    if (!first) return;
    if (meta.group >= 0) {
      meta.u.groupOwn.set(meta.group, (meta.u.groupOwn.get(meta.group) ?? 0) + 1);
      this.expected += this.groupSize[meta.group]! - 1;
    } else {
      this.directAcked.add(n);
      this.expected += 1;
      meta.u.addContact(meta.peer);
    }
  }

  // ---- receiving ----

  private onPush(c: BenchClient, p: ScannedPush): void {
    const u = this.users[c.local];
    if (!u) return this.tracker.onForeignPush();
    const group = p.group > 0 ? (this.groupById.get(p.group) ?? -2) : -1;
    if (group === -2) return this.tracker.onForeignPush();
    const conv = group >= 0 ? this.groupConvs[group]! : directConvId(u.me, p.from);
    const last = u.pushSeq.get(conv) ?? 0;
    if (p.seq <= last) {
      if (p.seq === last) this.tracker.counters.duplicates++;
      else this.tracker.counters.outOfOrder++;
      return;
    }
    u.pushSeq.set(conv, p.seq);
    u.ingest({ conv, seq: p.seq, from: p.from, bench: { worker: p.worker, n: p.n, sentNs: p.sentNs }, via: 'push', group });
  }

  /** A pushed entry that is not a bench message (a group event, …): it still moves the stream. */
  private onForeign(c: BenchClient, d: Record<string, unknown> | undefined): void {
    const u = this.users[c.local];
    if (!u || !d || typeof d.conv !== 'string' || typeof d.seq !== 'number' || typeof d.from !== 'number')
      return this.tracker.onForeignPush();
    u.ingest(this.entryOf(d as unknown as WireMessage, 'push'));
  }

  private entryOf(m: WireMessage, via: 'push' | 'sync'): Entry {
    return {
      conv: m.conv,
      seq: m.seq,
      from: m.from,
      bench: typeof m.text === 'string' ? decodeText(m.text) : undefined,
      via,
      group: this.groupByConv.get(m.conv) ?? -1,
    };
  }

  /** The stream delivered an entry to the app, once and in order. */
  private deliver(u: MixUser, e: Entry): void {
    u.cursor.set(e.conv, e.seq);
    if (e.from === u.me) return;
    u.receipts?.delivered(e as unknown as Message, u.me);
    // People answer who wrote to them (group replies are part of the group share).
    if (e.group < 0) {
      u.lastIncoming = e.conv;
      u.addContact(e.from);
    }
    const k = this.knobs;
    if (this.active && k.readShare > 0 && !u.readScheduled.has(e.conv) && Math.random() < k.readShare) this.scheduleRead(u, e.conv);
    const b = e.bench;
    // An earlier trial's message (met again by sync) is not one of this trial's.
    if (!b || b.sentNs < this.startNs) return;
    const via = e.via === 'sync' ? 'sync' : 'push';
    if (e.group >= 0) {
      u.groupGot.set(e.group, (u.groupGot.get(e.group) ?? 0) + 1);
      this.tracker.mixDelivered(b.sentNs, via, undefined);
    } else this.tracker.mixDelivered(b.sentNs, via, { worker: b.worker, n: b.n });
  }

  /** The person reads the conversation after a human delay: `conv.read` up to what reached the app then. */
  private scheduleRead(u: MixUser, conv: string): void {
    u.readScheduled.add(conv);
    const delay = Math.min(READ_CAP_MS, logNormalDraw(this.knobs.readDelayS * 1000, READ_SIGMA, Math.random(), Math.random()));
    this.agenda.at(performance.now() + delay, () => {
      u.readScheduled.delete(conv);
      const seq = u.cursor.get(conv) ?? 0;
      if (!this.active || !u.ready || seq <= 0) return;
      // As the SDK's markRead: a read covers delivery.
      u.receipts?.read(conv, seq);
      this.request(u, 'readReceipt', `{"conv":"${conv}","seq":${seq}}`);
    });
  }

  /** Pulls everything after the stream's cursors, page by page (one sync at a time per user). */
  private sync(u: MixUser): void {
    if (!u.ready) return;
    if (u.syncing) {
      u.syncAgain = true;
      return;
    }
    u.syncing = true;
    u.syncAgain = false;
    this.syncingCount++;
    const done = () => {
      if (!u.syncing) return;
      u.syncing = false;
      this.syncingCount--;
    };
    const page = (): void =>
      this.request(
        u,
        'sync',
        JSON.stringify({ cursors: u.stream.snapshot(), limit: SYNC_LIMIT }),
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

  // ---- connections ----

  private onReady(c: BenchClient): void {
    const u = this.users[c.local];
    if (!u) return;
    const again = u.everReady;
    u.everReady = true;
    u.pushSeq.clear();
    if (again) {
      // As the SDK after authenticating: the outbox again (same clientIds), then sync; the app shows its list.
      for (const frame of u.outbox.values()) c.send(frame);
      this.request(u, 'list', `{"limit":${LIST_LIMIT}}`);
    }
    this.sync(u);
  }

  private onClosed(c: BenchClient): void {
    const u = this.users[c.local];
    if (!u) return;
    // Requests in flight on the closed connection get no answer (sends stay in the outbox).
    for (const [id, p] of this.ops) {
      if (p.u !== u) continue;
      this.ops.delete(id);
      u.inflight--;
      this.stats[p.op].lost++;
      p.onFail?.();
    }
    if (!c.closing) this.reconnect(u, 0);
  }

  /** A person goes offline: someone online with nothing in flight; back after a human delay. */
  private goAway(): void {
    const k = this.knobs;
    for (let i = 0; i < PICK_TRIES; i++) {
      const u = this.users[Math.floor(Math.random() * this.users.length)];
      if (!u || !u.ready || u.away || u.inflight > 0 || u.outbox.size > 0 || u.typedPending > 0 || u.syncing) continue;
      u.away = true;
      this.awayCycles++;
      u.closed = u.client.close();
      const back = Math.min(AWAY_CAP_MS, logNormalDraw(k.awayS * 1000, AWAY_SIGMA, Math.random(), Math.random()));
      this.agenda.at(performance.now() + back, () => void u.closed.then(() => this.comeBack(u)));
      return;
    }
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
      void this.pool.reopen(u.client, this.timeoutMs()).then((ok) => {
        if (ok) {
          u.reconnecting = false;
          if (attempt >= 0) this.reconnects++;
        } else this.reconnect(u, Math.max(0, attempt) + 1);
      });
    if (attempt < 0) return go();
    const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** Math.min(attempt, 16)) * (0.5 + Math.random() / 2);
    this.agenda.at(performance.now() + delay, go);
  }
}
