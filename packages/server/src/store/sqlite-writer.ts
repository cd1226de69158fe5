import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { SqliteClient, type SqliteOptions } from './dialect-sqlite.js';
import { SqlStore } from './store-sql.js';
import type { WriteOp, WriteOutcome } from './store.js';

interface WriterData {
  warblerWriter: true;
  opts: SqliteOptions;
}

type Reply = { id: number; ok: true; value: WriteOutcome[] } | { id: number; ok: false; error: unknown };

/**
 * The group commit on a thread of its own (an experiment, `store.sqliteWriter: 'thread'`): the batch's
 * transaction (statements, COMMIT and its fsync, the checkpoints it triggers) runs on a second
 * connection in a worker thread, so the event loop reads sockets, pushes and answers while a commit is
 * under way. Reads and the other, rare writes stay on the event loop's connection (WAL lets a reader
 * run beside the writer; a rare write waits for the lock).
 */
export class SqliteWriter {
  private readonly worker: Worker;
  private next = 1;
  private readonly pending = new Map<number, { resolve: (v: WriteOutcome[]) => void; reject: (e: unknown) => void }>();
  private readonly exited: Promise<void>;

  constructor(opts: SqliteOptions) {
    const data: WriterData = { warblerWriter: true, opts };
    this.worker = new Worker(new URL(import.meta.url), { workerData: data });
    this.worker.on('message', (r: Reply) => {
      const p = this.pending.get(r.id);
      if (!p) return;
      this.pending.delete(r.id);
      if (r.ok) p.resolve(r.value);
      else p.reject(r.error);
    });
    this.exited = new Promise((resolve) =>
      this.worker.once('exit', () => {
        for (const p of this.pending.values()) p.reject(new Error('the writer thread stopped'));
        this.pending.clear();
        resolve();
      }),
    );
  }

  commit(ops: readonly WriteOp[]): Promise<WriteOutcome[]> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, ops });
    });
  }

  /** Finishes the commits asked for, then stops the thread. */
  async close(): Promise<void> {
    this.worker.postMessage({ id: 0, ops: null });
    await this.exited;
  }
}

function runWriter(d: WriterData): void {
  const store = new SqlStore(new SqliteClient(d.opts));
  const port = parentPort!;
  port.on('message', (m: { id: number; ops: WriteOp[] | null }) => {
    if (m.ops === null) {
      void store.close().then(() => port.close());
      return;
    }
    store.commit(m.ops).then(
      (value) => port.postMessage({ id: m.id, ok: true, value } satisfies Reply),
      (error: unknown) => port.postMessage({ id: m.id, ok: false, error } satisfies Reply),
    );
  });
}

if (!isMainThread && (workerData as Partial<WriterData> | null)?.warblerWriter) runWriter(workerData as WriterData);
