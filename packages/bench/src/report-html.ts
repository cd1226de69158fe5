import { curveText, type Curve } from './curve.js';
import type { BenchReport } from './report.js';
import type { ScenarioResult } from './result.js';
import { runSummary } from './summary-table.js';
import { escapeXml, lineChart } from './svg-chart.js';

/** Charts keep at most this many points per line (a day-long soak has 86400 seconds). */
const MAX_POINTS = 1500;

function charts(r: ScenarioResult): string[] {
  const step = Math.ceil(r.timeline.length / MAX_POINTS);
  const tl = step > 1 ? r.timeline.filter((_, i) => i % step === 0) : r.timeline;
  const pts = (f: (p: (typeof tl)[number]) => number | null): [number, number | null][] => tl.map((p) => [p.t, f(p)]);
  const out = [
    lineChart({
      title: 'Send → receive latency per second',
      xLabel: 'seconds',
      yLabel: 'ms',
      series: [
        { name: 'p50', color: '#1f77b4', points: pts((p) => p.p50) },
        { name: 'p99', color: '#d62728', points: pts((p) => p.p99) },
        { name: 'max', color: '#999999', points: pts((p) => p.max) },
      ],
    }),
    lineChart({
      title: 'Throughput',
      xLabel: 'seconds',
      yLabel: 'messages/s',
      series: [
        { name: 'sent', color: '#ff7f0e', points: pts((p) => p.sent) },
        { name: 'acked', color: '#2ca02c', points: pts((p) => p.acked) },
        { name: 'delivered', color: '#1f77b4', points: pts((p) => p.delivered) },
      ],
    }),
    lineChart({
      title: 'Connections',
      xLabel: 'seconds',
      yLabel: 'connections',
      series: [{ name: 'connected', color: '#9467bd', points: pts((p) => p.connected) }],
    }),
  ];
  if (tl.some((p) => p.rssMiB !== null))
    out.push(
      lineChart({
        title: 'Server process',
        xLabel: 'seconds',
        yLabel: 'MiB / % CPU',
        series: [
          { name: 'RSS MiB', color: '#8c564b', points: pts((p) => p.rssMiB) },
          { name: 'CPU %', color: '#e377c2', points: pts((p) => p.cpuPct) },
          { name: 'load CPU %', color: '#7f7f7f', points: pts((p) => p.loadCpuPct) },
        ],
      }),
    );
  return out;
}

/** A curve: its table and, with two rates or more, p50/p99/max against the offered rate. */
function curveSection(c: Curve): string {
  const pts = (f: (r: Curve['rows'][number]) => number | null): [number, number | null][] => c.rows.map((r) => [r.offered, f(r)]);
  const chart =
    c.rows.length >= 2
      ? lineChart({
          title: `${c.scenario} against ${c.against}: send → receive latency against offered load`,
          xLabel: 'offered msg/s',
          yLabel: 'ms',
          series: [
            { name: 'p50', color: '#1f77b4', points: pts((r) => r.p50) },
            { name: 'p99', color: '#d62728', points: pts((r) => r.p99) },
            { name: 'max', color: '#999999', points: pts((r) => r.max) },
          ],
        })
      : '';
  return `<section>\n<pre>${escapeXml(curveText(c).join('\n'))}</pre>\n${chart}\n</section>`;
}

/** The HTML report: the summary and, per run, inline SVG charts of latency, throughput and the server. */
export function renderHtml(rep: BenchReport): string {
  const runs = rep.runs
    .map(
      (r) => `<section>
<h2>${escapeXml(r.scenario)} — <span class="${r.pass ? 'pass' : 'fail'}">${r.pass ? 'PASS' : 'FAIL'}</span></h2>
<pre>${escapeXml(runSummary(r).join('\n'))}</pre>
${charts(r).join('\n')}
</section>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>warbler-bench ${escapeXml(rep.scenario)}</title>
<style>body{font-family:sans-serif;max-width:980px;margin:1em auto;padding:0 1em}pre{background:#f6f6f6;padding:.6em;overflow-x:auto}
.pass{color:#2a7d2a}.fail{color:#b00020}svg{display:block;margin:.6em 0}</style></head>
<body>
<h1>warbler-bench ${escapeXml(rep.scenario)}: <span class="${rep.pass ? 'pass' : 'fail'}">${rep.pass ? 'PASS' : 'FAIL'}</span></h1>
<p>${escapeXml(rep.startedAt)} — ${escapeXml(rep.finishedAt)}<br>
<code>${escapeXml(rep.command)}</code><br>
Machine: ${rep.machine.cpus} CPUs (${escapeXml(rep.machine.cpuModel)}), ${rep.machine.memoryGiB} GiB, Node ${escapeXml(rep.machine.node)}.
Server: ${escapeXml(rep.target.url)}${rep.target.spawned ? ' (spawned)' : ''}${rep.target.pinnedCpus ? `, pinned to CPU ${escapeXml(rep.target.pinnedCpus)}; load on CPU ${escapeXml(rep.target.loadCpus ?? '')}` : ''}.</p>
${rep.notes.map((n) => `<p>Note: ${escapeXml(n)}</p>`).join('\n')}
${runs}
${(rep.curves ?? []).map(curveSection).join('\n')}
</body></html>
`;
}
