import { Agent, request } from 'node:http';
import { Histogram } from './histogram.js';
import { summarize, type LatencySummary } from './latency-summary.js';

/** How often /healthz is asked, and how long an answer may take before it counts as that long. */
const HEALTH_EVERY_MS = 100;
const HEALTH_TIMEOUT_MS = 10_000;

/** What the server said over HTTP during a run's sending and drain. */
export interface ProbeSummary {
  /** Answer times of GET /healthz, asked 10 times a second (a stalled event loop shows here first). */
  healthz: LatencySummary | null;
  /** /healthz requests that got no answer within 10 s. */
  healthzTimeouts: number;
  /** `warbler_event_loop_lag_seconds` at the end, in ms: the server's event-loop delay p99 since the previous scrape (the recording's start). */
  eventLoopLagP99Ms: number | null;
  /** Write batches committed while sending (`warbler_store_latency_seconds`, `warbler_store_batch_messages`). */
  commits: { count: number; perSecond: number; meanMs: number; messagesPerCommit: number } | null;
}

type Metrics = Map<string, number>;

/** Reads Prometheus text into name → value (the first sample of each name without labels, or its labelled total). */
export function parseMetrics(text: string): Metrics {
  const out: Metrics = new Map();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const v = Number(m[3]);
    if (!Number.isFinite(v)) continue;
    // A histogram's buckets are labelled: keep `_sum` and `_count`, skip `_bucket`.
    if (m[2] && m[1]!.endsWith('_bucket')) continue;
    out.set(m[1]!, (m[2] ? (out.get(m[1]!) ?? 0) : 0) + v);
  }
  return out;
}

/**
 * Watches the server under test from the outside while a trial sends: GET /healthz ten times a second
 * (each answer's time, recorded between `startRecording` and `stopRecording`) and /metrics at both
 * ends (event-loop delay, commits and their sizes). Everything is optional: a server without a figure
 * gives null for it.
 */
export class ServerProbe {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 2 });
  private readonly hist = new Histogram();
  private timeouts = 0;
  private timer: NodeJS.Timeout | undefined;
  private recording = false;
  private inFlight = false;
  private first: { at: number; m: Metrics } | undefined;
  private last: { at: number; m: Metrics } | undefined;

  constructor(private readonly base: string) {}

  start(): void {
    this.timer ??= setInterval(() => this.ask(), HEALTH_EVERY_MS);
  }

  async startRecording(): Promise<void> {
    this.recording = true;
    const m = await this.metrics();
    if (m) this.first = { at: Date.now(), m };
  }

  async stopRecording(): Promise<void> {
    this.recording = false;
    const m = await this.metrics();
    if (m) this.last = { at: Date.now(), m };
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.agent.destroy();
  }

  summary(): ProbeSummary {
    const a = this.first?.m;
    const b = this.last?.m;
    const delta = (name: string) => (a && b && a.has(name) && b.has(name) ? b.get(name)! - a.get(name)! : undefined);
    const commits = delta('warbler_store_latency_seconds_count');
    const commitS = delta('warbler_store_latency_seconds_sum');
    const batchSum = delta('warbler_store_batch_messages_sum');
    const batchCount = delta('warbler_store_batch_messages_count');
    const seconds = this.first && this.last ? (this.last.at - this.first.at) / 1000 : 0;
    const lag = b?.get('warbler_event_loop_lag_seconds');
    const r2 = (x: number) => Math.round(x * 100) / 100;
    return {
      healthz: this.hist.count > 0 ? summarize(this.hist) : null,
      healthzTimeouts: this.timeouts,
      eventLoopLagP99Ms: lag === undefined ? null : r2(lag * 1000),
      commits:
        commits !== undefined && commitS !== undefined && seconds > 0
          ? {
              count: commits,
              perSecond: r2(commits / seconds),
              meanMs: commits > 0 ? r2((commitS / commits) * 1000) : 0,
              messagesPerCommit: batchSum !== undefined && batchCount ? r2(batchSum / batchCount) : 0,
            }
          : null,
    };
  }

  private ask(): void {
    if (this.inFlight) return;
    this.inFlight = true;
    const t0 = performance.now();
    const req = request(`${this.base}/healthz`, { agent: this.agent, timeout: HEALTH_TIMEOUT_MS }, (res) => {
      res.resume();
      res.on('end', () => {
        if (this.recording) this.hist.record((performance.now() - t0) * 1000);
        this.inFlight = false;
      });
    });
    req.on('timeout', () => {
      if (this.recording) this.timeouts++;
      req.destroy();
    });
    req.on('error', () => (this.inFlight = false));
    req.end();
  }

  private metrics(): Promise<Metrics | undefined> {
    return new Promise((resolve) => {
      const req = request(`${this.base}/metrics`, { agent: this.agent, timeout: HEALTH_TIMEOUT_MS }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve(res.statusCode === 200 ? parseMetrics(body) : undefined));
      });
      req.on('timeout', () => req.destroy());
      req.on('error', () => resolve(undefined));
      req.end();
    });
  }
}
