import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { CpuPlacement } from './placement.js';
import { startListening } from './listening-process.js';
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
  const relay = await startListening({
    args: [BENCH_CLI, 'relay', '--port', '0', '--host', '127.0.0.1'],
    placement: o.placement,
    what: 'relay',
    startTimeoutMs: START_TIMEOUT_MS,
    stopTimeoutMs: STOP_TIMEOUT_MS,
    stderrTail: STDERR_TAIL,
  });
  return {
    pid: relay.pid,
    port: relay.port,
    wsUrl: `ws://127.0.0.1:${relay.port}/ws`,
    dataDir: '',
    adminUser: o.adminUser,
    adminPassword: randomBytes(12).toString('base64url'),
    // The relay answers the admin API on its own port and takes any admin login.
    adminUrl: undefined,
    adminKey: undefined,
    stderrTail: relay.stderrTail,
    stop: relay.stop,
  };
}
