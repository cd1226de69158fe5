import { closeSync, openSync, readSync } from 'node:fs';
import { endianness } from 'node:os';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

/** What the checkpointer thread is told when it starts. */
interface CheckpointerData {
  warblerCheckpointer: true;
  file: string;
  /** Pages the log may hold before a pass copies them back. */
  pages: number;
  /** How often the thread looks at the log, ms. */
  everyMs: number;
}

/**
 * Copies the write-ahead log back into the database file on a thread of its own, so that no commit of
 * the event loop's connection pauses to do it (a checkpoint copies up to `pages` random pages and
 * fsyncs the database file: tens of milliseconds, far more on an SD card). A PASSIVE checkpoint runs
 * beside the writer without locking it out; the event loop's connection keeps a larger
 * `wal_autocheckpoint` of its own only as a backstop, for when this thread falls behind.
 */
export class SqliteCheckpointer {
  private readonly worker: Worker;
  private readonly exited: Promise<void>;

  constructor(file: string, pages: number, everyMs = 20) {
    const data: CheckpointerData = { warblerCheckpointer: true, file, pages, everyMs };
    this.worker = new Worker(new URL(import.meta.url), { workerData: data });
    this.worker.unref();
    this.exited = new Promise((resolve) => this.worker.once('exit', () => resolve()));
  }

  /** Stops the thread after its current pass. */
  async stop(): Promise<void> {
    this.worker.postMessage('stop');
    await this.exited;
  }
}

/**
 * Frames in the log and frames already copied back, from the wal-index header in the `-shm` file
 * (https://www.sqlite.org/walformat.html: `mxFrame` at byte 16, `nBackfill` at byte 96, native byte
 * order). Read without a lock: a hint of when a pass is due, nothing more.
 */
function logState(fd: number, buf: Buffer): { frames: number; copied: number } {
  if (readSync(fd, buf, 0, 100, 0) < 100) return { frames: 0, copied: 0 };
  const le = endianness() === 'LE';
  const at = (o: number): number => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  return { frames: at(16), copied: at(96) };
}

/** The thread's loop: a PASSIVE checkpoint whenever the log holds `pages` pages not yet copied back. */
function runCheckpointer(d: CheckpointerData): void {
  const db = new Database(d.file);
  db.pragma('busy_timeout = 0');
  // This connection never checkpoints on its own (it writes nothing anyway).
  db.pragma('wal_autocheckpoint = 0');
  const shm = openSync(`${d.file}-shm`, 'r');
  const buf = Buffer.alloc(100);
  let timer: NodeJS.Timeout | undefined;
  const loop = (): void => {
    const s = logState(shm, buf);
    // Only once enough has piled up, so a quiet server does not fsync its database for every few pages.
    if (s.frames - s.copied >= d.pages) db.pragma('wal_checkpoint(PASSIVE)');
    timer = setTimeout(loop, d.everyMs);
  };
  parentPort!.on('message', () => {
    clearTimeout(timer);
    closeSync(shm);
    db.close();
    parentPort!.close();
  });
  loop();
}

if (!isMainThread && (workerData as Partial<CheckpointerData> | null)?.warblerCheckpointer) runCheckpointer(workerData as CheckpointerData);
