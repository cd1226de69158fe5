import { HIST_NAMES } from './ipc.js';
import { cpuPercent, type ProcSample } from './proc-sampler.js';
import { summarize } from './latency-summary.js';
import type { Merged } from './merge-finals.js';
import type { ScenarioResult } from './result.js';
import { checkSlo, type SloFigures, type SloTerm } from './slo.js';
import type { Harness } from './harness.js';
import type { Live } from './live.js';
import type { MixSummary } from './result.js';
import type { ServerProbe } from './server-probe.js';

const r1 = (x: number) => Math.round(x * 10) / 10;
const r3 = (x: number) => Math.round(x * 1000) / 1000;
/** Four significant decimals: CPU per delivery is a few microseconds. */
const r4 = (x: number) => Math.round(x * 10000) / 10000;
const mib = (kb: number) => r1(kb / 1024);

/** Server readings at the moments the figures need. */
export interface Marks {
  beforeClients?: ProcSample;
  connected?: ProcSample;
  /** Connections open when `connected` was read. */
  connectedCount?: number;
  sendStart?: ProcSample;
  sendEnd?: ProcSample;
}

/** What the result reads of the trial it sums up (trial.ts's Trial is one). */
export interface TrialView {
  scenario: string;
  h: Pick<Harness, 'target' | 'placement'>;
  live: Pick<Live, 'samples' | 'timeline'>;
  probe: Pick<ServerProbe, 'summary'>;
  marks: Marks;
  offered: number;
  sendSeconds: number;
  /** group: the groups of the run. */
  groups: { groups: number; members: number } | undefined;
  /** realistic, pairs: what the result reports of the mix besides what the workers measured. */
  mix: { summary: Pick<MixSummary, 'knobs' | 'plan' | 'prefill'> } | undefined;
}

export interface BuildInput {
  trial: TrialView;
  merged: Merged;
  startedAt: Date;
  durationS: number;
  params: ScenarioResult['params'];
  slo: { spec: string; terms: SloTerm[] } | undefined;
}

function serverFigures(t: TrialView, messages: number, deliveries: number, connections: number): ScenarioResult['server'] {
  const samples = t.live.samples;
  const { beforeClients, connected, sendStart, sendEnd } = t.marks;
  if (samples.length === 0 || !beforeClients) return null;
  const last = samples.at(-1)!;
  const loaded: ProcSample = connected ?? last;
  // From the once-a-second readings only: readings taken close together (the marks) are too noisy.
  const cpuPeak = Math.max(0, ...t.live.timeline.map((p) => p.cpuPct ?? 0));
  const window: [ProcSample, ProcSample] = sendStart && sendEnd ? [sendStart, sendEnd] : [beforeClients, last];
  return {
    rssBeforeMiB: mib(beforeClients.rssKb),
    rssConnectedMiB: mib(loaded.rssKb),
    rssPeakMiB: mib(Math.max(...samples.map((s) => s.rssKb))),
    rssPerConnectionKiB: connections > 0 ? r1((loaded.rssKb - beforeClients.rssKb) / connections) : null,
    cpuAvgPct: r1(cpuPercent(window[0], window[1])),
    cpuPeakPct: r1(cpuPeak),
    cpuMsPerMessage: sendStart && sendEnd && messages > 0 ? r4((sendEnd.cpuMs - sendStart.cpuMs) / messages) : null,
    cpuMsPerDelivery: sendStart && sendEnd && deliveries > 0 ? r4((sendEnd.cpuMs - sendStart.cpuMs) / deliveries) : null,
  };
}

