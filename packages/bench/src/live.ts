import { Histogram } from './histogram.js';
import type { Tick } from './ipc.js';
import { cpuPercent, readProc, type ProcSample } from './proc-sampler.js';

/** One second of a run, for the report's charts. */
export interface TimelinePoint {
  /** Seconds since the scenario started. */
  t: number;
  phase: string;
  connected: number;
  /** Messages sent (frames written) and acknowledged in this second. */
  sent: number;
  acked: number;
  delivered: number;
  errors: number;
  /** Delivery latency of this second's deliveries, ms (null: none delivered). */
  p50: number | null;
  p99: number | null;
  max: number | null;
  rssMiB: number | null;
  cpuPct: number | null;
  /** CPU of the load generator (workers and coordinator together), % of one CPU. */
  loadCpuPct: number | null;
}

const ms = (us: number) => Math.round(us) / 1000;

/**
 * The coordinator's view while a scenario runs: adds up the workers' ticks, samples the server
 * process every second, keeps the timeline and writes a progress line on stderr.
 */
export class Live {
  readonly timeline: TimelinePoint[] = [];
  readonly samples: ProcSample[] = [];
  phase = 'setup';
  private readonly connected: number[];
  private win = { sent: 0, acked: 0, delivered: 0, errors: 0, delivery: new Histogram() };
  private totals = { acked: 0, delivered: 0, errors: 0 };
  private timer: NodeJS.Timeout | undefined;
  private readonly t0 = Date.now();
  private lastSample: ProcSample | undefined;
  /** The load generator's processes, sampled each second to see whether it kept up. */
  loadPids: number[] = [process.pid];
  private lastLoad: ProcSample | undefined;

  constructor(
    workers: number,
    private readonly label: string,
    private readonly pid: number | undefined,
    private readonly quiet: boolean,
  ) {
    this.connected = new Array<number>(workers).fill(0);
  }

  start(): void {
    this.sample();
    this.lastLoad = this.sampleLoad();
    this.timer = setInterval(() => this.second(), 1000);
  }

  /** Stops the clock; the last partial second is kept only when something happened in it. */
  stop(): void {
    clearInterval(this.timer);
    const w = this.win;
    if (w.sent + w.acked + w.delivered + w.errors > 0) this.second(false);
    if (!this.quiet && process.stderr.isTTY) process.stderr.write('\n');
  }

  onTick(t: Tick): void {
    this.connected[t.worker] = t.connected;
    this.win.sent += t.attempted;
    this.win.acked += t.acked;
    this.win.delivered += t.delivered;
    this.win.errors += t.errors;
    this.win.delivery.merge(Histogram.fromSparse(t.delivery));
  }

  get connectedTotal(): number {
    return this.connected.reduce((a, b) => a + b, 0);
  }

  /** Reads the server process now (undefined without a pid). */
  sample(): ProcSample | undefined {
    if (this.pid === undefined) return undefined;
    const s = readProc(this.pid);
    if (s) this.samples.push(s);
    return s;
  }

  /** CPU time of all load processes together. */
  private sampleLoad(): ProcSample | undefined {
    let cpuMs = 0;
    for (const pid of this.loadPids) cpuMs += readProc(pid)?.cpuMs ?? 0;
    return cpuMs > 0 ? { at: Date.now(), rssKb: 0, cpuMs } : undefined;
  }

  private second(print = true): void {
    const prev = this.lastSample ?? this.samples.at(-1);
    const s = this.sample();
    this.lastSample = s;
    const load = this.sampleLoad();
    const prevLoad = this.lastLoad;
    this.lastLoad = load;
    const w = this.win;
    const h = w.delivery;
    const p: TimelinePoint = {
      t: Math.round((Date.now() - this.t0) / 100) / 10,
      phase: this.phase,
      connected: this.connectedTotal,
      sent: w.sent,
      acked: w.acked,
      delivered: w.delivered,
      errors: w.errors,
      p50: h.count ? ms(h.quantile(0.5)) : null,
      p99: h.count ? ms(h.quantile(0.99)) : null,
      max: h.count ? ms(h.max) : null,
      rssMiB: s ? Math.round(s.rssKb / 102.4) / 10 : null,
      cpuPct: s && prev ? Math.round(cpuPercent(prev, s)) : null,
      loadCpuPct: load && prevLoad ? Math.round(cpuPercent(prevLoad, load)) : null,
    };
    this.timeline.push(p);
    this.totals.acked += w.acked;
    this.totals.delivered += w.delivered;
    this.totals.errors += w.errors;
    this.win = { sent: 0, acked: 0, delivered: 0, errors: 0, delivery: new Histogram() };
    if (print && !this.quiet) this.print(p);
  }

  private print(p: TimelinePoint): void {
    const lat = p.p50 === null ? '' : `  p50 ${p.p50.toFixed(1)}ms p99 ${p.p99!.toFixed(1)}ms`;
    const srv = (p.rssMiB === null ? '' : `  rss ${p.rssMiB.toFixed(0)}MiB cpu ${p.cpuPct ?? 0}%`) + `  load cpu ${p.loadCpuPct ?? 0}%`;
    const line =
      `[${p.t.toFixed(0).padStart(4)}s] ${this.label}/${p.phase}  conn ${p.connected}  sent ${p.sent}/s  ` +
      `dlv ${p.delivered}/s${lat}  err ${this.totals.errors}${srv}`;
    process.stderr.write(process.stderr.isTTY ? `\r\x1b[2K${line}` : `${line}\n`);
  }
}
