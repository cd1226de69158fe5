import type { BenchClient } from './bench-client.js';
import { Bitmap } from './bitmap.js';
import { Histogram } from './histogram.js';
import {
  HIST_NAMES,
  newCounters,
  type Counters,
  type FanoutFinal,
  type HistName,
  type MixFinal,
  type Tick,
  type WorkerFinal,
} from './ipc.js';
import { nowNs } from './message-text.js';
import type { ScannedPush } from './push-scan.js';

/**
 * A worker's measurements: counters, errors by code, latency histograms, and which messages were
 * acknowledged (by number) and received (by sending worker and number), so the coordinator can find
 * every acknowledged message that never arrived, and every message that arrived twice.
 *
 * In a group run (`fanout`) a message has many recipients, so the bitmaps do not apply: each member
 * checks that its group's pushes come with strictly increasing `seq` (a repeat of the last one is a
 * duplicate, a lower one is out of order) and counts them; the coordinator compares each member's
 * count with the messages acknowledged in its group, its own left out (see `mergeFinals`).
 */
export class Tracker {
  readonly counters: Counters = newCounters();
  readonly errors = new Map<string, number>();
  readonly hists = Object.fromEntries(HIST_NAMES.map((n) => [n, new Histogram()])) as Record<HistName, Histogram>;
  /** Sends waiting for their ack: message number → send time (ns). */
  readonly pending = new Map<number, number>();
  private readonly acked = new Bitmap();
  private readonly received = new Map<number, Bitmap>();
  private interval = new Histogram();
  private last = { connects: 0, attempted: 0, acked: 0, delivered: 0, skipped: 0, errors: 0 };
  private errorTotal = 0;
  private readonly times = { firstSendNs: 0, lastAckNs: 0, lastDeliveryNs: 0 };
  /** While set (the client mix's sending phase), the longest pause between two pushed deliveries is kept. */
  private gapWatch = false;
  private lastPushNs = 0;
  maxPushGapMs = 0;
  deliveredBySync = 0;

  constructor(
    readonly worker: number,
    /** A group run: pushes are checked per member and conversation (see above). */
    readonly fanout = false,
  ) {}

  error(code: string): void {
    this.errors.set(code, (this.errors.get(code) ?? 0) + 1);
    this.errorTotal++;
  }

  latency(name: HistName, ns: number): void {
    this.hists[name].record(ns / 1000);
  }

  sent(n: number, atNs: number): void {
    this.pending.set(n, atNs);
    if (this.counters.attempted++ === 0) this.times.firstSendNs = atNs;
  }

  /** The response to send number n; true when it is the first ack of a stored message. */
  onAck(n: number, ok: boolean, duplicate: boolean, code: string | undefined): boolean {
    const t0 = this.pending.get(n);
    if (t0 === undefined) {
      this.error('unexpected_response');
      return false;
    }
    this.pending.delete(n);
    if (!ok) {
      this.counters.sendErrors++;
      this.error(`send:${code ?? 'unknown'}`);
      return false;
    }
    const now = nowNs();
    this.times.lastAckNs = now;
    this.latency('ack', now - t0);
    if (duplicate) this.counters.duplicateAcks++;
    if (!this.acked.add(n)) return false;
    this.counters.acked++;
    return true;
  }

  /** A push of a bench message to client `c`. */
  onBenchPush(c: BenchClient, p: ScannedPush): void {
    if (this.fanout) return this.onGroupPush(c, p);
    let bits = this.received.get(p.worker);
    if (!bits) this.received.set(p.worker, (bits = new Bitmap()));
    if (!bits.add(p.n)) {
      this.counters.duplicates++;
      return;
    }
    // One conversation per sender: its seqs must rise.
    const prev = c.lastSeq.get(p.from) ?? 0;
    if (p.seq <= prev) this.counters.outOfOrder++;
    else c.lastSeq.set(p.from, p.seq);
    this.delivered(p.sentNs);
  }

