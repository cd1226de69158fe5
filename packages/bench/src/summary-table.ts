import { curveText } from './curve.js';
import type { BenchReport } from './report.js';
import type { LatencySummary } from './latency-summary.js';
import type { ScenarioResult } from './result.js';

const COLS = ['count', 'p50', 'p90', 'p99', 'p999', 'max'] as const;
const LABELS: Record<string, string> = {
  connect: 'connect',
  login: 'login (resume)',
  reconnect: 'reconnect',
  relogin: 'relogin',
  delivery: 'send → receive',
  ack: 'send → ack',
  read: 'read (conv.list)',
  syncDelivery: 'send → receive (sync)',
  receipt: 'conv.delivered',
  readReceipt: 'conv.read',
  typing: 'typing',
  history: 'msg.history',
  sync: 'sync',
};
/** The client mix's request kinds as the protocol names them. */
const OP_LABELS: Record<string, string> = {
  receipt: 'conv.delivered',
  readReceipt: 'conv.read',
  typing: 'typing',
  history: 'msg.history',
  list: 'conv.list',
  sync: 'sync',
};

function fmt(n: number): string {
  return n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2);
}

function latencyTable(lat: Partial<Record<string, LatencySummary>>): string[] {
  const rows = Object.entries(lat).filter((e): e is [string, LatencySummary] => e[1] !== undefined);
  if (rows.length === 0) return [];
  const head = `  ${'latency (ms)'.padEnd(20)}` + COLS.map((c) => (c === 'p999' ? 'p99.9' : c).padStart(9)).join('');
  return [
    head,
    ...rows.map(
      ([k, s]) => `  ${(LABELS[k] ?? k).padEnd(20)}` + COLS.map((c) => (c === 'count' ? String(s.count) : fmt(s[c])).padStart(9)).join(''),
    ),
  ];
}

/** realistic, pairs: the people, what their apps did besides sending, and what they received. */
function mixLines(r: ScenarioResult): string[] {
  const x = r.mix;
  if (!x) return [];
  const pl = x.plan;
  const k = x.knobs;
  const ops = Object.entries(x.ops)
    .filter(([, v]) => v.count > 0)
    .map(
      ([op, v]) =>
        `${OP_LABELS[op] ?? op} ${v.count}${v.errors ? ` (${v.errors} errors)` : ''}${v.lost ? ` (${v.lost} lost with a connection)` : ''}`,
    );
  const events = Object.entries(x.events).map(([e, n]) => `${e} ${n}`);
  const pct = (n: number) => (r.messages.sent > 0 ? `${((100 * n) / r.messages.sent).toFixed(1)}%` : '0%');
  return [
    `  people: ${pl.users} users, ${pl.convsPerUser.mean} one-to-one conversations each at the start (p50 ${pl.convsPerUser.p50}, ` +
      `p99 ${pl.convsPerUser.p99}, max ${pl.convsPerUser.max}), ` +
      `${pl.groups > 0 ? `${pl.groups} groups of ${pl.groupSize.min}–${pl.groupSize.max} (mean ${pl.groupSize.mean})` : 'no groups'}; ` +
      `store: ${x.prefill ? `${x.prefill.messages} messages pre-filled` : 'empty at the start'}`,
    `  mix: new conversations ${pct(x.newConversations)}, typed ${pct(x.typed)}, delivery receipts ${k.deliveryReceipts ? `every ${k.receiptMs} ms per conversation` : 'off'}, ` +
      `${x.awayCycles} offline periods, ${x.reconnects} reconnections after a drop, ${x.deliveredBySync} deliveries by sync, ` +
      `longest pause between pushes ${x.maxPushGapMs} ms`,
    `  requests: ${ops.join(', ') || 'none'}`,
    `  events received: ${events.join(', ') || 'none'}`,
  ];
}

/** What the server said over HTTP while sending. */
function probeLine(r: ScenarioResult): string[] {
  const p = r.probe;
  if (!p || (!p.healthz && p.eventLoopLagP99Ms === null && !p.commits)) return [];
  const parts: string[] = [];
  if (p.healthz)
    parts.push(
      `/healthz p50 ${fmt(p.healthz.p50)} ms, p99 ${fmt(p.healthz.p99)} ms, max ${fmt(p.healthz.max)} ms (${p.healthzTimeouts} timeouts)`,
    );
  if (p.eventLoopLagP99Ms !== null) parts.push(`event-loop delay p99 ${fmt(p.eventLoopLagP99Ms)} ms since start`);
  if (p.commits)
    parts.push(
      `${p.commits.count} commits (${p.commits.perSecond}/s, mean ${p.commits.meanMs} ms, ${p.commits.messagesPerCommit} messages each)`,
    );
  return [`  server over HTTP: ${parts.join('; ')}`];
}

