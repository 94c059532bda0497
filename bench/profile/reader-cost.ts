/**
 * CPU per token of reading the upstream alone, the lean reader against the AI SDK package, in one
 * process and one session: `node bench/profile/reader-cost.ts [--streams 100] [--tokens 300]
 * [--rate 100] [--rounds 3] [--only lean|ai-sdk]` (`--only`: to profile one client under `--cpu-prof`). Both clients come from the real model registry (one
 * `openai-compatible` provider that differs only in `client`) and read the bench's own upstream
 * (its own process, so its CPU is not counted). Rounds alternate the two clients so that a busy
 * machine weighs on both alike; each round runs `streams` steps at once and counts this process's
 * user+system CPU until the last one finishes. Nothing but the stream parts is consumed: this is
 * the cost the capacity scenario's server pays per token before any of Confab's own work.
 */
import { parseArgs } from 'node:util';
import { loadavg } from 'node:os';
import { createModelRegistry } from '../../src/providers/model-registry.ts';
import { loadProviderConfig } from '../../src/providers/provider-config.ts';
import { formatSpec } from '../upstream/stream-spec.ts';
import { startUpstream } from '../upstream/upstream-handle.ts';

const { values } = parseArgs({
  options: {
    streams: { type: 'string', default: '100' },
    tokens: { type: 'string', default: '300' },
    rate: { type: 'string', default: '100' },
    rounds: { type: 'string', default: '3' },
    only: { type: 'string' },
  },
});
const streams = Number(values.streams);
const tokens = Number(values.tokens);
const rate = Number(values.rate);
const rounds = Number(values.rounds);

const upstream = await startUpstream();
const registry = (client: 'lean' | 'ai-sdk') =>
  createModelRegistry(
    loadProviderConfig({
      env: {},
      configPath: '/virtual/confab.json',
      readFile: () => JSON.stringify({ providers: { bench: { type: 'openai-compatible', baseURL: `${upstream.url}/v1`, models: ['m'], client } } }),
    }),
  );
const sources = { lean: registry('lean').resolve('bench/m').source, 'ai-sdk': registry('ai-sdk').resolve('bench/m').source };

async function round(client: 'lean' | 'ai-sdk', index: number): Promise<number> {
  const before = process.cpuUsage();
  let seen = 0;
  await Promise.all(
    Array.from({ length: streams }, async (_, i) => {
      const text = formatSpec({ key: `${client}-${index}-${i}`, tokens, rate, size: 4, burst: 1, firstTokenMs: 0 });
      for await (const part of sources[client].stream({ system: '', messages: [{ role: 'user', text }], tools: [], signal: new AbortController().signal })) {
        if (part.type === 'text-delta') seen++;
      }
    }),
  );
  const used = process.cpuUsage(before);
  if (seen !== streams * tokens) throw new Error(`${client}: ${seen} of ${streams * tokens} tokens`);
  return (used.user + used.system) / seen;
}

const results: Record<'lean' | 'ai-sdk', number[]> = { lean: [], 'ai-sdk': [] };
const clients = (_index: number) => (['ai-sdk', 'lean'] as const).filter((client) => values.only === undefined || values.only === client);
for (const client of clients(0)) await round(client, -1); // warm-up
for (let index = 0; index < rounds; index++) {
  for (const client of index % 2 === 0 ? clients(index) : [...clients(index)].reverse()) results[client].push(await round(client, index));
}
await upstream.stop();
const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
const fmt = (list: number[]) => list.map((value) => value.toFixed(1)).join(', ');
process.stdout.write(`${streams} streams × ${tokens} tokens at ${rate}/s, ${rounds} rounds, load ${loadavg()[0].toFixed(2)}\n`);
for (const client of ['ai-sdk', 'lean'] as const) {
  if (results[client].length > 0) process.stdout.write(`CPU µs per token, ${client}: median ${median(results[client]).toFixed(1)} (${fmt(results[client])})\n`);
}
if (values.only === undefined) process.stdout.write(`lean ÷ AI SDK: ${(median(results.lean) / median(results['ai-sdk'])).toFixed(2)}×\n`);
