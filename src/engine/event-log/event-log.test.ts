import { randomBytes } from 'node:crypto';
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { InstantClock } from '../../util/clock.ts';
import { runEventLogContract, type EventLogFactory } from './event-log-contract.ts';
import { SqliteStore } from '../../store/sqlite/sqlite-store.ts';
import { SqliteJournal } from '../../store/sqlite/sqlite-journal.ts';
import { JournalEventLog } from './journal-event-log.ts';
import { MemoryEventLog } from './memory-event-log.ts';

const newEpoch = () => randomBytes(6).toString('base64url');

/** Runs the ConversationLog contract over the logs named in CONFAB_TEST_LOGS (default `memory,journal`). */
const factories: Record<string, EventLogFactory> = {
  memory: ({ capacity }) => new MemoryEventLog({ clock: new InstantClock(), capacity, newEpoch }),
  journal: async ({ capacity }) => {
    const store = new SqliteStore({ path: ':memory:' });
    await store.init();
    return new JournalEventLog({ journal: new SqliteJournal({ database: store.database }), clock: new InstantClock(), newEpoch, retention: { events: capacity } });
  },
};

const selected = (process.env.CONFAB_TEST_LOGS ?? 'memory,journal').split(',').map((name) => name.trim()).filter((name) => name !== '');
const unknown = selected.filter((name) => !Object.hasOwn(factories, name));
if (unknown.length > 0) throw new Error(`CONFAB_TEST_LOGS names unknown logs: ${unknown.join(', ')} (known: ${Object.keys(factories).join(', ')})`);
for (const name of selected) runEventLogContract(name, factories[name]!);

it('MemoryEventLog refuses a capacity below one', () => {
  assert.throws(() => new MemoryEventLog({ clock: new InstantClock(), capacity: 0, newEpoch: () => 'E' }), RangeError);
});

it('MemoryEventLog grows its ring from 64 slots without losing or reordering events', async () => {
  const log = await new MemoryEventLog({ clock: new InstantClock(), capacity: 300, newEpoch: () => 'E' }).open('c', { lastSeq: 7 });
  for (let n = 1; n <= 250; n++) await log.append([{ type: 'part-end', runId: null, data: { messageId: 'm', partId: `p${n}` } }]);
  const held = await log.read(7);
  assert.deepEqual(held?.map((event) => event.seq), Array.from({ length: 250 }, (_, index) => index + 8));
});
