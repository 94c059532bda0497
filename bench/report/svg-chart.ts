/**
 * Two small chart kinds drawn as standalone SVG text (no library, no service): a line chart (one
 * line per system, optional log axes) and a grouped bar chart.
 */
export type Series = { name: string; points: [number, number][]; color?: string };
export type Bar = { name: string; value: number | null; color?: string };

const width = 780;
const height = 420;
const margin = { top: 48, right: 220, bottom: 56, left: 72 };
const colors = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b'];

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function frame(title: string, xLabel: string, yLabel: string, body: string): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="24" text-anchor="middle" font-size="15" font-weight="bold">${escape(title)}</text>`,
    `<text x="${margin.left + (width - margin.left - margin.right) / 2}" y="${height - 14}" text-anchor="middle">${escape(xLabel)}</text>`,
    `<text transform="translate(18 ${margin.top + (height - margin.top - margin.bottom) / 2}) rotate(-90)" text-anchor="middle">${escape(yLabel)}</text>`,
    body,
    '</svg>',
    '',
  ].join('\n');
}

type Scale = { map(value: number): number; ticks: number[] };

function scale(values: number[], from: number, to: number, log: boolean): Scale {
  const positive = values.filter((value) => value > 0);
  if (log && positive.length > 0) {
    const low = Math.floor(Math.log10(Math.min(...positive)));
    const high = Math.max(low + 1, Math.ceil(Math.log10(Math.max(...positive))));
    const ticks = Array.from({ length: high - low + 1 }, (_, i) => 10 ** (low + i));
    return { map: (value) => from + ((Math.log10(Math.max(value, 10 ** low)) - low) / (high - low)) * (to - from), ticks };
  }
  const max = niceCeiling(Math.max(1e-9, ...values));
  const ticks = Array.from({ length: 6 }, (_, i) => (max * i) / 5);
  return { map: (value) => from + (value / max) * (to - from), ticks };
}

function niceCeiling(value: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * magnitude >= value) return step * magnitude;
  return 10 * magnitude;
}

const label = (value: number) => (value >= 1000 ? `${Math.round(value / 100) / 10}k` : String(Math.round(value * 100) / 100));

function legend(entries: { name: string; color: string }[]): string {
  return entries
    .map(({ name, color }, i) => {
      const y = margin.top + 10 + i * 20;
      const x = width - margin.right + 16;
      return `<rect x="${x}" y="${y - 9}" width="12" height="12" fill="${color}"/><text x="${x + 18}" y="${y + 1}">${escape(name)}</text>`;
    })
    .join('\n');
}

const colorAt = (i: number) => colors[i % colors.length];

export function lineChart(options: { title: string; xLabel: string; yLabel: string; series: Series[]; logX?: boolean; logY?: boolean }): string {
  const all = options.series.flatMap((series) => series.points);
  const x = scale(all.map(([value]) => value), margin.left, width - margin.right, options.logX ?? false);
  const y = scale(all.map(([, value]) => value), height - margin.bottom, margin.top, options.logY ?? false);
  const grid = [
    ...y.ticks.map((tick) => `<line x1="${margin.left}" x2="${width - margin.right}" y1="${y.map(tick)}" y2="${y.map(tick)}" stroke="#ddd"/><text x="${margin.left - 6}" y="${y.map(tick) + 4}" text-anchor="end">${label(tick)}</text>`),
    ...x.ticks.map((tick) => `<text x="${x.map(tick)}" y="${height - margin.bottom + 18}" text-anchor="middle">${label(tick)}</text>`),
    `<line x1="${margin.left}" x2="${margin.left}" y1="${margin.top}" y2="${height - margin.bottom}" stroke="#333"/>`,
    `<line x1="${margin.left}" x2="${width - margin.right}" y1="${height - margin.bottom}" y2="${height - margin.bottom}" stroke="#333"/>`,
  ];
  const lines = options.series.map((series, i) => {
    const color = series.color ?? colorAt(i);
    const points = series.points.map(([px, py]) => `${x.map(px).toFixed(1)},${y.map(py).toFixed(1)}`);
    const dots = series.points.map(([px, py]) => `<circle cx="${x.map(px).toFixed(1)}" cy="${y.map(py).toFixed(1)}" r="3.5" fill="${color}"><title>${escape(series.name)}: ${label(px)} → ${label(py)}</title></circle>`);
    return `<polyline fill="none" stroke="${color}" stroke-width="2" points="${points.join(' ')}"/>\n${dots.join('\n')}`;
  });
  const entries = options.series.map((series, i) => ({ name: series.name, color: series.color ?? colorAt(i) }));
  return frame(options.title, options.xLabel, options.yLabel, [...grid, ...lines, legend(entries)].join('\n'));
}

export function barChart(options: { title: string; yLabel: string; xLabel?: string; groups: { label: string; bars: Bar[] }[]; logY?: boolean }): string {
  const names = [...new Set(options.groups.flatMap((group) => group.bars.map((bar) => bar.name)))];
  const colorOf = new Map(options.groups.flatMap((group) => group.bars).map((bar) => [bar.name, bar.color]));
  const color = (name: string) => colorOf.get(name) ?? colorAt(names.indexOf(name));
  const values = options.groups.flatMap((group) => group.bars.map((bar) => bar.value ?? 0));
  const y = scale(values, height - margin.bottom, margin.top, options.logY ?? false);
  const plotWidth = width - margin.left - margin.right;
  const groupWidth = plotWidth / Math.max(1, options.groups.length);
  const barWidth = (groupWidth * 0.8) / Math.max(1, names.length);
  const parts = [
    ...y.ticks.map((tick) => `<line x1="${margin.left}" x2="${width - margin.right}" y1="${y.map(tick)}" y2="${y.map(tick)}" stroke="#ddd"/><text x="${margin.left - 6}" y="${y.map(tick) + 4}" text-anchor="end">${label(tick)}</text>`),
    `<line x1="${margin.left}" x2="${width - margin.right}" y1="${height - margin.bottom}" y2="${height - margin.bottom}" stroke="#333"/>`,
  ];
  options.groups.forEach((group, g) => {
    const left = margin.left + g * groupWidth + groupWidth * 0.1;
    parts.push(`<text x="${left + groupWidth * 0.4}" y="${height - margin.bottom + 18}" text-anchor="middle">${escape(group.label)}</text>`);
    group.bars.forEach((bar) => {
      const i = names.indexOf(bar.name);
      const x = left + i * barWidth;
      if (bar.value === null) {
        parts.push(`<text x="${x + barWidth / 2}" y="${height - margin.bottom - 6}" text-anchor="middle" font-size="10" fill="#888">n/a</text>`);
        return;
      }
      const top = y.map(bar.value);
      parts.push(
        `<rect x="${x.toFixed(1)}" y="${top.toFixed(1)}" width="${(barWidth * 0.92).toFixed(1)}" height="${(height - margin.bottom - top).toFixed(1)}" fill="${color(bar.name)}"><title>${escape(bar.name)}: ${label(bar.value)}</title></rect>`,
        `<text x="${x + barWidth / 2}" y="${top - 4}" text-anchor="middle" font-size="10">${label(bar.value)}</text>`,
      );
    });
  });
  parts.push(legend(names.map((name) => ({ name, color: color(name) }))));
  return frame(options.title, options.xLabel ?? '', options.yLabel, parts.join('\n'));
}
