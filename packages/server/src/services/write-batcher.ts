import type { Metrics } from '../metrics.js';
import type { AppendResult, NewMessage, Store } from '../store/store.js';

interface Pending {
  msg: NewMessage;
  origin: string | undefined;
  resolve: (r: AppendResult) => void;
  reject: (e: unknown) => void;
}

/**
 * Group commit: messages submitted while the event loop is busy are stored together in one
 * transaction, then every submitter is answered in submission order. One batch is in flight at a time,
 * so batches commit in order and the per-conversation order of acks and pushes follows submission order.
 */
export class WriteBatcher {
  private queue: Pending[] = [];
  private running: Promise<void> | null = null;
  private scheduled = false;

  constructor(
    private readonly store: Store,
    private readonly maxBatch: number,
    private readonly metrics: Metrics,
    /** Called once per stored message, in commit order, before its submitter is answered. */
    private readonly afterCommit: (msg: NewMessage, result: AppendResult, origin: string | undefined) => void,
  ) {}

  /** Resolves once `msg` is durable (or was already stored: `duplicate`). */
  submit(msg: NewMessage, origin?: string): Promise<AppendResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ msg, origin, resolve, reject });
      if (!this.scheduled && !this.running) {
        this.scheduled = true;
        setImmediate(() => void this.drain());
      }
    });
  }

  /** Writes everything submitted so far; resolves when it is stored. */
  async flush(): Promise<void> {
    while (this.running || this.queue.length > 0) await (this.running ?? this.drain());
  }

  private drain(): Promise<void> {
    this.scheduled = false;
    if (this.running) return this.running;
    this.running = (async () => {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        const t0 = performance.now();
        try {
          const results = await this.store.appendMessages(batch.map((p) => p.msg));
          this.metrics.storeLatency.observe((performance.now() - t0) / 1000);
          this.metrics.batchSize.observe(batch.length);
          for (let i = 0; i < batch.length; i++) {
            const p = batch[i]!;
            const r = results[i]!;
            if (!r.duplicate) this.afterCommit(p.msg, r, p.origin);
            p.resolve(r);
          }
        } catch (e) {
          for (const p of batch) p.reject(e);
        }
      }
    })().finally(() => {
      this.running = null;
    });
    return this.running;
  }
}
