import type { BenchClient, Frame } from './bench-client.js';
import type { Ranges } from './ipc.js';
import { encodeText, nowNs } from './message-text.js';
import type { ClientPool } from './pool.js';
import type { Tracker } from './tracker.js';

/** Pacing of the load loops: how often they run, and the most sends one turn makes. */
const SEND_TICK_MS = 5;
const MAX_SENDS_PER_TICK = 5000;
const SIDE_TICK_MS = 100;
/** A sender whose socket has this much unsent data is skipped rather than queued behind. */
const MAX_SOCKET_BACKLOG = 1 << 20;

/** What a worker's plain load runs on (see worker.ts). */
export interface LoadSetup {
  pool: ClientPool;
  tracker: Tracker;
  worker: number;
  /** User ids of the whole main pool in global order (see InitArgs.recipients). */
  recipients: number[];
  textBytes: number;
  maxInflight: number;
  /** Conversation partners per user (see BenchOptions.peers). */
  peers: number;
  /** A group run: every sender writes to its own group (`BenchClient.conv`). */
  groups: boolean;
}

/**
 * The traffic a worker generates, open loop (sends follow the clock, not the acks, so a slow server
 * shows as latency rather than as a lower offered rate): 1:1 messages from random local senders to
 * recipients of the whole pool (fixed partners with `peers` > 0, else any online user), or with
 * `groups`, messages from random local members to their group; reads, and reconnections.
 */
export class Load {
  private ranges: Ranges;
  private eligible: number;
  private nextN = 0;
  private nextRead = 0;
  private readonly readsPending = new Map<number, number>();
  private indexOf: Map<number, number> | undefined;
  private readonly pool: ClientPool;
  private readonly tracker: Tracker;
  private readonly worker: number;
  private readonly recipients: number[];
  private readonly textBytes: number;
  private readonly maxInflight: number;
  private readonly peers: number;
  private readonly groups: boolean;

  constructor(s: LoadSetup) {
    this.pool = s.pool;
    this.tracker = s.tracker;
    this.worker = s.worker;
    this.recipients = s.recipients;
    this.textBytes = s.textBytes;
    this.maxInflight = s.maxInflight;
    this.peers = s.peers;
    this.groups = s.groups;
    this.ranges = [[0, s.recipients.length]];
    this.eligible = s.recipients.length;
    s.pool.onResponse = (c, f) => this.onResponse(c, f);
  }

  /** Restricts recipients to these global index ranges (null: everyone). */
  setRecipients(ranges: Ranges | null): void {
    this.ranges = ranges ?? [[0, this.recipients.length]];
    this.eligible = this.ranges.reduce((n, [a, b]) => n + Math.max(0, b - a), 0);
  }

  /** Sends `rate` messages per second for `durationMs`; resolves with how many were due. */
  send(rate: number, durationMs: number): Promise<{ offered: number }> {
    const total = Math.round((rate * durationMs) / 1000);
    let scheduled = 0;
    // Who is online now receives every message of its group from here on.
    if (this.groups) this.pool.startReceiving();
    const t0 = performance.now();
    return new Promise((resolve) => {
      if (total === 0) return resolve({ offered: 0 });
      const timer = setInterval(() => {
        const elapsed = performance.now() - t0;
        const due = Math.min(total, Math.floor((rate * elapsed) / 1000));
        for (let i = 0; scheduled < due && i < MAX_SENDS_PER_TICK; i++, scheduled++) this.sendOne();
        // Bounded: past its end (plus a little for a busy loop) the phase stops; what is left was never sent.
        if (scheduled >= total || elapsed > durationMs + 2000) {
          clearInterval(timer);
          this.tracker.counters.skipped += total - scheduled;
          resolve({ offered: total });
        }
      }, SEND_TICK_MS);
    });
  }

  /** Reconnects `perSecond` churn clients per second, one after the other, for `durationMs`. */
  async churn(perSecond: number, durationMs: number, timeoutMs: number): Promise<void> {
    const list = this.pool.churn;
    if (list.length === 0 || perSecond <= 0) return;
    const cycles: Promise<void>[] = [];
    let k = 0;
    await this.paced(perSecond, durationMs, () => {
      const c = list[k++ % list.length]!;
      if (c.state === 'ready') cycles.push(this.pool.cycle(c, timeoutMs));
    });
    await Promise.race([Promise.all(cycles), new Promise((r) => setTimeout(r, timeoutMs + 5000))]);
  }

