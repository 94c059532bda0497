/**
 * The event journal's cost per delta, without HTTP: a hub over a SQLite file with the journal (as
 * `confab serve` builds it), C conversations each streaming N deltas at R per second from a paced
 * source, one subscriber each. Prints the whole-process CPU µs per delta and the journal
 * transactions per 1000 deltas for each table layout, in alternating rounds (the median is the
 * figure): `insertion` (the journal as built: rows in insertion order, an index for reads),
 * `clustered` (rows clustered by conversation, the first layout, which the script recreates) and
 * `off` (no journal: the in-memory log with 250 ms record checkpoints, `CONFAB_JOURNAL=off`).
 *   node bench/profile/journal-cost.ts [--conversations 100] [--deltas 300] [--rate 50] [--rounds 3]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { JournalEventLog } from '../../src/engine/event-log/journal-event-log.ts';
import { SessionHub } from '../../src/engine/session-hub.ts';
import type { StepRequest, StepSource, StreamPart } from '../../src/providers/stream-part.ts';
import { SqliteJournal } from '../../src/store/sqlite/sqlite-journal.ts';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { systemClock } from '../../src/util/clock.ts';
import { EventCollector, isRunEnd, makeProjectDir, singleSourceModels } from '../../test/support/hub-fixture.ts';

const { values } = parseArgs({ options: { conversations: { type: 'string', default: '100' }, deltas: { type: 'string', default: '300' }, rate: { type: 'string', default: '50' }, rounds: { type: 'string', default: '3' } } });
const [conversations, deltas, rate, rounds] = [values.conversations, values.deltas, values.rate, values.rounds].map(Number) as [number, number, number, number];

/** Streams `deltas` text deltas, one every 1000/rate ms. */
const paced: StepSource = {
  async *stream(request: StepRequest): AsyncIterable<StreamPart> {
    yield { type: 'text-start', id: 't' };
    for (let n = 0; n < deltas && !request.signal.aborted; n++) {
      await sleep(1000 / rate);
      yield { type: 'text-delta', id: 't', delta: ` w${n}` };
    }
    yield { type: 'text-end', id: 't' };
    yield { type: 'finish', finishReason: 'stop', usage: { inputTokens: 10, outputTokens: deltas } };
  },
};

const clustered = `DROP INDEX journal_conversation; DROP TABLE journal;
  CREATE TABLE journal (conversation_id TEXT NOT NULL, seq INTEGER NOT NULL, bytes INTEGER NOT NULL, body TEXT NOT NULL, PRIMARY KEY (conversation_id, seq)) WITHOUT ROWID;`;

type Layout = 'insertion' | 'clustered' | 'off';

async function round(layout: Layout): Promise<{ cpuUsPerDelta: number; writesPer1000: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'confab-journal-cost-'));
  const project = await makeProjectDir();
  const store = new SqliteStore({ path: join(dir, 'confab.db') });
  await store.init();
  if (layout === 'clustered') store.database.exec(clustered);
  const journal = new SqliteJournal({ database: store.database });
  const eventLog = layout === 'off' ? undefined : new JournalEventLog({ journal, clock: systemClock, newEpoch: () => Math.random().toString(36).slice(2) });
  const hub = new SessionHub({ store, models: singleSourceModels(paced), eventLog, limits: { maxConcurrentRuns: conversations } });
  await hub.start();
  await hub.createProject({ name: 'bench', path: project.path });
  const ids: string[] = [];
  for (let n = 0; n < conversations; n++) ids.push((await hub.createConversation({ projectName: 'bench', model: 'test/model' })).id);
  const watchers = await Promise.all(ids.map(async (id) => new EventCollector(await hub.subscribe(id))));
  const [cpu, writes] = [process.cpuUsage(), journal.writes + hub.checkpointCommits];
  await Promise.all(ids.map((id) => hub.send(id, { content: 'go' })));
  await Promise.all(watchers.map((watcher) => watcher.waitFor(isRunEnd, 300_000)));
  const used = process.cpuUsage(cpu);
  const total = conversations * deltas;
  const transactions = journal.writes + hub.checkpointCommits - writes;
  for (const watcher of watchers) watcher.close();
  await hub.close();
  await journal.close();
  await store.close();
  await project.cleanup();
  await rm(dir, { recursive: true, force: true });
  // Store transactions of both kinds, as the bench counts them: journal commits and record checkpoints.
  return { cpuUsPerDelta: (used.user + used.system) / total, writesPer1000: (transactions * 1000) / total };
}

const layouts: Layout[] = ['insertion', 'clustered', 'off'];
const results: Record<string, { cpuUsPerDelta: number; writesPer1000: number }[]> = { insertion: [], clustered: [], off: [] };
for (let n = 0; n < rounds; n++) {
  for (const layout of n % 2 === 0 ? layouts : [...layouts].reverse()) results[layout]!.push(await round(layout));
}
const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)]!;
for (const [layout, list] of Object.entries(results)) {
  console.log(JSON.stringify({ layout, conversations, deltas, rate, cpuUsPerDelta: list.map((r) => +r.cpuUsPerDelta.toFixed(1)), median: +median(list.map((r) => r.cpuUsPerDelta)).toFixed(1), writesPer1000Deltas: +median(list.map((r) => r.writesPer1000)).toFixed(1) }));
}
