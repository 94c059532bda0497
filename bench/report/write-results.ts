/** Writes `<date>.json`, `<date>.md` and `<date>-<chart>.svg` into the results folder; returns the paths. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchResults } from './bench-results.ts';
import { charts } from './charts.ts';
import { markdownReport } from './markdown-report.ts';

export function writeResults(results: BenchResults, outDir: string): { json: string; markdown: string; charts: string[]; text: string } {
  mkdirSync(outDir, { recursive: true });
  const stamp = results.meta.date.replace(/:/g, '-').replace(/\..*$/, '');
  const name = `${stamp}${results.meta.mode === 'quick' ? '-quick' : ''}`;
  const json = join(outDir, `${name}.json`);
  writeFileSync(json, `${JSON.stringify(results, null, 2)}\n`);
  const chartPaths: string[] = [];
  for (const [chart, svg] of Object.entries(charts(results))) {
    const path = join(outDir, `${name}-${chart}.svg`);
    writeFileSync(path, svg);
    chartPaths.push(path);
  }
  const text = markdownReport(results);
  const markdown = join(outDir, `${name}.md`);
  const chartLinks = chartPaths.map((path) => `![${path.split('/').pop()}](${path.split('/').pop()})`).join('\n');
  writeFileSync(markdown, `${text}\n\n${chartLinks}\n`);
  return { json, markdown, charts: chartPaths, text };
}
