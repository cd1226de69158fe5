import type { Frame } from './bench-client.js';
import { MIX_OP_HIST, MIX_OPS, type MixFinal, type MixOp } from './ipc.js';
import { nowNs } from './message-text.js';
import type { MixUser } from './mix-user.js';
import type { Tracker } from './tracker.js';

/** Page sizes: a chat opened (`msg.history`), the conversation list, a sync page. */
const HISTORY_LIMIT = 50;
const LIST_LIMIT = 20;
const SYNC_LIMIT = 500;

/** The wire op of each request of the mix. */
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

/**
 * The client mix's requests besides `msg.send` (receipts, reads, typing, history, list, sync): each
 * goes out with its own negative id (sends use positive ones), is answered once, and is counted per
 * kind (sent, error, lost with its connection) with its latency on the kind's histogram.
 */
export class MixRequests {
  /** Per kind: sent, answered with an error, lost with a connection. */
  readonly stats = Object.fromEntries(MIX_OPS.map((o) => [o, { count: 0, errors: 0, lost: 0 }])) as MixFinal['ops'];
  private readonly pending = new Map<number, PendingOp>();
  private nextId = 3;

  constructor(private readonly tracker: Tracker) {}

  /** `msg.history`: the newest page of `conv` (a chat opened). */
  history(u: MixUser, conv: string): void {
    this.send(u, 'history', `{"conv":"${conv}","limit":${HISTORY_LIMIT}}`);
  }

  /** `conv.list`: the first page of the app's conversation list. */
  list(u: MixUser): void {
    this.send(u, 'list', `{"limit":${LIST_LIMIT}}`);
  }

  /** `typing`: the indicator in `conv`. */
  typing(u: MixUser, conv: string): void {
    this.send(u, 'typing', `{"conv":"${conv}","typing":true}`);
  }

  /** `conv.read` up to `seq`. */
  read(u: MixUser, conv: string, seq: number): void {
    this.send(u, 'readReceipt', `{"conv":"${conv}","seq":${seq}}`);
  }

  /** The DeliveryReporter's report: `conv.delivered`; settles with its answer. */
  receipt(u: MixUser, d: { conv: string; seq: number }): Promise<unknown> {
    return new Promise((resolve, reject) =>
      this.send(u, 'receipt', `{"conv":"${d.conv}","seq":${d.seq}}`, resolve, () => reject(new Error('receipt failed'))),
    );
  }

  /** `sync`: one page of everything after the stream's cursors. */
  syncPage(u: MixUser, onOk: (data: unknown) => void, onFail: () => void): void {
    this.send(u, 'sync', JSON.stringify({ cursors: u.stream.snapshot(), limit: SYNC_LIMIT }), onOk, onFail);
  }

  /** Sends a request; `onOk` gets the result, `onFail` runs on an error or a lost connection. */
  private send(u: MixUser, op: MixOp, data: string, onOk?: (data: unknown) => void, onFail?: () => void): void {
    const id = -this.nextId++;
    this.stats[op].count++;
    if (!u.client.send(`{"id":${id},"op":"${OP_NAMES[op]}","data":${data}}`)) {
      this.stats[op].lost++;
      onFail?.();
      return;
    }
    u.inflight++;
    this.pending.set(id, { op, t0: nowNs(), u, onOk, onFail });
  }

  /** The answer to a request of this table (id < 0). */
  onResponse(id: number, f: Frame): void {
    const p = this.pending.get(id);
    if (!p) return this.tracker.error('unexpected_response');
    this.pending.delete(id);
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

  /** `u`'s connection closed: its requests in flight get no answer; each fails and counts as lost. */
  dropAll(u: MixUser): void {
    for (const [id, p] of this.pending) {
      if (p.u !== u) continue;
      this.pending.delete(id);
      u.inflight--;
      this.stats[p.op].lost++;
      p.onFail?.();
    }
  }
}
