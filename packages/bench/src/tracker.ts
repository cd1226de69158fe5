import type { Message } from '@warbler/protocol';
import { Bitmap } from './bitmap.js';
import { Histogram } from './histogram.js';
import { HIST_NAMES, newCounters, type Counters, type HistName, type Tick, type WorkerFinal } from './ipc.js';
import { decodeText, nowNs } from './message-text.js';

/** What a push carries that the tracker reads. */
export type PushedMessage = Pick<Message, 'from' | 'seq' | 'text'>;

/**
 * A worker's measurements: counters, errors by code, latency histograms, and which messages were
 * acknowledged (by number) and received (by sending worker and number), so the coordinator can find
 * every acknowledged message that never arrived, and every message that arrived twice.
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

  constructor(readonly worker: number) {}

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

  /** The response to send number n. */
  onAck(n: number, ok: boolean, duplicate: boolean, code: string | undefined): void {
    const t0 = this.pending.get(n);
    if (t0 === undefined) return this.error('unexpected_response');
    this.pending.delete(n);
    if (!ok) {
      this.counters.sendErrors++;
      return this.error(`send:${code ?? 'unknown'}`);
    }
    const now = nowNs();
    this.times.lastAckNs = now;
    this.latency('ack', now - t0);
    if (duplicate) this.counters.duplicateAcks++;
    if (this.acked.add(n)) this.counters.acked++;
  }

  /** A pushed message; `lastSeq` holds the receiving client's highest seq per sender. */
  onPush(m: PushedMessage, lastSeq: Map<number, number>): void {
    const d = decodeText(m.text ?? '');
    if (!d) {
      this.counters.foreign++;
      return;
    }
    let bits = this.received.get(d.worker);
    if (!bits) this.received.set(d.worker, (bits = new Bitmap()));
    if (!bits.add(d.n)) {
      this.counters.duplicates++;
      return;
    }
    const prev = lastSeq.get(m.from) ?? 0;
    if (m.seq <= prev) this.counters.outOfOrder++;
    else lastSeq.set(m.from, m.seq);
    this.counters.delivered++;
    const now = nowNs();
    this.times.lastDeliveryNs = now;
    const us = (now - d.sentNs) / 1000;
    this.hists.delivery.record(us);
    this.interval.record(us);
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

  final(): WorkerFinal {
    this.counters.unacked = this.pending.size;
    if (this.pending.size > 0) this.errors.set('ack_timeout', (this.errors.get('ack_timeout') ?? 0) + this.pending.size);
    return {
      counters: { ...this.counters },
      errors: Object.fromEntries(this.errors),
      hists: Object.fromEntries(HIST_NAMES.map((n) => [n, this.hists[n].toSparse()])) as WorkerFinal['hists'],
      acked: this.acked.bytes,
      received: [...this.received].map(([w, b]) => [w, b.bytes]),
      times: { ...this.times },
    };
  }
}
