import type { WritePressure } from '../services/write-batcher.js';

/** Frames a connection may have waiting before it is not read from. */
const PAUSE_BACKLOG = 8;

/** What the scheduler needs of a connection. */
export interface InboundConn {
  /** Handles one frame now: its text, or null for a binary frame. */
  handle(text: string | null): void;
  /** Stops and starts reading from the socket. */
  pause(): void;
  resume(): void;
  readonly open: boolean;
  /** Frames read but not handled yet, oldest first (kept by the scheduler). */
  readonly backlog: (string | null)[];
  /** Not read from (kept by the scheduler). */
  paused: boolean;
}

/**
 * Bounds the work that reading frames does in one turn of the event loop, and stops reading while the
 * writes are behind. A frame is handled at once while this turn's reading has taken less than the
 * budget and the write queue keeps up; otherwise it is kept, its connection stops being read (what
 * the client sends next waits in the kernel, then in its own TCP window), and it is handled in a later
 * turn, in arrival order per connection and connections first come, first served. So a server offered
 * more than it can do spends each turn on a bounded share of reading and of writing, answers health
 * checks and pings in between, keeps its memory bounded, and wastes nothing on refusals.
 */
export class InboundScheduler {
  /** Connections with a backlog, in the order they got one. */
  private waiting: InboundConn[] = [];
  private turnStart = 0;
  private turnArmed = false;
  private pumpArmed = false;

  constructor(
    private readonly budgetMs: number,
    private readonly writes: WritePressure,
  ) {
    writes.onCaughtUp(() => this.armPump());
  }

  /** Connections whose frames wait. */
  get waitingConnections(): number {
    return this.waiting.length;
  }

  /** A frame arrived from `c`. */
  frame(c: InboundConn, text: string | null): void {
    this.startTurn();
    if (c.backlog.length === 0 && performance.now() - this.turnStart <= this.budgetMs && !this.writes.behind) return c.handle(text);
    c.backlog.push(text);
    // Kept for a later turn, and still read; not read any more once it has this many waiting (a
    // connection's frames then wait in the kernel): memory stays bounded without pausing and resuming
    // thousands of sockets that each send a little.
    if (c.backlog.length >= PAUSE_BACKLOG && !c.paused) {
      c.paused = true;
      c.pause();
    }
    if (c.backlog.length === 1) {
      this.waiting.push(c);
      this.armPump();
    }
  }

  /** Handles every kept frame now, whatever the budget (a stopping server answers them all). */
  flushAll(): void {
    const all = this.waiting;
    this.waiting = [];
    for (const c of all) this.drain(c, Infinity, true);
  }

  /** The first frame of a turn starts its budget; the turn ends in the check phase. */
  private startTurn(): void {
    if (this.turnArmed) return;
    this.turnArmed = true;
    this.turnStart = performance.now();
    setImmediate(() => {
      this.turnArmed = false;
    });
  }

  private armPump(): void {
    if (this.pumpArmed || this.waiting.length === 0) return;
    this.pumpArmed = true;
    setImmediate(this.pump);
  }

  /** A later turn: handles kept frames, oldest connection first, within a fresh budget. */
  private readonly pump = (): void => {
    this.pumpArmed = false;
    this.startTurn();
    // Behind: nothing now; the queue's catching up re-arms the pump.
    if (this.writes.behind) return;
    const deadline = this.turnStart + this.budgetMs;
    while (this.waiting.length > 0) {
      const c = this.waiting[0]!;
      if (!this.drain(c, deadline)) break;
      this.waiting.shift();
    }
    if (this.waiting.length > 0 && !this.writes.behind) this.armPump();
  };

  /** Handles `c`'s kept frames until `deadline` (or all, `force`); true (and reading again) once none is left. */
  private drain(c: InboundConn, deadline: number, force = false): boolean {
    while (c.backlog.length > 0) {
      if (!c.open) {
        c.backlog.length = 0;
        return true;
      }
      if (!force && (performance.now() > deadline || this.writes.behind)) return false;
      c.handle(c.backlog.shift()!);
    }
    if (c.paused) {
      c.paused = false;
      c.resume();
    }
    return true;
  }
}
