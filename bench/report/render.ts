/**
 * Re-renders the Markdown and charts of an earlier run from its JSON (after a change to the
 * report code): `node bench/report/render.ts bench/results/<date>.json`.
 */
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { BenchResults } from './bench-results.ts';
import { writeResults } from './write-results.ts';

const path = process.argv[2];
if (!path) {
  process.stderr.write('usage: node bench/report/render.ts bench/results/<date>.json\n');
  process.exit(2);
}
const written = writeResults(JSON.parse(readFileSync(path, 'utf8')) as BenchResults, dirname(path));
process.stdout.write(`${written.text}\n\nwritten: ${written.markdown}, ${written.charts.join(', ')}\n`);