  /** A group member's push: its group's seqs must rise; the count is checked at the end. */
  private onGroupPush(c: BenchClient, p: ScannedPush): void {
    if (p.group !== c.groupId) {
      this.counters.foreign++;
      return;
    }
    if (p.from === c.userId) {
      this.counters.selfPushes++;
      return;
    }
    if (p.seq > c.groupSeq) c.groupSeq = p.seq;
    else if (p.seq === c.groupSeq) {
      this.counters.duplicates++;
      return;
    } else this.counters.outOfOrder++;
    c.got++;
    this.delivered(p.sentNs);
  }

  private delivered(sentNs: number): void {
    this.counters.delivered++;
    const now = nowNs();
    this.times.lastDeliveryNs = now;
    const us = (now - sentNs) / 1000;
    this.hists.delivery.record(us);
    this.interval.record(us);
    if (this.gapWatch) {
      if (this.lastPushNs > 0 && (now - this.lastPushNs) / 1e6 > this.maxPushGapMs) this.maxPushGapMs = (now - this.lastPushNs) / 1e6;
      this.lastPushNs = now;
    }
  }

  /** Starts (true) or stops watching the pauses between pushed deliveries (from the first one on). */
  watchPushGaps(on: boolean): void {
    this.gapWatch = on;
    this.lastPushNs = 0;
  }

  /**
   * The client mix: a bench message reached the app (its stream delivered it once, in order), by push
   * or by sync. A one-to-one message (`direct`: its sending worker and number) is also marked received
   * for the cross-worker exactly-once check; false when it was received before (a duplicate).
   */
  mixDelivered(sentNs: number, via: 'push' | 'sync', direct: { worker: number; n: number } | undefined): boolean {
    if (direct) {
      let bits = this.received.get(direct.worker);
      if (!bits) this.received.set(direct.worker, (bits = new Bitmap()));
      if (!bits.add(direct.n)) {
        this.counters.duplicates++;
        return false;
      }
    }
    if (via === 'push') this.delivered(sentNs);
    else {
      this.counters.delivered++;
      this.deliveredBySync++;
      const now = nowNs();
      this.times.lastDeliveryNs = now;
      this.hists.syncDelivery.record((now - sentNs) / 1000);
    }
    return true;
  }

  /** A pushed message that is not a bench message. */
  onForeignPush(): void {
    this.counters.foreign++;
  }

  /** Changes since the last tick; starts a new interval. */
  tick(connected: number): Tick {
    const c = this.counters;
    const now = {
      connects: c.connectsOk,
      attempted: c.attempted,
      acked: c.acked,
      delivered: c.delivered,
      skipped: c.skipped,
      errors: this.errorTotal,
    };
    const t: Tick = {
      worker: this.worker,
      connected,
      connects: now.connects - this.last.connects,
      attempted: now.attempted - this.last.attempted,
      acked: now.acked - this.last.acked,
      delivered: now.delivered - this.last.delivered,
      skipped: now.skipped - this.last.skipped,
      errors: now.errors - this.last.errors,
      delivery: this.interval.toSparse(),
    };
    this.last = now;
    this.interval = new Histogram();
    if (connected > c.peakConnected) c.peakConnected = connected;
    return t;
  }

  /**
   * Everything measured. `extra.acked` replaces the acknowledged bitmap in the exactly-once check (the
   * client mix checks its one-to-one messages there and its group messages per member).
   */
  final(extra: { fanout?: FanoutFinal; acked?: Bitmap; mix?: MixFinal } = {}): WorkerFinal {
    this.counters.unacked = this.pending.size;
    if (this.pending.size > 0) this.errors.set('ack_timeout', (this.errors.get('ack_timeout') ?? 0) + this.pending.size);
    return {
      counters: { ...this.counters },
      errors: Object.fromEntries(this.errors),
      hists: Object.fromEntries(HIST_NAMES.map((n) => [n, this.hists[n].toSparse()])) as WorkerFinal['hists'],
      acked: (extra.acked ?? this.acked).bytes,
      received: [...this.received].map(([w, b]) => [w, b.bytes]),
      times: { ...this.times },
      ...(extra.fanout ? { fanout: extra.fanout } : {}),
      ...(extra.mix ? { mix: extra.mix } : {}),
    };
  }
}
