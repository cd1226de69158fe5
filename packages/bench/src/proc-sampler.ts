import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** One reading of a process: resident memory and CPU time used so far (user + system). */
export interface ProcSample {
  /** Date.now() of the reading. */
  at: number;
  rssKb: number;
  cpuMs: number;
}

let ticksPerSecond: number | undefined;
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** Reads /proc/<pid>/stat and /proc/<pid>/status; undefined when the process is gone (or not Linux). */
export function readProc(pid: number): ProcSample | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces), from field 3 on: utime is 14, stime 15.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(rest[11]) + Number(rest[12]);
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rss = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return { at: Date.now(), rssKb: rss ? Number(rss[1]) : 0, cpuMs: (ticks * 1000) / clockTicks() };
  } catch {
    return undefined;
  }
}

/** CPU use between two readings, in % of one CPU. */
export function cpuPercent(a: ProcSample, b: ProcSample): number {
  const ms = b.at - a.at;
  return ms > 0 ? (100 * (b.cpuMs - a.cpuMs)) / ms : 0;
}
