import { execFileSync } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { delimiter, join } from 'node:path';

/** Connections one worker process holds at most (the process must stay under its open-file limit). */
export const MAX_CONNECTIONS_PER_WORKER = 9000;

/** Where the server and the load run: CPU lists for `taskset -c`, or none (not pinned). */
export interface CpuPlacement {
  taskset: string | undefined;
  serverCpus: string | undefined;
  loadCpus: string | undefined;
  /** CPUs the load generator may use. */
  loadCpuCount: number;
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Expands a CPU list such as `0-2,5` (the format of taskset and /proc). */
export function parseCpuList(list: string): number[] {
  const out: number[] = [];
  for (const part of list.trim().split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) return [];
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    for (let c = lo; c <= hi && out.length < 4096; c++) out.push(c);
  }
  return out;
}

/** The CPUs this process may run on (from /proc; 0 … n-1 elsewhere). */
function allowedCpus(): number[] {
  try {
    const m = /^Cpus_allowed_list:\s*(\S+)/m.exec(readFileSync('/proc/self/status', 'utf8'));
    const cpus = m ? parseCpuList(m[1]!) : [];
    if (cpus.length > 0) return cpus;
  } catch {
    // not Linux
  }
  return Array.from({ length: availableParallelism() }, (_, i) => i);
}

/**
 * The server on the first CPU this process may use and the load on the others, when asked for,
 * taskset exists and there are at least two.
 */
export function cpuPlacement(pin: boolean): CpuPlacement {
  const cpus = allowedCpus();
  const none = { taskset: undefined, serverCpus: undefined, loadCpus: undefined, loadCpuCount: cpus.length };
  if (!pin) return none;
  const taskset = onPath('taskset');
  if (!taskset || cpus.length < 2) return none;
  return { taskset, serverCpus: String(cpus[0]), loadCpus: cpus.slice(1).join(','), loadCpuCount: cpus.length - 1 };
}

/** Pins this process to `cpus` (best effort). */
export function pinSelf(p: CpuPlacement): void {
  if (!p.taskset || !p.loadCpus) return;
  try {
    execFileSync(p.taskset, ['-cp', p.loadCpus, String(process.pid)], { stdio: 'ignore' });
  } catch {
    // Not fatal: the run is only less tidy.
  }
}

/** Ephemeral ports one source address offers towards one server address and port. */
export function portsPerAddress(): number {
  try {
    const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (lo !== undefined && hi !== undefined && hi > lo) return hi - lo + 1;
  } catch {
    // not Linux
  }
  return 28232;
}

/**
 * Source addresses for `total` connections: none (the system picks) while one address has ports
 * enough (with 10% to spare), else 127.0.0.1, 127.0.0.2, … each for a block of connections.
 * Only for a loopback server (all of 127.0.0.0/8 reaches it).
 */
export function sourceAddressPlan(total: number, serverHost: string): { perAddress: number; addresses: number } {
  const perAddress = Math.floor(portsPerAddress() * 0.9);
  const loopback = /^127\./.test(serverHost) || serverHost === 'localhost';
  if (total <= perAddress || !loopback) return { perAddress: 0, addresses: 1 };
  return { perAddress, addresses: Math.ceil(total / perAddress) };
}

/** The source address of connection `i` under a plan; undefined: the system's choice. */
export function sourceAddress(i: number, plan: { perAddress: number }): string | undefined {
  if (plan.perAddress === 0) return undefined;
  return `127.0.0.${1 + Math.floor(i / plan.perAddress)}`;
}

/** Worker processes for `connections`, or `requested` when given. */
export function workerCount(connections: number, requested: number): number {
  return requested > 0 ? requested : Math.max(1, Math.ceil(connections / MAX_CONNECTIONS_PER_WORKER));
}
