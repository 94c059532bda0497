/**
 * What one journal transaction costs against how many entries it carries, through the writer a
 * server uses (the worker thread by default): sequential `SqliteJournal.write` calls of k entries
 * (token-sized event bodies), timed in CPU, not wall time, so that a busy machine changes the
 * figures less. Prints, per k, the main thread's and the whole process's CPU µs per transaction
 * and per entry; the difference between k = 1 and larger k is what group commit saves.
 *   node bench/profile/journal-commit-cost.ts [--sizes 1,2,5,10,20] [--commits 2000] [--writer worker|inline] [--rounds 3]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { JournalEntry } from '../../src/store/journal.ts';
import { SqliteJournal } from '../../src/store/sqlite/sqlite-journal.ts';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1,2,5,10,20' },
    commits: { type: 'string', default: '2000' },
    writer: { type: 'string', default: 'worker' },
    rounds: { type: 'string', default: '3' },
  },
});
const sizes = values.sizes.split(',').map(Number);
const [commits, rounds] = [Number(values.commits), Number(values.rounds)];
const writer = values.writer === 'inline' ? 'inline' : 'worker';
const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)]!;

async function measure(size: number): Promise<{ mainUs: number; processUs: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'confab-commit-cost-'));
  const store = new SqliteStore({ path: join(dir, 'confab.db'), writer });
  await store.init();
  const journal = new SqliteJournal({ database: store.database, writer: store.writer });
  const conversations = Array.from({ length: 100 }, (_, n) => `conversation-${n}`);
  const seqs = new Map<string, number>();
  const batch = (): JournalEntry[] =>
    Array.from({ length: size }, () => {
      const conversationId = conversations[Math.floor(Math.random() * conversations.length)]!;
      const seq = (seqs.get(conversationId) ?? 0) + 1;
      seqs.set(conversationId, seq);
      const body = JSON.stringify({ runId: 'run-1', type: 'part-delta', at: Date.now(), data: { partId: 'p1', delta: ` w${seq}` } });
      return { conversationId, seq, body, bytes: Buffer.byteLength(body) };
    });
  for (let n = 0; n < 200; n++) await journal.write(batch());
  const [cpu, thread] = [process.cpuUsage(), process.threadCpuUsage()];
  for (let n = 0; n < commits; n++) await journal.write(batch());
  const [used, threadUsed] = [process.cpuUsage(cpu), process.threadCpuUsage(thread)];
  await journal.close();
  await store.close();
  await rm(dir, { recursive: true, force: true });
  return { mainUs: (threadUsed.user + threadUsed.system) / commits, processUs: (used.user + used.system) / commits };
}

const results = new Map<number, { mainUs: number; processUs: number }[]>(sizes.map((size) => [size, []]));
for (let n = 0; n < rounds; n++) {
  for (const size of n % 2 === 0 ? sizes : [...sizes].reverse()) results.get(size)!.push(await measure(size));
}
for (const [size, list] of results) {
  const main = median(list.map((r) => r.mainUs));
  const whole = median(list.map((r) => r.processUs));
  console.log(JSON.stringify({ writer, entries: size, load: +loadavg()[0]!.toFixed(1), mainUsPerCommit: +main.toFixed(1), processUsPerCommit: +whole.toFixed(1), mainUsPerEntry: +(main / size).toFixed(1), processUsPerEntry: +(whole / size).toFixed(1) }));
}
