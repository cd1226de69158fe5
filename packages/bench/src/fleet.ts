import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { CommandName, Commands, RpcReply, RpcRequest, Tick, TickMessage } from './ipc.js';
import type { CpuPlacement } from './placement.js';

const WORKER = fileURLToPath(new URL('./worker.js', import.meta.url));

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
}

/**
 * The load worker processes: forked (through `taskset -c <load CPUs>` when pinning), driven by
 * commands over IPC ("advanced" serialization, so bitmaps travel as bytes).
 */
export class Fleet {
  private readonly pending = new Map<number, Pending>();
  /** Which worker each command in flight went to. */
  private readonly owner = new Map<number, number>();
  private nextRpc = 1;
  private readonly exits: Promise<void>[];

  private constructor(
    readonly procs: ChildProcess[],
    onTick: (t: Tick) => void,
  ) {
    this.exits = procs.map(
      (p, w) =>
        new Promise<void>((resolve) => {
          p.on('message', (m: RpcReply | TickMessage) => {
            if ('tick' in m) return onTick(m.tick);
            const waiter = this.pending.get(m.rpc);
            this.pending.delete(m.rpc);
            if (m.ok) waiter?.resolve(m.result);
            else waiter?.reject(new Error(`worker ${w}: ${m.error}`));
          });
          p.on('exit', (code, sig) => {
            for (const [rpc, waiter] of this.pending) {
              if (this.owner.get(rpc) !== w) continue;
              this.pending.delete(rpc);
              waiter.reject(new Error(`worker ${w} exited (${code ?? sig}) during a command`));
            }
            resolve();
          });
        }),
    );
  }

  static start(count: number, placement: CpuPlacement, onTick: (t: Tick) => void): Fleet {
    const pinned = placement.taskset && placement.loadCpus;
    const procs = Array.from({ length: count }, () =>
      fork(WORKER, [], {
        serialization: 'advanced',
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        ...(pinned ? { execPath: placement.taskset, execArgv: ['-c', placement.loadCpus!, process.execPath] } : {}),
      }),
    );
    return new Fleet(procs, onTick);
  }

  get size(): number {
    return this.procs.length;
  }

  /** Sends one command to worker `w` and waits for its result. */
  call<K extends CommandName>(w: number, cmd: K, args: Commands[K][0]): Promise<Commands[K][1]> {
    const rpc = this.nextRpc++;
    return new Promise((resolve, reject) => {
      this.pending.set(rpc, { resolve: resolve as (v: unknown) => void, reject });
      this.owner.set(rpc, w);
      const req: RpcRequest = { rpc, cmd, args };
      this.procs[w]!.send(req, (err) => {
        if (!err) return;
        this.pending.delete(rpc);
        reject(err);
      });
    }).finally(() => this.owner.delete(rpc)) as Promise<Commands[K][1]>;
  }

  /** Sends a command to every worker (arguments per worker) and waits for all results. */
  all<K extends CommandName>(cmd: K, args: (w: number) => Commands[K][0]): Promise<Commands[K][1][]> {
    return Promise.all(this.procs.map((_, w) => this.call(w, cmd, args(w))));
  }

  /** Ends the workers: they exit when their channel closes; killed if they linger. */
  async stop(): Promise<void> {
    for (const p of this.procs) if (p.connected) p.disconnect();
    const timer = new Promise<void>((r) => setTimeout(r, 5000).unref());
    await Promise.race([Promise.all(this.exits), timer]);
    for (const p of this.procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  }
}
