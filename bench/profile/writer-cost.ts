/**
 * What SQLite writes cost the event loop, inline against the writer thread (sqlite-writer.ts),
 * without HTTP: a hub over a SQLite file with the journal (as `confab serve` builds it),
 * C conversations each streaming N deltas at R per second from a paced source, one subscriber
 * each, the two writers in alternating rounds in one process. Per round: how long the event loop
 * was held inside write calls (each call timed: the whole commit inline, the hand-over to the
 * thread otherwise; p99, max, total), the event-loop delay (p99, max; `monitorEventLoopDelay`,
 * 1 ms resolution subtracted), CPU µs per delta on the main thread and in the whole process, and
 * each delta's latency from the source yielding it to the subscriber receiving it (p99).
 * `--intervals 0,2` compares journal commit intervals (`commitIntervalMs`) instead, on `--writers`
 * (default both): each variant's journal transactions per 1000 deltas and delta latency p50 too;
 * `--spread` starts each stream at a random point of its period.
 *   node bench/profile/writer-cost.ts [--conversations 50] [--deltas 300] [--rate 50] [--rounds 3] [--writers inline,worker] [--intervals 0] [--spread]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { JournalEventLog } from '../../src/engine/event-log/journal-event-log.ts';
import { SessionHub } from '../../src/engine/session-hub.ts';
import type { StepRequest, StepSource, StreamPart } from '../../src/providers/stream-part.ts';
import { SqliteJournal } from '../../src/store/sqlite/sqlite-journal.ts';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { systemClock } from '../../src/util/clock.ts';
import { EventCollector, isRunEnd, makeProjectDir, singleSourceModels } from '../../test/support/hub-fixture.ts';

const { values } = parseArgs({
  options: {
    conversations: { type: 'string', default: '50' },
    deltas: { type: 'string', default: '300' },
    rate: { type: 'string', default: '50' },
    rounds: { type: 'string', default: '3' },
    writers: { type: 'string', default: 'inline,worker' },
    intervals: { type: 'string', default: '0' },
    /** Each stream starts at a random point of its period, as streams started at different times do (without it every stream's timer fires in the same turn). */
    spread: { type: 'boolean', default: false },
  },
});
const [conversations, deltas, rate, rounds] = [values.conversations, values.deltas, values.rate, values.rounds].map(Number) as [number, number, number, number];

/** When each delta was yielded, by its text (unique per stream and index). */
const yielded = new Map<string, number>();
let streams = 0;
const paced: StepSource = {
  async *stream(request: StepRequest): AsyncIterable<StreamPart> {
    const stream = ++streams;
    if (values.spread) await sleep(Math.random() * (1000 / rate));
    yield { type: 'text-start', id: 't' };
    for (let n = 0; n < deltas && !request.signal.aborted; n++) {
      await sleep(1000 / rate);
      const delta = ` s${stream}w${n}`;
      yielded.set(delta, performance.now());
      yield { type: 'text-delta', id: 't', delta };
    }
    yield { type: 'text-end', id: 't' };
    yield { type: 'finish', finishReason: 'stop', usage: { inputTokens: 10, outputTokens: deltas } };
  },
};

const percentile = (list: number[], p: number) => (list.length === 0 ? 0 : [...list].sort((a, b) => a - b)[Math.min(list.length - 1, Math.floor((p / 100) * list.length))]!);
const round2 = (value: number) => Math.round(value * 100) / 100;

type Writer = 'inline' | 'worker';

async function measure(writer: Writer, commitIntervalMs: number) {
  const dir = await mkdtemp(join(tmpdir(), 'confab-writer-cost-'));
  const project = await makeProjectDir();
  const store = new SqliteStore({ path: join(dir, 'confab.db'), writer });
  await store.init();
  // Every write call timed: how long it keeps the event loop.
  const held: number[] = [];
  const { writer: queue } = store;
  const write = queue.write.bind(queue);
  queue.write = (request) => {
    const began = performance.now();
    try {
      return write(request);
    } finally {
      held.push(performance.now() - began);
    }
  };
  const journal = new SqliteJournal({ database: store.database, writer: queue });
  const eventLog = new JournalEventLog({ journal, clock: systemClock, newEpoch: () => Math.random().toString(36).slice(2), commitIntervalMs });
  const hub = new SessionHub({ store, models: singleSourceModels(paced), eventLog, limits: { maxConcurrentRuns: conversations } });
  await hub.start();
  await hub.createProject({ name: 'bench', path: project.path });
  const ids: string[] = [];
  for (let n = 0; n < conversations; n++) ids.push((await hub.createConversation({ projectName: 'bench', model: 'test/model' })).id);
  const latencies: number[] = [];
  const watchers = await Promise.all(ids.map(async (id) => new EventCollector(await hub.subscribe(id))));
  // The predicate sees each event as the subscriber takes it.
  const ended = watchers.map((watcher) =>
    watcher.waitFor((event) => {
      const at = event.type === 'part-delta' ? yielded.get(event.data.delta) : undefined;
      if (at !== undefined) latencies.push(performance.now() - at);
      return isRunEnd(event);
    }, 300_000),
  );
  held.length = 0;
  const delay = monitorEventLoopDelay({ resolution: 1 });
  const [cpu, threadCpu, journalWrites] = [process.cpuUsage(), process.threadCpuUsage(), journal.writes];
  delay.enable();
  await Promise.all(ids.map((id) => hub.send(id, { content: 'go' })));
  await Promise.all(ended);
  delay.disable();
  const [used, threadUsed] = [process.cpuUsage(cpu), process.threadCpuUsage(threadCpu)];
  const total = conversations * deltas;
  const ms = (ns: number) => round2(Math.max(0, ns / 1e6 - 1));
  const result = {
    writer,
    commitIntervalMs,
    journalWritesPer1000: round2(((journal.writes - journalWrites) * 1000) / total),
    load: loadavg()[0]!.toFixed(1),
    writeCalls: held.length,
    heldP99Ms: round2(percentile(held, 99)),
    heldMaxMs: round2(Math.max(0, ...held)),
    heldTotalMs: Math.round(held.reduce((sum, value) => sum + value, 0)),
    loopP99Ms: ms(delay.percentile(99)),
    loopMaxMs: ms(delay.max),
    mainCpuUsPerDelta: round2((threadUsed.user + threadUsed.system) / total),
    processCpuUsPerDelta: round2((used.user + used.system) / total),
    deltaLatencyP50Ms: round2(percentile(latencies, 50)),
    deltaLatencyP99Ms: round2(percentile(latencies, 99)),
  };
  for (const watcher of watchers) watcher.close();
  await hub.close();
  await journal.close();
  await store.close();
  await project.cleanup();
  await rm(dir, { recursive: true, force: true });
  yielded.clear();
  return result;
}

const writers = values.writers.split(',') as Writer[];
const variants = writers.flatMap((writer) => values.intervals.split(',').map((interval) => ({ writer, interval: Number(interval) })));
for (let n = 0; n < rounds; n++) {
  for (const { writer, interval } of n % 2 === 0 ? variants : [...variants].reverse()) console.log(JSON.stringify({ conversations, deltas, rate, ...(await measure(writer, interval)) }));
}
