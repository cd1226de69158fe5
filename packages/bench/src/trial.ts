import { Fleet } from './fleet.js';
import type { Harness } from './harness.js';
import type { ClientSpec, ConnectLabel, MixInit, Pool, Ranges, WorkerFinal, WorkerStatus } from './ipc.js';
import { Live } from './live.js';
import { sourceAddress, sourceAddressPlan, workerCount } from './placement.js';
import { httpBase, type BenchUser } from './provision.js';
import { mergeFinals } from './merge-finals.js';
import { buildResult, type Marks } from './result-build.js';
import type { MixSummary, ScenarioResult } from './result.js';
import { ServerProbe } from './server-probe.js';
import type { SloTerm } from './slo.js';

/** Splits `n` into `parts` near-equal contiguous shares. */
export function shares(n: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor((n * (i + 1)) / parts) - Math.floor((n * i) / parts));
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** group: how many groups, of how many members each. */
export interface GroupLayout {
  groups: number;
  members: number;
}

/** group: deliveries expected so far: each acknowledged message to every receiver of its group but its sender. */
export function expectedDeliveries(st: WorkerStatus[], groups: number): number {
  const acked = new Float64Array(groups);
  const receivers = new Float64Array(groups);
  let own = 0;
  for (const s of st) {
    if (!s.fanout) continue;
    for (let g = 0; g < groups; g++) {
      acked[g]! += s.fanout.acked[g]!;
      receivers[g]! += s.fanout.receivers[g]!;
    }
    own += s.fanout.ownOfReceivers;
  }
  let total = -own;
  for (let g = 0; g < groups; g++) total += acked[g]! * receivers[g]!;
  return total;
}

/**
 * realistic, pairs: the users are given (the population of the run: pre-filled or provisioned once for
 * all rates) and each worker's clients get their part of the client mix.
 */
export interface MixSetup {
  users: BenchUser[];
  /** The client mix of worker `w`'s main users `start` … `start + count - 1`. */
  init(w: number, start: number, count: number): MixInit;
  /** Each main user's share of the sending (its activity). */
  weights: number[];
  /** How many groups the run has (for the per-member check). */
  groups: number;
  /** Called with the workers' finals before the result is built (to carry the cursors to the next trial). */
  onFinals(finals: WorkerFinal[]): void;
  /** What the result reports of the mix besides what the workers measured. */
  summary: Pick<MixSummary, 'knobs' | 'plan' | 'prefill'>;
}

/** Who a trial runs: `main` users (and `churn` more for reconnections), in groups or with the client mix when given. */
export interface TrialUsers {
  main: number;
  churn?: number;
  /** group: the users are `groups` groups of `members` each (member i of the main pool is in group i mod groups). */
  groups?: GroupLayout;
  /** realistic, pairs. */
  mix?: MixSetup;
}

/** What a started trial is made of (see Trial.start). */
interface TrialParts {
  h: Harness;
  scenario: string;
  fleet: Fleet;
  live: Live;
  mainCounts: number[];
  churnCounts: number[];
  sourceAddresses: number;
  log: (s: string) => void;
  groups: GroupLayout | undefined;
  mix: MixSetup | undefined;
}

/**
 * One scenario run: its users, its worker processes and its live view, with the steps scenarios are
 * made of (connect, hold, disconnect, send, drain) and the result at the end.
 */
export class Trial {
  readonly marks: Marks = {};
  offered = 0;
  sendSeconds = 0;
  private readonly startedAt = new Date();
  private readonly t0 = Date.now();
  /** Watches /healthz and /metrics while sending. */
  readonly probe: ServerProbe;

  readonly h: Harness;
  readonly scenario: string;
  readonly fleet: Fleet;
  readonly live: Live;
  /** Main and churn users per worker. */
  readonly mainCounts: number[];
  readonly churnCounts: number[];
  readonly sourceAddresses: number;
  /** group: the groups of the run (member i of the main pool is in group i mod groups). */
  readonly groups: GroupLayout | undefined;
  /** realistic, pairs. */
  readonly mix: MixSetup | undefined;
  private readonly log: (s: string) => void;

  private constructor(p: TrialParts) {
    this.h = p.h;
    this.scenario = p.scenario;
    this.fleet = p.fleet;
    this.live = p.live;
    this.mainCounts = p.mainCounts;
    this.churnCounts = p.churnCounts;
    this.sourceAddresses = p.sourceAddresses;
    this.groups = p.groups;
    this.mix = p.mix;
    this.log = p.log;
    this.probe = new ServerProbe(httpBase(p.h.info.url));
    this.probe.start();
  }

  get users(): number {
    return this.mainCounts.reduce((a, b) => a + b, 0);
  }

