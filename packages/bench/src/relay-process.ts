import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { CpuPlacement } from './placement.js';
import type { SpawnedServer } from './server-process.js';

/** This package's CLI: `warbler-bench relay` runs the relay. */
const BENCH_CLI = fileURLToPath(new URL('./cli.js', import.meta.url));
const START_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 5_000;
const STDERR_TAIL = 16 * 1024;

/**
 * Starts the bare relay (relay.ts) as the server under test: `warbler-bench relay --port 0 --host
 * 127.0.0.1`, pinned like a spawned server (`taskset -c <server CPUs>`); resolves once it listens.
 * Its admin account is any name with any password (the relay checks nothing).
 */
export async function spawnRelay(o: { placement: CpuPlacement; adminUser: string }): Promise<SpawnedServer> {
  const args = [BENCH_CLI, 'relay', '--port', '0', '--host', '127.0.0.1'];
  const { taskset, serverCpus } = o.placement;
  const proc: ChildProcess =
    taskset && serverCpus
      ? spawn(taskset, ['-c', serverCpus, process.execPath, ...args], { stdio: ['ignore', 'ignore', 'pipe'] })
      : spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let tail = '';
  const exited = new Promise<string>((resolve) => proc.on('exit', (code, sig) => resolve(String(code ?? sig))));
  let port: number;
  try {
    port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`relay did not start within ${START_TIMEOUT_MS} ms: ${tail}`)), START_TIMEOUT_MS);
      proc.stderr!.on('data', (d: Buffer) => {
        tail = (tail + d.toString()).slice(-STDERR_TAIL);
        const m = /"msg":"listening","port":(\d+)/.exec(tail);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      });
      void exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`relay exited (${code}) before listening: ${tail}`));
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
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    dataDir: '',
    adminUser: o.adminUser,
    adminPassword: randomBytes(12).toString('base64url'),
    stderrTail: () => tail,
    stop: () =>
      (stopping ??= (async () => {
        if (proc.exitCode !== null || proc.signalCode !== null) return;
        proc.kill('SIGTERM');
        const timer = new Promise<string>((r) => setTimeout(() => r('timeout'), STOP_TIMEOUT_MS).unref());
        if ((await Promise.race([exited, timer])) === 'timeout') {
          proc.kill('SIGKILL');
          await exited;
        }
      })()),
  };
}