  /** Sends `perSecond` conv.list requests per second from random ready users, for `durationMs`. */
  reads(perSecond: number, durationMs: number): Promise<void> {
    return this.paced(perSecond, durationMs, () => {
      const ready = this.pool.ready;
      if (ready.length === 0) return;
      const c = ready[(Math.random() * ready.length) | 0]!;
      const k = this.nextRead++;
      this.readsPending.set(k, nowNs());
      c.send(`{"id":${-3 - k},"op":"conv.list","data":{"limit":20}}`);
    });
  }

  private paced(perSecond: number, durationMs: number, act: () => void): Promise<void> {
    const total = Math.round((perSecond * durationMs) / 1000);
    let done = 0;
    const t0 = performance.now();
    return new Promise((resolve) => {
      const timer = setInterval(() => {
        const elapsed = performance.now() - t0;
        const due = Math.min(total, Math.floor((perSecond * elapsed) / 1000));
        for (; done < due; done++) act();
        if (done >= total || elapsed > durationMs + 2000) {
          clearInterval(timer);
          resolve();
        }
      }, SIDE_TICK_MS);
    });
  }

  private sendOne(): void {
    const t = this.tracker;
    const ready = this.pool.ready;
    if (ready.length === 0 || (!this.groups && this.eligible < 2) || t.pending.size >= this.maxInflight) {
      t.counters.skipped++;
      return;
    }
    const from = ready[(Math.random() * ready.length) | 0]!;
    // Where to: the sender's group, or a user (`"to"` is a JSON number, `"conv"` a string).
    let to: string | undefined;
    if (this.groups) to = from.conv && `"conv":"${from.conv}"`;
    else {
      let user = this.peers > 0 ? this.partner(from.userId) : this.randomRecipient();
      if (user === from.userId && this.peers === 0) user = this.randomRecipient();
      if (user !== from.userId) to = `"to":${user}`;
    }
    if (!to || from.bufferedAmount > MAX_SOCKET_BACKLOG) {
      t.counters.skipped++;
      return;
    }
    const n = this.nextN++;
    const at = nowNs();
    const text = encodeText(this.worker, n, at, this.textBytes);
    t.sent(n, at);
    from.send(`{"id":${n + 1},"op":"msg.send","data":{${to},"clientId":"b${this.worker}.${n}","text":"${text}"}}`);
  }

  /** A fixed partner of `userId`: its pair (peers 1), or one of its `peers` neighbours either side. */
  private partner(userId: number): number {
    this.indexOf ??= new Map(this.recipients.map((id, i) => [id, i]));
    const n = this.recipients.length;
    const g = this.indexOf.get(userId) ?? 0;
    let p: number;
    if (this.peers === 1) p = (g ^ 1) < n ? g ^ 1 : g - 1;
    else {
      const d = 1 + ((Math.random() * this.peers) | 0);
      p = (((Math.random() < 0.5 ? g - d : g + d) % n) + n) % n;
    }
    return this.recipients[Math.max(0, p)]!;
  }

  private randomRecipient(): number {
    let r = (Math.random() * this.eligible) | 0;
    for (const [a, b] of this.ranges) {
      if (r < b - a) return this.recipients[a + r]!;
      r -= b - a;
    }
    return this.recipients[0]!;
  }

  private onResponse(c: BenchClient, f: Frame): void {
    const id = f.id;
    if (typeof id !== 'number') return this.tracker.error(`response:${f.error?.code ?? 'no_id'}`);
    if (id > 0) {
      const d = f.data as { duplicate?: boolean } | undefined;
      // A member's own messages are left out of what it must receive.
      if (this.tracker.onAck(id - 1, f.ok === true, d?.duplicate === true, f.error?.code)) c.own++;
      return;
    }
    const k = -3 - id;
    const t0 = this.readsPending.get(k);
    if (t0 === undefined) return this.tracker.error('unexpected_response');
    this.readsPending.delete(k);
    this.tracker.counters.reads++;
    if (f.ok) this.tracker.latency('read', nowNs() - t0);
    else {
      this.tracker.counters.readErrors++;
      this.tracker.error(`read:${f.error?.code ?? 'unknown'}`);
    }
  }
}