/** Turns the merged figures of a trial into its result, with the verdict. */
export function buildResult(b: BuildInput): ScenarioResult {
  const { trial: t, merged: m } = b;
  const c = m.counters;
  const sendS = t.sendSeconds;
  const latency: ScenarioResult['latency'] = {};
  const histograms: ScenarioResult['histograms'] = {};
  for (const n of HIST_NAMES) {
    if (m.hists[n].count === 0) continue;
    latency[n] = summarize(m.hists[n]);
    histograms[n] = m.hists[n].toSparse();
  }
  const errorsTotal = Object.values(m.errors).reduce((a, n) => a + n, 0);
  const group = t.groups;
  const messages: ScenarioResult['messages'] = {
    offered: t.offered,
    attempted: c.attempted,
    sent: c.acked,
    expected: m.expected,
    delivered: c.delivered,
    missing: m.missing,
    duplicates: c.duplicates,
    outOfOrder: c.outOfOrder,
    unexpected: m.unexpected,
    failed: c.sendErrors,
    unacked: c.unacked,
    skipped: c.skipped,
    sendSeconds: r1(sendS),
    offeredRate: b.params.rate,
    achievedRate: m.ackWindowS > 0 ? r1(c.acked / m.ackWindowS) : 0,
    deliveredRate: m.deliveryWindowS > 0 ? r1(c.delivered / m.deliveryWindowS) : 0,
  };
  const failures: string[] = [];
  const warnings: string[] = [];
  if (t.mix) {
    if (m.missing > 0) failures.push(`${m.missing} deliveries missing: acknowledged messages a recipient never got, by push or by sync`);
    if (m.unexpected > 0) {
      const why = `${m.unexpected} deliveries more than the acknowledged messages account for`;
      if (c.unacked > 0) warnings.push(`${why} (${c.unacked} send(s) went unanswered)`);
      else failures.push(why);
    }
  } else if (group) {
    if (m.missing > 0) failures.push(`${m.missing} deliveries missing: acknowledged group messages that a member online never received`);
    if (m.unexpected > 0) {
      const why = `${m.unexpected} deliveries more than the acknowledged messages account for`;
      // Messages stored but not acknowledged in time are delivered too: only then is it no failure.
      if (c.unacked > 0) warnings.push(`${why} (${c.unacked} send(s) went unanswered)`);
      else failures.push(why);
    }
    if (c.selfPushes > 0) failures.push(`${c.selfPushes} push(es) of a member's own message to its sending connection`);
    if (c.receiversLost > 0)
      warnings.push(`${c.receiversLost} member(s) lost their connection while sending: their deliveries are not checked`);
  } else if (m.missing > 0) failures.push(`${m.missing} acknowledged message(s) never delivered`);
  if (c.duplicates > 0) failures.push(`${c.duplicates} message(s) delivered more than once`);
  if (c.outOfOrder > 0) failures.push(`${c.outOfOrder} message(s) delivered out of order`);
  let slo: ScenarioResult['slo'] = null;
  if (b.slo) {
    const figures: SloFigures = {
      latency,
      expected: m.expected,
      delivered: c.delivered,
      errors: errorsTotal,
      offeredRate: messages.offeredRate,
      achievedRate: messages.achievedRate,
    };
    const r = checkSlo(b.slo.terms, figures);
    slo = { spec: b.slo.spec, ...r };
    for (const ch of r.checks) if (!ch.pass) failures.push(`slo ${ch.term}: measured ${ch.actual === null ? 'nothing' : r3(ch.actual)}`);
  }
  const tl = t.live.timeline.filter((p) => p.loadCpuPct !== null);
  const cpus = t.h.placement.loadCpuCount;
  const load = {
    cpus,
    cpuAvgPct: tl.length ? r1(tl.reduce((a, p) => a + p.loadCpuPct!, 0) / tl.length) : 0,
    cpuPeakPct: Math.max(0, ...tl.map((p) => p.loadCpuPct!)),
  };
  const hot = [...new Set(tl.filter((p) => p.loadCpuPct! >= 90 * cpus).map((p) => p.phase))];
  if (hot.length > 0)
    warnings.push(
      `the load generator was saturated during ${hot.join(', ')} (${load.cpuPeakPct}% CPU on ${cpus} CPU(s)): latencies then include its own delays`,
    );
  if (c.slowPushes > 0)
    warnings.push(
      `${c.slowPushes} push(es) were parsed as JSON, not read by the fast scan (has the server's push layout changed? see push-scan.ts): the receive path was slower`,
    );
  if (c.foreign > 0) warnings.push(`${c.foreign} message(s) from outside this run were received (a shared server?)`);
  let mix: ScenarioResult['mix'] = null;
  if (t.mix && m.mix) {
    // The cursors go to the next trial, not into the report.
    const figures: Partial<typeof m.mix> = { ...m.mix };
    delete figures.cursors;
    mix = { ...t.mix.summary, ...(figures as Omit<typeof m.mix, 'cursors'>) };
  }
  return {
    scenario: t.scenario,
    against: t.h.target,
    startedAt: b.startedAt.toISOString(),
    durationS: r1(b.durationS),
    pass: failures.length === 0,
    failures,
    params: b.params,
    connections: { attempted: c.connectsOk + c.connectsFailed, ok: c.connectsOk, failed: c.connectsFailed, peak: c.peakConnected },
    messages,
    fanout: group
      ? {
          groups: group.groups,
          members: group.members,
          receivers: m.receivers,
          receiversLost: c.receiversLost,
          offeredDeliveryRate: r1(b.params.rate * (group.members - 1)),
        }
      : null,
    latency,
    errors: { total: errorsTotal, byCode: m.errors },
    server: serverFigures(t, group || t.mix ? c.acked : c.delivered, c.delivered, t.marks.connectedCount ?? 0),
    probe: t.probe.summary(),
    mix,
    load,
    warnings,
    slo,
    timeline: t.live.timeline,
    histograms,
  };
}
