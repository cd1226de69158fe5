/** One line of a chart: points (x, y); a null y breaks the line. */
export interface Series {
  name: string;
  color: string;
  points: [number, number | null][];
}

export interface ChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  width?: number;
  height?: number;
}

export function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** About five round tick values from 0 to at least `max`. */
export function niceTicks(max: number): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / 5;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((f) => f * mag).find((s) => s >= raw) ?? raw;
  const ticks: number[] = [];
  for (let v = 0; v < max + step && ticks.length < 12; v += step) ticks.push(Math.round(v * 1e6) / 1e6);
  return ticks;
}

/** A self-contained SVG line chart with axes, ticks and a legend. */
export function lineChart(c: ChartSpec): string {
  const W = c.width ?? 720;
  const H = c.height ?? 240;
  const m = { l: 56, r: 12, t: 28, b: 36 };
  const xs = c.series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = c.series.flatMap((s) => s.points.map((p) => p[1]).filter((y): y is number => y !== null));
  const xTicks = niceTicks(Math.max(1, ...xs));
  const yTicks = niceTicks(Math.max(0, ...ys));
  const xMax = xTicks.at(-1)!;
  const yMax = yTicks.at(-1)!;
  const X = (x: number) => m.l + (x / xMax) * (W - m.l - m.r);
  const Y = (y: number) => H - m.b - (y / yMax) * (H - m.t - m.b);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<text x="${m.l}" y="16" font-size="13" font-weight="bold">${escapeXml(c.title)}</text>`,
  ];
  for (const y of yTicks)
    parts.push(
      `<line x1="${m.l}" x2="${W - m.r}" y1="${Y(y)}" y2="${Y(y)}" stroke="#ddd"/>`,
      `<text x="${m.l - 4}" y="${Y(y) + 4}" text-anchor="end">${y}</text>`,
    );
  for (const x of xTicks) parts.push(`<text x="${X(x)}" y="${H - m.b + 14}" text-anchor="middle">${x}</text>`);
  parts.push(
    `<line x1="${m.l}" x2="${m.l}" y1="${m.t}" y2="${H - m.b}" stroke="#333"/>`,
    `<line x1="${m.l}" x2="${W - m.r}" y1="${H - m.b}" y2="${H - m.b}" stroke="#333"/>`,
    `<text x="${(m.l + W - m.r) / 2}" y="${H - 4}" text-anchor="middle">${escapeXml(c.xLabel)}</text>`,
    `<text x="12" y="${(m.t + H - m.b) / 2}" text-anchor="middle" transform="rotate(-90 12 ${(m.t + H - m.b) / 2})">${escapeXml(c.yLabel)}</text>`,
  );
  c.series.forEach((s, i) => {
    const runs: string[][] = [[]];
    for (const [x, y] of s.points) {
      if (y === null) runs.push([]);
      else runs.at(-1)!.push(`${X(x).toFixed(1)},${Y(y).toFixed(1)}`);
    }
    for (const r of runs.filter((r) => r.length > 0))
      parts.push(
        r.length === 1
          ? `<circle cx="${r[0]!.split(',')[0]}" cy="${r[0]!.split(',')[1]}" r="2" fill="${s.color}"/>`
          : `<polyline fill="none" stroke="${s.color}" stroke-width="1.5" points="${r.join(' ')}"/>`,
      );
    const lx = W - m.r - 150;
    const ly = m.t + 4 + i * 14;
    parts.push(
      `<line x1="${lx}" x2="${lx + 16}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="2"/>`,
      `<text x="${lx + 20}" y="${ly + 4}">${escapeXml(s.name)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n');
}
