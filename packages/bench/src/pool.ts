import { BenchClient, type ClientOwner, type Frame } from './bench-client.js';
import type { ClientSpec, ConnectLabel, FanoutFinal, Pool as PoolName, WorkerStatus } from './ipc.js';
import type { ScannedPush } from './push-scan.js';
import type { Tracker } from './tracker.js';

/**
 * What the client mix (mix-load.ts) takes over from the pool's default handling: pushes go to each
 * user's stream instead of the tracker's per-sender check, and it hears when a connection is ready or
 * dropped (it then syncs, resends and reconnects as the SDK does).
 */
export interface PoolHooks {
  push(c: BenchClient, p: ScannedPush): void;
  foreign(c: BenchClient, data: Record<string, unknown> | undefined): void;
  event(c: BenchClient, name: string): void;
  /** A connection authenticated (first connect or reconnect). */
  ready(c: BenchClient): void;
  /** An authenticated connection closed, on purpose (`closing`) or not. */
  closed(c: BenchClient): void;
}

/** How often the connect loop starts new attempts, and the most it starts at a time. */
const CONNECT_TICK_MS = 10;
const MAX_STARTS_PER_TICK = 1000;

/**
 * A worker's connections: its main users (senders, recipients, readers) and its churn users
 * (reconnected over and over in soak). Opens them in paced phases and keeps the list of the ones
 * that are ready, so a sender is picked in constant time.
 */
export class ClientPool implements ClientOwner {
  readonly clients: BenchClient[];
  readonly main: BenchClient[];
  readonly churn: BenchClient[];
  /** Main clients that are authenticated now. */
  readonly ready: BenchClient[] = [];
  connected = 0;
  /** Handles responses that are not part of the handshake (set by the load). */
  onResponse: (c: BenchClient, f: Frame) => void = () => undefined;
  /** Set by the client mix. */
  hooks: PoolHooks | undefined;
  private readonly waiters = new Map<BenchClient, (ok: boolean) => void>();
  /** group: receivers were chosen (`startReceiving`). */
  private receiving = false;

  constructor(
    readonly url: string,
    specs: ClientSpec[],
    mainCount: number,
    private readonly tracker: Tracker,
  ) {
    this.clients = specs.map(
      (s, i) =>
        new BenchClient(i, s.id, s.token, s.address, this, s.group !== undefined && s.conv ? { index: s.group, conv: s.conv } : undefined),
    );
    this.main = this.clients.slice(0, mainCount);
    this.churn = this.clients.slice(mainCount);
  }

  pick(pool: PoolName): BenchClient[] {
    return pool === 'main' ? this.main : pool === 'churn' ? this.churn : this.clients;
  }

  /** How many main clients, from the first, are all ready. */
  readyPrefix(): number {
    let i = 0;
    while (i < this.main.length && this.main[i]!.state === 'ready') i++;
    return i;
  }

  /**
   * Connects every client of `pool` that is not connected: at most `concurrency` attempts at once and
   * `ramp` new ones per second (0: no pacing). Resolves when all have settled or time is up.
   */
  connectPhase(
    pool: PoolName,
    ramp: number,
    concurrency: number,
    timeoutMs: number,
    label: ConnectLabel,
  ): Promise<{ ok: number; failed: number }> {
    const list = this.pick(pool).filter((c) => c.state !== 'ready');
    let next = 0;
    let inflight = 0;
    let ok = 0;
    let failed = 0;
    const t0 = Date.now();
    const deadline = t0 + (ramp > 0 ? (list.length / ramp) * 1000 : 0) + timeoutMs + 5000;
    return new Promise((resolve) => {
      if (list.length === 0) return resolve({ ok, failed });
      const done = (success: boolean) => {
        inflight--;
        if (success) ok++;
        else failed++;
      };
      const timer = setInterval(() => {
        const now = Date.now();
        const allowed = ramp > 0 ? Math.min(list.length, Math.floor((ramp * (now - t0)) / 1000) + 1) : list.length;
        for (let started = 0; next < allowed && inflight < concurrency && started < MAX_STARTS_PER_TICK; started++) {
          const c = list[next++]!;
          inflight++;
          this.waiters.set(c, done);
          c.open(this.url, label, timeoutMs);
        }
        if (ok + failed === list.length || now > deadline) {
          clearInterval(timer);
          for (const c of list) c.abandon('connect_timeout');
          for (let i = next; i < list.length; i++) {
            failed++;
            this.tracker.error('connect_not_started');
          }
          resolve({ ok, failed });
        }
      }, CONNECT_TICK_MS);
    });
  }

