/**
 * The engine's own hot path, without sockets or a provider: one run streams N deltas from a
 * scripted source to S in-process subscribers; prints the CPU milliseconds per 1000 deltas of
 * each round (sorted) and the median. Compare two checkouts on the same machine, interleaved:
 *   node bench/profile/engine-hot-path.ts /path/to/checkout-a; node bench/profile/engine-hot-path.ts /path/to/checkout-b
 */
const root = process.argv[2] ?? new URL('../..', import.meta.url).pathname.replace(/\/$/, '');
const { makeHub, EventCollector, isRunEnd } = await import(`${root}/test/support/hub-fixture.ts`);
const { ScriptedSource, textStep } = await import(`${root}/test/support/scripted-source.ts`);
const N = 20000, S = 10, ROUNDS = 5;
const results: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  const deltas = Array.from({ length: N }, (_, i) => ` w${i}`);
  const source = new ScriptedSource().enqueue(textStep(deltas));
  const f = await makeHub(source);
  const subs = [];
  for (let i = 0; i < S; i++) subs.push(new EventCollector(await f.hub.subscribe(f.conversation.id)));
  const start = process.cpuUsage();
  await f.hub.send(f.conversation.id, { content: 'go' });
  await subs[0].waitFor(isRunEnd, 120000);
  const used = process.cpuUsage(start);
  results.push((used.user + used.system) / 1000 / (N / 1000));
  for (const s of subs) s.close();
  await f.cleanup();
}
results.sort((a, b) => a - b);
console.log(JSON.stringify({ root, cpuMsPer1000Deltas: results.map((r) => +r.toFixed(1)), median: +results[2].toFixed(1) }));
