import type { Metrics } from '../metrics.js';
import type { AppendResult, CursorMove, CursorResult, NewMessage, Store, WriteOp, WriteOutcome } from '../store/store.js';

interface Pending {
  op: WriteOp;
  origin: string | undefined;
  /** When it was submitted (performance.now()). */
  at: number;
  /** Called with the op's result (an AppendResult or a CursorResult). */
  resolve: (value: never) => void;
  reject: (e: unknown) => void;
}

export interface WriteBatcherOptions {
  /** Most writes one transaction carries: bounds the work of one event-loop turn. */
  maxBatch: number;
  /**
   * Most milliseconds the first write of a batch waits for others to join it. The wait adapts below
   * this bound: a few times what a commit has recently cost, so cheap commits go out at once and
   * expensive ones (a slow disk's fsync) are shared by more writes. 0: never wait.
   */
  maxDelayMs: number;
  /** Backpressure: once the oldest queued write has waited longer than this, the queue is `behind`. */
  pauseAfterMs: number;
}

/**
 * How far behind the write queue is, for the gateway: while it is `behind`, connections that send are
 * not read from (their frames wait in the kernel, their clients' sends in TCP's window), so a server
 * offered more than it can store spends its time storing, not reading what it cannot store yet.
 */
export interface WritePressure {
  /** True while the oldest queued write has waited longer than the pause bound. */
  readonly behind: boolean;
  /** `f` runs once the queue has caught up after `behind` was seen true. */
  onCaughtUp(f: () => void): void;
}

/** How many times the recent commit cost a batch may wait to gather (see `maxDelayMs`). */
const GATHER_FACTOR = 2;
/**
 * Most milliseconds of batches one event-loop turn runs before it lets the loop read sockets and answer
 * (one batch may take longer: the bound is checked between batches).
 */
const TURN_BUDGET_MS = 20;
/** Weight of the newest commit in the moving average of the commit cost. */
const COST_WEIGHT = 0.1;

/**
 * Group commit: every durable write of a request (a message, an action, a read or delivery cursor) is
 * queued here and stored with the others queued meanwhile in one transaction (`Store.commit`); then
 * every submitter is answered in submission order. One batch is in flight at a time, so batches
 * commit in order and the per-conversation order of acks and pushes follows submission order.
 *
 * The first write of an idle queue waits up to a few recent commits' cost for others to join it (see
 * `maxDelayMs`). The event loop never stalls on the queue: a batch holds at most `maxBatch` writes, a
 * turn runs batches for at most TURN_BUDGET_MS, and the rest waits for the next turn, after the loop
 * has read sockets (within the gateway's own budget), answered pings and health checks and flushed
 * pushes. A write that fails fails alone (the store isolates it); a commit that fails as a whole fails
 * every write of its batch.
 */
export class WriteBatcher implements WritePressure {
  private queue: Pending[] = [];
  /** A batch is being committed. */
  private running = false;
  /** When the current turn's writing began (performance.now()). */
  private turnStart = 0;
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  /** Moving average of a commit's wall time, ms. */
  private commitMs = 0;
  private idleWaiters: (() => void)[] = [];
  /** `behind` was seen true and the queue has not caught up since. */
  private wasBehind = false;
  private caughtUp: (() => void)[] = [];

  constructor(
    private readonly store: Store,
    private readonly opts: WriteBatcherOptions,
    private readonly metrics: Metrics,
    /** Called once per stored message, in commit order, before its submitter is answered. */
    private readonly afterCommit: (msg: NewMessage, result: AppendResult, origin: string | undefined) => void,
  ) {
    metrics.writeQueueDepth.read = () => this.queue.length;
    metrics.commitDelay.read = () => this.delayMs() / 1000;
  }

  /** Resolves once `msg` is durable (or was already stored: `duplicate`). */
  submit(msg: NewMessage, origin?: string): Promise<AppendResult> {
    return this.enqueue<AppendResult>({ type: 'append', msg }, origin);
  }

  /** Moves a member's cursor through the group commit; resolves with the cursor after, once durable. */
  move(m: CursorMove): Promise<CursorResult> {
    return this.enqueue<CursorResult>({ type: 'cursor', move: m }, undefined);
  }

