import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startListening, type ListeningProcess } from './listening-process.js';
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
  /** The admin listener (http://127.0.0.1:port) and an API key with users:write; absent for builds before API keys. */
  adminUrl: string | undefined;
  adminKey: string | undefined;
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

/** Runs a command with `input` on its standard input; resolves with its stdout, rejects with its stderr when it fails. */
function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, input: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = execFile(cmd, args, { env, timeout: START_TIMEOUT_MS }, (err, out, stderr) =>
      err ? reject(new Error(`${args.slice(1, 3).join(' ')} failed: ${stderr || err.message}`)) : resolve(out),
    );
    p.stdin?.end(input + '\n');
  });
}

/**
 * `warbler user add ADMIN --admin` and `warbler apikey create --scope users:write`, then `warbler serve
 * --port 0 --host 127.0.0.1` with its admin listener on a free port, on a fresh data folder (a copy of `seedDir` when given), pinned with
 * `taskset -c <server CPUs>` when placed; resolves once it logs "listening".
 */
export async function spawnServer(o: SpawnOptions): Promise<SpawnedServer> {
  const cli = o.cli ?? SERVER_CLI;
  if (!existsSync(cli)) throw new Error(`server CLI not found at ${cli}: build the server first (npm run build)`);
  const dataDir = mkdtempSync(join(tmpdir(), 'warbler-bench-'));
  const env = { ...process.env, WARBLER_ADMIN_PORT: '0', ...o.env };
  const adminPassword = randomBytes(18).toString('base64url');
  // The password goes on stdin: out of `ps`, and safe whatever character it starts with.
  try {
    if (o.seedDir) cpSync(o.seedDir, dataDir, { recursive: true });
    await run(process.execPath, [cli, 'user', 'add', o.adminUser, '--admin', '--data-dir', dataDir], env, adminPassword);
  } catch (e) {
    if (!o.keepData) rmSync(dataDir, { recursive: true, force: true });
    throw e;
  }
  // The admin API's credential. A build from before API keys has no `apikey` command: its admin logs in.
  const adminKey = await run(
    process.execPath,
    [cli, 'apikey', 'create', '--scope', 'users:write', '--name', 'warbler-bench', '--data-dir', dataDir],
    env,
    '',
  ).then(
    (out) => (JSON.parse(out) as { key: string }).key,
    () => undefined,
  );
  const args = [...(o.nodeArgs ?? []), cli, 'serve', '--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir];
  const cleanup = () => {
    if (!o.keepData) rmSync(dataDir, { recursive: true, force: true });
  };
  let server: ListeningProcess;
  try {
    server = await startListening({
      args,
      env,
      placement: o.placement,
      what: 'server',
      startTimeoutMs: START_TIMEOUT_MS,
      stopTimeoutMs: STOP_TIMEOUT_MS,
      stderrTail: STDERR_TAIL,
    });
  } catch (e) {
    cleanup();
    throw e;
  }
  let stopping: Promise<void> | undefined;
  return {
    pid: server.pid,
    port: server.port,
    wsUrl: `ws://127.0.0.1:${server.port}/ws`,
    dataDir,
    adminUser: o.adminUser,
    adminPassword,
    adminUrl: server.adminUrl,
    adminKey,
    stderrTail: server.stderrTail,
    stop: () =>
      (stopping ??= (async () => {
        await server.stop();
        cleanup();
      })()),
  };
}