  /**
   * Provisions `main` users (and `churn` more for reconnections; the client mix brings its own), makes
   * their groups when asked (`groups` of `members` each), starts and initialises the workers.
   */
  static async start(h: Harness, scenario: string, who: TrialUsers, log: (s: string) => void): Promise<Trial> {
    const { main, churn = 0, groups, mix } = who;
    const o = h.opts;
    const users = mix ? mix.users : await h.provision(main + churn, log);
    let convs: string[] = [];
    if (groups) {
      if (groups.groups * groups.members !== main)
        throw new Error(`${groups.groups} groups of ${groups.members} need ${groups.groups * groups.members} users`);
      // Group g: users g, g + G, g + 2G, … (so every worker holds members of every group); the first one creates it.
      const t0 = Date.now();
      convs = await h.createGroups(
        Array.from({ length: groups.groups }, (_, g) => ({
          owner: users[g]!,
          others: Array.from({ length: groups.members - 1 }, (_, k) => users[g + (k + 1) * groups.groups]!.id),
        })),
      );
      log(`created ${groups.groups} groups of ${groups.members} members in ${Date.now() - t0} ms`);
    }
    const workers = workerCount(main + churn, o.workers);
    const plan = sourceAddressPlan(main + churn, new URL(h.info.url).hostname);
    const live = new Live(workers, scenario, h.info.pid ?? undefined, o.quiet);
    const fleet = Fleet.start(workers, h.placement, (t) => live.onTick(t));
    live.loadPids = [process.pid, ...fleet.procs.map((p) => p.pid!).filter(Boolean)];
    const mainCounts = shares(main, workers);
    const churnCounts = shares(churn, workers);
    const recipients = users.slice(0, main).map((u) => u.id);
    const spec = (i: number): ClientSpec => ({
      ...users[i]!,
      address: sourceAddress(i, plan),
      ...(groups && i < main ? { group: i % groups.groups, conv: convs[i % groups.groups]! } : {}),
    });
    let mainStart = 0;
    let churnStart = main;
    try {
      await fleet.all('init', (w) => {
        const clients = [
          ...Array.from({ length: mainCounts[w]! }, (_, k) => spec(mainStart + k)),
          ...Array.from({ length: churnCounts[w]! }, (_, k) => spec(churnStart + k)),
        ];
        const args = {
          worker: w,
          url: h.info.url,
          clients,
          mainCount: mainCounts[w]!,
          recipients,
          textBytes: o.textBytes,
          maxInflight: o.maxInflight,
          peers: o.peers,
          groups: groups?.groups ?? 0,
          ...(mix ? { mix: mix.init(w, mainStart, mainCounts[w]!) } : {}),
        };
        mainStart += mainCounts[w]!;
        churnStart += churnCounts[w]!;
        return args;
      });
    } catch (e) {
      await fleet.stop();
      throw e;
    }
    log(
      `${workers} worker process(es)${h.placement.loadCpus ? ` on CPU ${h.placement.loadCpus}` : ''}, ${plan.addresses} source address(es)`,
    );
    live.start();
    return new Trial({ h, scenario, fleet, live, mainCounts, churnCounts, sourceAddresses: plan.addresses, log, groups, mix });
  }

  /** Connects `pool` at `ramp` connections/s in all (0: as fast as allowed) and waits until all settled. */
  async connect(
    pool: Pool,
    ramp: number,
    label: ConnectLabel,
    concurrency = this.h.opts.concurrency,
  ): Promise<{ ok: number; failed: number }> {
    const counts =
      pool === 'main' ? this.mainCounts : pool === 'churn' ? this.churnCounts : this.mainCounts.map((n, i) => n + this.churnCounts[i]!);
    const total = counts.reduce((a, b) => a + b, 0);
    const timeoutMs = this.h.opts.connectTimeoutS * 1000;
    const rs = await this.fleet.all('connect', (w) => ({
      pool,
      ramp: ramp > 0 ? (ramp * counts[w]!) / total : 0,
      concurrency,
      timeoutMs,
      label,
    }));
    const r = rs.reduce((a, b) => ({ ok: a.ok + b.ok, failed: a.failed + b.failed }), { ok: 0, failed: 0 });
    this.log(`${label}: ${r.ok} connected, ${r.failed} failed`);
    return r;
  }

  /** Reads the server once every client is connected: the RSS per connection comes from it. */
  async markConnected(): Promise<void> {
    const st = await this.fleet.all('status', () => ({}));
    this.marks.connectedCount = st.reduce((a, s) => a + s.connected, 0);
    this.marks.connected = this.live.sample();
  }

  /** Reads the server before any client connects. */
  markBeforeClients(): void {
    this.marks.beforeClients = this.live.sample();
  }

  async disconnect(pool: Pool): Promise<void> {
    await this.fleet.all('disconnect', () => ({ pool }));
  }

  hold(seconds: number): Promise<void> {
    return sleep(seconds * 1000);
  }