  /** Closes every connection of `pool` on purpose and waits (bounded) until they are closed. */
  async disconnect(pool: PoolName): Promise<void> {
    await Promise.all(this.pick(pool).map((c) => (c.state === 'idle' ? undefined : c.close())));
  }

  /** Opens a closed client again with its saved token; resolves with whether it authenticated. */
  reopen(c: BenchClient, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      this.waiters.set(c, resolve);
      c.open(this.url, 'reconnect', timeoutMs);
    });
  }

  /** Closes one ready client and opens it again: a reconnection with its saved token. */
  async cycle(c: BenchClient, timeoutMs: number): Promise<void> {
    if (c.state !== 'ready') return;
    await c.close();
    await new Promise<void>((resolve) => {
      this.waiters.set(c, () => resolve());
      c.open(this.url, 'reconnect', timeoutMs);
    });
  }

  settled(c: BenchClient, code: string | undefined, connectNs: number, loginNs: number): void {
    const t = this.tracker;
    if (code === undefined) {
      t.counters.connectsOk++;
      t.latency(c.label, connectNs);
      t.latency(c.label === 'connect' ? 'login' : 'relogin', loginNs);
      this.connected++;
      if (c.local < this.main.length) {
        c.readyIndex = this.ready.length;
        this.ready.push(c);
      }
    } else {
      t.counters.connectsFailed++;
      t.error(code);
    }
    const w = this.waiters.get(c);
    this.waiters.delete(c);
    // A ready client that closes later leaves the lists in `closedReady`.
    if (code === undefined) c.onceClosed(() => this.closedReady(c));
    if (code === undefined) this.hooks?.ready(c);
    w?.(code === undefined);
  }

  lost(c: BenchClient, closeCode: number): void {
    this.tracker.error(`closed:${closeCode}`);
  }

  response(c: BenchClient, f: Frame): void {
    this.onResponse(c, f);
  }

  benchPush(c: BenchClient, p: ScannedPush, slow?: boolean): void {
    if (slow) this.tracker.counters.slowPushes++;
    if (this.hooks) this.hooks.push(c, p);
    else this.tracker.onBenchPush(c, p);
  }

  foreignPush(c: BenchClient, data?: Record<string, unknown>): void {
    if (this.hooks) this.hooks.foreign(c, data);
    else this.tracker.onForeignPush();
  }

  event(c: BenchClient, name: string): void {
    this.hooks?.event(c, name);
  }

  /**
   * group: from now on the main clients that are online are receivers: each must get every message of
   * its group (its own aside) until the end. Once only; a receiver that closes is left out and counted.
   */
  startReceiving(): void {
    if (this.receiving) return;
    this.receiving = true;
    for (const c of this.main) c.receiver = c.state === 'ready';
  }

  /** group: the figures the expected deliveries so far are computed from (`groups` groups). */
  fanoutStatus(groups: number): NonNullable<WorkerStatus['fanout']> {
    const acked = new Array<number>(groups).fill(0);
    const receivers = new Array<number>(groups).fill(0);
    let ownOfReceivers = 0;
    for (const c of this.main) {
      if (c.group < 0) continue;
      acked[c.group]! += c.own;
      if (c.receiver && !c.lostWhileReceiving) {
        receivers[c.group]!++;
        ownOfReceivers += c.own;
      }
    }
    return { acked, receivers, ownOfReceivers };
  }

  /** group: every main client's figures, in order. */
  fanoutFinal(): FanoutFinal {
    const n = this.main.length;
    const f: FanoutFinal = { group: new Int32Array(n), own: new Int32Array(n), got: new Int32Array(n), receiver: new Uint8Array(n) };
    this.main.forEach((c, i) => {
      f.group[i] = c.group;
      f.own[i] = c.own;
      f.got[i] = c.got;
      f.receiver[i] = c.receiver && !c.lostWhileReceiving ? 1 : 0;
    });
    return f;
  }

  private closedReady(c: BenchClient): void {
    this.connected--;
    this.hooks?.closed(c);
    if (c.receiver && !c.lostWhileReceiving && !c.closing) {
      c.lostWhileReceiving = true;
      this.tracker.counters.receiversLost++;
    }
    const i = c.readyIndex;
    if (i < 0) return;
    const last = this.ready.pop()!;
    if (last !== c) {
      this.ready[i] = last;
      last.readyIndex = i;
    }
    c.readyIndex = -1;
  }
}
