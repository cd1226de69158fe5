import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CpuPlacement } from './placement.js';

/** The server's CLI, compiled, in the same repository. */
export const SERVER_CLI = fileURLToPath(new URL('../../../server/dist/src/cli.js', import.meta.url));
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 15_000;
const STDERR_TAIL = 64 * 1024;

/** A server started for the run, on a fresh data folder, with an admin account. */
export interface SpawnedServer {
  pid: number;
  port: number;
  wsUrl: string;
  dataDir: string;
  adminUser: string;
  adminPassword: string;
  /** The last lines of its log (stderr). */
  stderrTail(): string;
  /** Stops it (SIGTERM, then SIGKILL) and deletes its data folder unless kept. */
  stop(): Promise<void>;
}

export interface SpawnOptions {
  placement: CpuPlacement;
  env: Record<string, string>;
  adminUser: string;
  keepData: boolean;
  /** Node flags for `serve` only (e.g. --cpu-prof), before the script. */
  nodeArgs?: string[];
  /** The server's `cli.js` to run instead of this checkout's build (to compare two builds). */
  cli?: string;
  /** A filled data folder to start from (copied; see prefill.ts) instead of an empty one. */
  seedDir?: string;
}

/** Runs a command with `input` on its standard input; rejects with its stderr when it fails. */
function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, input: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = execFile(cmd, args, { env, timeout: START_TIMEOUT_MS }, (err, _out, stderr) =>
      err ? reject(new Error(`${args.slice(1, 3).join(' ')} failed: ${stderr || err.message}`)) : resolve(),
    );
    p.stdin?.end(input + '\n');
  });
}

/**
 * `warbler user add ADMIN --admin`, then `warbler serve --port 0 --host 127.0.0.1` on a fresh data
 * folder (a copy of `seedDir` when given), pinned with `taskset -c <server CPUs>` when placed; resolves once it logs "listening".
 */
export async function spawnServer(o: SpawnOptions): Promise<SpawnedServer> {
  const cli = o.cli ?? SERVER_CLI;
  if (!existsSync(cli)) throw new Error(`server CLI not found at ${cli}: build the server first (npm run build)`);
  const dataDir = mkdtempSync(join(tmpdir(), 'warbler-bench-'));
  const env = { ...process.env, ...o.env };
  const adminPassword = randomBytes(18).toString('base64url');
  // The password goes on stdin: out of `ps`, and safe whatever character it starts with.
  try {
    if (o.seedDir) cpSync(o.seedDir, dataDir, { recursive: true });
    await run(process.execPath, [cli, 'user', 'add', o.adminUser, '--admin', '--data-dir', dataDir], env, adminPassword);
  } catch (e) {
    if (!o.keepData) rmSync(dataDir, { recursive: true, force: true });
    throw e;
  }
  const args = [...(o.nodeArgs ?? []), cli, 'serve', '--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir];
  const { taskset, serverCpus } = o.placement;
  const proc: ChildProcess =
    taskset && serverCpus
      ? spawn(taskset, ['-c', serverCpus, process.execPath, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] })
      : spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let tail = '';
  const exited = new Promise<string>((resolve) => proc.on('exit', (code, sig) => resolve(String(code ?? sig))));
  const cleanup = () => {
    if (!o.keepData) rmSync(dataDir, { recursive: true, force: true });
  };
  let port: number;
  try {
    port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`server did not start within ${START_TIMEOUT_MS} ms: ${tail}`)), START_TIMEOUT_MS);
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
        reject(new Error(`server exited (${code}) before listening: ${tail}`));
      });
    });
  } catch (e) {
    proc.kill('SIGKILL');
    cleanup();
    throw e;
  }
  let stopping: Promise<void> | undefined;
  return {
    pid: proc.pid!,
    port,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    dataDir,
    adminUser: o.adminUser,
    adminPassword,
    stderrTail: () => tail,
    stop: () =>
      (stopping ??= (async () => {
        if (proc.exitCode === null && proc.signalCode === null) {
          proc.kill('SIGTERM');
          const timer = new Promise<string>((r) => setTimeout(() => r('timeout'), STOP_TIMEOUT_MS).unref());
          if ((await Promise.race([exited, timer])) === 'timeout') {
            proc.kill('SIGKILL');
            await exited;
          }
        }
        cleanup();
      })()),
  };
}