  /** Messages may go to these users only (null: everyone): during a ramp, the ones known online. */
  async recipients(ranges: Ranges | null): Promise<void> {
    await this.fleet.all('recipients', () => ({ ranges }));
  }

  /** Global ranges of the main users online from each worker's first one on, and how many that is. */
  async onlineRanges(): Promise<{ ranges: Ranges; online: number }> {
    const st = await this.fleet.all('status', () => ({}));
    let start = 0;
    let online = 0;
    const ranges = this.mainCounts.map((n, w): [number, number] => {
      const k = Math.min(n, st[w]!.readyPrefix);
      online += k;
      start += n;
      return [start - n, start - n + k];
    });
    return { ranges, online };
  }

  /** Sends at `rate` msg/s for `seconds` (with reads and reconnections per second, for soak). */
  async send(rate: number, seconds: number, side: { churn?: number; reads?: number } = {}): Promise<void> {
    const durationMs = seconds * 1000;
    const main = this.users;
    const churnTotal = this.churnCounts.reduce((a, b) => a + b, 0);
    const t0 = Date.now();
    await this.markSendStart();
    if (this.mix) return this.mixSend(rate, durationMs, t0);
    const jobs: Promise<unknown>[] = [this.fleet.all('send', (w) => ({ rate: (rate * this.mainCounts[w]!) / main, durationMs }))];
    if (side.reads) jobs.push(this.fleet.all('reads', (w) => ({ perSecond: (side.reads! * this.mainCounts[w]!) / main, durationMs })));
    if (side.churn && churnTotal > 0)
      jobs.push(this.fleet.all('churn', (w) => ({ perSecond: (side.churn! * this.churnCounts[w]!) / churnTotal, durationMs })));
    const [sends] = (await Promise.all(jobs)) as [{ offered: number }[]];
    this.offered += sends.reduce((a, s) => a + s.offered, 0);
    this.sendSeconds += (Date.now() - t0) / 1000;
  }

  private async markSendStart(): Promise<void> {
    if (this.marks.sendStart) return;
    await this.probe.startRecording();
    this.marks.sendStart = this.live.sample();
  }

  /** The client mix: each worker sends its users' share of the rate (by their activity). */
  private async mixSend(rate: number, durationMs: number, t0: number): Promise<void> {
    const weights = this.mix!.weights;
    const total = weights.reduce((a, b) => a + b, 0) || 1;
    let start = 0;
    const shares = this.mainCounts.map((n) => {
      let s = 0;
      for (let i = start; i < start + n; i++) s += weights[i]!;
      start += n;
      return s / total;
    });
    const sends = await this.fleet.all('mixSend', (w) => ({ rate: rate * shares[w]!, durationMs }));
    this.offered += sends.reduce((a, s) => a + s.offered, 0);
    this.sendSeconds += (Date.now() - t0) / 1000;
  }

  /**
   * Waits (at most `graceS`) until every send is answered and every acknowledged message arrived (the
   * client mix: and everyone is back online and synced).
   */
  async drain(graceS: number): Promise<void> {
    const deadline = Date.now() + graceS * 1000;
    for (;;) {
      const st = await this.fleet.all('status', () => ({}));
      const sum = st.reduce((a, s) => ({ p: a.p + s.pendingAcks, a: a.a + s.acked, d: a.d + s.delivered }), { p: 0, a: 0, d: 0 });
      let expected = this.groups ? expectedDeliveries(st, this.groups.groups) : sum.a;
      let settled = true;
      if (this.mix) {
        expected = st.reduce((n, s) => n + (s.mix?.expected ?? 0), 0);
        settled = st.every((s) => !s.mix || (s.mix.away === 0 && s.mix.syncing === 0));
      }
      if ((sum.p === 0 && sum.d >= expected && settled) || Date.now() >= deadline) break;
      await sleep(100);
    }
    this.marks.sendEnd = this.live.sample();
    await this.probe.stopRecording();
  }

  /** Collects every worker's figures, stops the workers and builds the result. */
  async finish(
    slo: { spec: string; terms: SloTerm[] } | undefined,
    params: { rate: number; durationS: number; ramp: number; churn?: number; reads?: number },
  ): Promise<ScenarioResult> {
    this.live.phase = 'done';
    let finals;
    try {
      finals = await this.fleet.all('final', () => ({}));
    } finally {
      this.live.stop();
      this.probe.stop();
      await this.fleet.stop();
    }
    this.mix?.onFinals(finals);
    const merged = mergeFinals(finals, this.groups?.groups ?? this.mix?.groups ?? 0);
    return buildResult({
      trial: this,
      merged,
      startedAt: this.startedAt,
      durationS: (Date.now() - this.t0) / 1000,
      params: { users: this.users, workers: this.fleet.size, sourceAddresses: this.sourceAddresses, churn: 0, reads: 0, ...params },
      slo,
    });
  }
}