/** The end-of-run summary of one scenario, as text lines. */
export function runSummary(r: ScenarioResult): string[] {
  const p = r.params;
  const m = r.messages;
  const out = [
    `== ${r.scenario}${r.against === 'relay' ? ' against the relay' : ''}: ${p.users} users, ${p.rate} msg/s offered, ${p.workers} worker(s), ${r.durationS} s — ${r.pass ? 'PASS' : 'FAIL'}`,
    `  connections: ${r.connections.ok} ok, ${r.connections.failed} failed, peak ${r.connections.peak}`,
    ...latencyTable(r.latency),
  ];
  const g = r.fanout;
  if (g) {
    out.splice(
      2,
      0,
      `  groups: ${g.groups} of ${g.members} members; ${g.receivers} receivers checked${g.receiversLost ? `, ${g.receiversLost} lost while sending` : ''}`,
    );
    out.push(
      `  messages: offered ${m.offered}, sent ${m.attempted}, acked ${m.sent}, skipped ${m.skipped}, refused ${m.failed}, unanswered ${m.unacked}`,
      `  deliveries: expected ${m.expected}, delivered ${m.delivered}, missing ${m.missing}, duplicates ${m.duplicates}, ` +
        `out of order ${m.outOfOrder}, unexpected ${m.unexpected}`,
      `  throughput: offered ${m.offeredRate} msg/s (${g.offeredDeliveryRate} deliveries/s), acked ${m.achievedRate} msg/s, ` +
        `delivered ${m.deliveredRate} deliveries/s (sending for ${m.sendSeconds} s)`,
    );
  } else if (r.mix) {
    out.push(
      ...mixLines(r),
      `  messages: offered ${m.offered}, sent ${m.attempted}, acked ${m.sent}, skipped ${m.skipped}, refused ${m.failed}, unanswered ${m.unacked}`,
      `  deliveries (to every recipient's app, by push or sync): expected ${m.expected}, delivered ${m.delivered}, missing ${m.missing}, ` +
        `duplicates ${m.duplicates}, out of order ${m.outOfOrder}, unexpected ${m.unexpected}`,
      `  throughput: offered ${m.offeredRate} msg/s, acked ${m.achievedRate} msg/s, delivered ${m.deliveredRate} deliveries/s (sending for ${m.sendSeconds} s)`,
    );
  } else if (m.offered > 0 || m.attempted > 0) {
    out.push(
      `  messages: offered ${m.offered}, sent ${m.attempted}, acked ${m.sent}, delivered ${m.delivered}, missing ${m.missing}, ` +
        `duplicates ${m.duplicates}, out of order ${m.outOfOrder}, skipped ${m.skipped}, refused ${m.failed}, unanswered ${m.unacked}`,
      `  throughput: offered ${m.offeredRate}/s, acked ${m.achievedRate}/s, delivered ${m.deliveredRate}/s (sending for ${m.sendSeconds} s)`,
    );
  }
  const codes = Object.entries(r.errors.byCode).map(([k, n]) => `${k} ${n}`);
  out.push(`  errors: ${r.errors.total}${codes.length ? ` (${codes.join(', ')})` : ''}`);
  const s = r.server;
  if (s) {
    out.push(
      `  server: RSS ${s.rssBeforeMiB} MiB before clients, ${s.rssConnectedMiB} MiB connected` +
        `${s.rssPerConnectionKiB !== null ? ` (${s.rssPerConnectionKiB} KiB per connection)` : ''}, peak ${s.rssPeakMiB} MiB; ` +
        `CPU ${s.cpuAvgPct}% avg, ${s.cpuPeakPct}% peak${s.cpuMsPerMessage !== null ? `, ${s.cpuMsPerMessage} ms CPU per message` : ''}` +
        `${g && s.cpuMsPerDelivery !== null ? `, ${s.cpuMsPerDelivery} ms per delivery` : ''}`,
    );
  }
  out.push(...probeLine(r));
  out.push(`  load generator: CPU ${r.load.cpuAvgPct}% avg, ${r.load.cpuPeakPct}% peak of ${r.load.cpus * 100}%`);
  for (const w of r.warnings) out.push(`  warning: ${w}`);
  if (r.slo)
    out.push(`  slo ${r.slo.spec}: ${r.slo.checks.map((c) => `${c.term} ${c.skipped ? 'n/a' : c.pass ? 'ok' : 'MISSED'}`).join(', ')}`);
  for (const f of r.failures) out.push(`  FAIL: ${f}`);
  return out;
}

/** The whole summary printed on stdout at the end. */
export function summaryText(rep: BenchReport): string {
  const t = rep.target;
  const lines = [
    `warbler-bench ${rep.scenario} against ${t.url}${t.spawned ? ` (spawned${t.pinnedCpus ? `, server on CPU ${t.pinnedCpus}, load on CPU ${t.loadCpus}` : ''})` : ''}`,
    ...rep.notes.map((n) => `note: ${n}`),
    ...rep.runs.flatMap(runSummary),
    ...(rep.curves ?? []).flatMap(curveText),
    `result: ${rep.pass ? 'PASS' : 'FAIL'}`,
  ];
  return lines.join('\n') + '\n';
}
