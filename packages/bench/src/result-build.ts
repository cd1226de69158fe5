import { HIST_NAMES } from './ipc.js';
import { cpuPercent, type ProcSample } from './proc-sampler.js';
import { summarize, type Merged, type ScenarioResult } from './result.js';
import { checkSlo, type SloFigures, type SloTerm } from './slo.js';
import type { Trial } from './trial.js';

const r1 = (x: number) => Math.round(x * 10) / 10;
const r3 = (x: number) => Math.round(x * 1000) / 1000;
const mib = (kb: number) => r1(kb / 1024);

export interface BuildInput {
  trial: Trial;
  merged: Merged;
  startedAt: Date;
  durationS: number;
  params: ScenarioResult['params'];
  slo: { spec: string; terms: SloTerm[] } | undefined;
}

function serverFigures(t: Trial, delivered: number, connections: number): ScenarioResult['server'] {
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
    cpuMsPerMessage: sendStart && sendEnd && delivered > 0 ? r3((sendEnd.cpuMs - sendStart.cpuMs) / delivered) : null,
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
  const messages: ScenarioResult['messages'] = {
    offered: t.offered,
    attempted: c.attempted,
    sent: c.acked,
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
  if (m.missing > 0) failures.push(`${m.missing} acknowledged message(s) never delivered`);
  if (c.duplicates > 0) failures.push(`${c.duplicates} message(s) delivered more than once`);
  if (c.outOfOrder > 0) failures.push(`${c.outOfOrder} message(s) delivered out of order`);
  let slo: ScenarioResult['slo'] = null;
  if (b.slo) {
    const figures: SloFigures = {
      latency,
      sent: c.acked,
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
  const warnings: string[] = [];
  const hot = [...new Set(tl.filter((p) => p.loadCpuPct! >= 90 * cpus).map((p) => p.phase))];
  if (hot.length > 0)
    warnings.push(
      `the load generator was saturated during ${hot.join(', ')} (${load.cpuPeakPct}% CPU on ${cpus} CPU(s)): latencies then include its own delays`,
    );
  if (c.foreign > 0) warnings.push(`${c.foreign} message(s) from outside this run were received (a shared server?)`);
  return {
    scenario: t.scenario,
    startedAt: b.startedAt.toISOString(),
    durationS: r1(b.durationS),
    pass: failures.length === 0,
    failures,
    params: b.params,
    connections: { attempted: c.connectsOk + c.connectsFailed, ok: c.connectsOk, failed: c.connectsFailed, peak: c.peakConnected },
    messages,
    latency,
    errors: { total: errorsTotal, byCode: m.errors },
    server: serverFigures(t, c.delivered, t.marks.connectedCount ?? 0),
    load,
    warnings,
    slo,
    timeline: t.live.timeline,
    histograms,
  };
}