  get behind(): boolean {
    const oldest = this.queue[0];
    if (oldest === undefined || performance.now() - oldest.at <= this.opts.pauseAfterMs) return false;
    this.wasBehind = true;
    return true;
  }

  onCaughtUp(f: () => void): void {
    this.caughtUp.push(f);
  }

  /** After a batch: tells the listeners once the queue is no longer behind. */
  private checkCaughtUp(): void {
    if (!this.wasBehind) return;
    const oldest = this.queue[0];
    if (oldest !== undefined && performance.now() - oldest.at > this.opts.pauseAfterMs / 2) return;
    this.wasBehind = false;
    for (const f of this.caughtUp) f();
  }

  /** Writes everything submitted so far; resolves when it is stored. */
  flush(): Promise<void> {
    if (!this.running && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.idleWaiters.push(resolve);
      if (!this.running) this.startNow();
    });
  }

  private enqueue<T>(op: WriteOp, origin: string | undefined): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ op, origin, at: performance.now(), resolve: resolve as (value: never) => void, reject });
      if (!this.running) this.schedule();
    });
  }

  /** How long a batch may wait for more writes now: a few recent commits' cost, within the bound. */
  private delayMs(): number {
    return Math.min(this.opts.maxDelayMs, GATHER_FACTOR * this.commitMs);
  }

  /** Plans the next batch: at once when it is full or its first write has waited long enough. */
  private schedule(): void {
    if (this.timer || this.immediate || this.queue.length === 0) return;
    const waited = performance.now() - this.queue[0]!.at;
    const left = this.delayMs() - waited;
    if (this.queue.length >= this.opts.maxBatch || left < 1) {
      this.immediate = setImmediate(this.startNow);
      return;
    }
    this.timer = setTimeout(this.startNow, left);
  }

  private readonly startNow = (): void => {
    clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
    if (this.running) return;
    if (this.queue.length === 0) return this.idle();
    this.turnStart = performance.now();
    this.next();
  };

  /**
   * Commits one batch, then the next one in the same turn while this turn's writing has taken less than
   * TURN_BUDGET_MS (a backlog drains at full speed), else a turn later: sockets are read, pings and
   * health checks answered meanwhile.
   */
  private next(): void {
    this.running = true;
    void this.runBatch().finally(() => {
      this.running = false;
      this.checkCaughtUp();
      if (this.queue.length === 0) return this.idle();
      if (performance.now() - this.turnStart < TURN_BUDGET_MS) return this.next();
      if (this.idleWaiters.length > 0) this.immediate = setImmediate(this.startNow);
      else this.schedule();
    });
  }

  private idle(): void {
    for (const w of this.idleWaiters.splice(0)) w();
  }

  private async runBatch(): Promise<void> {
    const batch = this.queue.length <= this.opts.maxBatch ? this.queue : this.queue.slice(0, this.opts.maxBatch);
    this.queue = batch === this.queue ? [] : this.queue.slice(batch.length);
    const t0 = performance.now();
    this.metrics.writeWait.observe((t0 - batch[0]!.at) / 1000);
    let outcomes: WriteOutcome[];
    try {
      outcomes = await this.store.commit(batch.map((p) => p.op));
    } catch (e) {
      for (const p of batch) p.reject(e);
      return;
    }
    const ms = performance.now() - t0;
    this.commitMs = this.commitMs === 0 ? ms : this.commitMs + COST_WEIGHT * (ms - this.commitMs);
    this.metrics.storeLatency.observe(ms / 1000);
    this.metrics.batchSize.observe(batch.length);
    for (let i = 0; i < batch.length; i++) {
      const p = batch[i]!;
      const o = outcomes[i]!;
      if (o.type === 'failed') {
        this.metrics.writeFailures.inc();
        p.reject(o.error);
        continue;
      }
      if (o.type === 'append' && !o.result.duplicate && p.op.type === 'append') this.afterCommit(p.op.msg, o.result, p.origin);
      p.resolve(o.result as never);
    }
  }
}
