import { spawn, type ChildProcess } from 'node:child_process';
import type { CpuPlacement } from './placement.js';

/** A child process that logged its "listening" line. */
export interface ListeningProcess {
  pid: number;
  port: number;
  /** The whole "listening" log line's admin URL, when it names one. */
  adminUrl: string | undefined;
  /** The last lines of its log (stderr). */
  stderrTail(): string;
  /** SIGTERM, then SIGKILL after `stopTimeoutMs`; resolves once it has exited. Safe to call twice. */
  stop(): Promise<void>;
}

export interface ListenOptions {
  /** Node arguments: flags, the script and its arguments. */
  args: string[];
  placement: CpuPlacement;
  env?: NodeJS.ProcessEnv;
  /** For error messages: "server", "relay". */
  what: string;
  startTimeoutMs: number;
  stopTimeoutMs: number;
  stderrTail: number;
}

/**
 * Starts `node <args>` pinned to the server CPUs (`taskset -c`) when placed, and resolves once its log
 * (JSON lines on stderr) says `"msg":"listening","port":N`; rejects, with the process killed, if it
 * exits first or does not listen within `startTimeoutMs`.
 */
export async function startListening(o: ListenOptions): Promise<ListeningProcess> {
  const { taskset, serverCpus } = o.placement;
  const options = { env: o.env ?? process.env, stdio: ['ignore', 'ignore', 'pipe'] as ['ignore', 'ignore', 'pipe'] };
  const proc: ChildProcess =
    taskset && serverCpus
      ? spawn(taskset, ['-c', serverCpus, process.execPath, ...o.args], options)
      : spawn(process.execPath, o.args, options);
  let tail = '';
  const exited = new Promise<string>((resolve) => proc.on('exit', (code, sig) => resolve(String(code ?? sig))));
  let port: number;
  let adminUrl: string | undefined;
  try {
    port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${o.what} did not start within ${o.startTimeoutMs} ms: ${tail}`)), o.startTimeoutMs);
      proc.stderr!.on('data', (d: Buffer) => {
        tail = (tail + d.toString()).slice(-o.stderrTail);
        const m = /"msg":"listening","port":(\d+)/.exec(tail);
        if (m) {
          clearTimeout(timer);
          adminUrl = /"msg":"listening".*?"adminUrl":"(http[^"]+)"/.exec(tail)?.[1];
          resolve(Number(m[1]));
        }
      });
      void exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`${o.what} exited (${code}) before listening: ${tail}`));
      });
    });
  } catch (e) {
    proc.kill('SIGKILL');
    throw e;
  }
  let stopping: Promise<void> | undefined;
  return {
    pid: proc.pid!,
    port,
    adminUrl,
    stderrTail: () => tail,
    stop: () =>
      (stopping ??= (async () => {
        if (proc.exitCode !== null || proc.signalCode !== null) return;
        proc.kill('SIGTERM');
        const timer = new Promise<string>((r) => setTimeout(() => r('timeout'), o.stopTimeoutMs).unref());
        if ((await Promise.race([exited, timer])) === 'timeout') {
          proc.kill('SIGKILL');
          await exited;
        }
      })()),
  };
}
