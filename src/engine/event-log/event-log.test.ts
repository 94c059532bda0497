import { randomBytes } from 'node:crypto';
import assert from 'node:assert/strict';
import { after, afterEach, it } from 'node:test';
import { InstantClock } from '../../util/clock.ts';
import { connectTestRedis } from '../redis/redis-test-connection.ts';
import { runEventLogContract, type EventLogFactory } from './event-log-contract.ts';
import { SqliteStore } from '../../store/sqlite/sqlite-store.ts';
import { SqliteJournal } from '../../store/sqlite/sqlite-journal.ts';
import { disposeJournalBackends, selectedJournalBackends } from '../../store/journal-test-backends.ts';
import { postgresUnavailable } from '../../store/postgres/postgres-test-database.ts';
import { JournalEventLog } from './journal-event-log.ts';
import { MemoryEventLog } from './memory-event-log.ts';
import { RedisEventLog } from './redis-event-log.ts';
import { runSelectedContracts } from '../../util/contract-selection.ts';

/**
 * Runs the ConversationLog contract over the logs named in CONFAB_TEST_LOGS (default
 * `memory,journal,journal-postgres,redis`; `journal-postgres` and `redis` are skipped with a note
 * when no Postgres or Redis answers, unless CI is set or it was named explicitly).
 */
const newEpoch = () => randomBytes(6).toString('base64url');
const implementations: Record<string, () => Promise<EventLogFactory | string>> = {
  memory: async () => ({ capacity }) => new MemoryEventLog({ clock: new InstantClock(), capacity, newEpoch }),
  journal: async () => async ({ capacity }) => {
    const store = new SqliteStore({ path: ':memory:' });
    await store.init();
    return new JournalEventLog({ journal: new SqliteJournal({ database: store.database }), clock: new InstantClock(), newEpoch, retention: { events: capacity } });
  },
  // The journal on Postgres: a schema per log (journal-test-backends.ts).
  'journal-postgres': async () => {
    const postgres = (await selectedJournalBackends()).selected.find((backend) => backend.name === 'postgres');
    if (!postgres) return (await postgresUnavailable()) ?? 'CONFAB_TEST_JOURNALS leaves out postgres';
    const opened: { close(): Promise<void> }[] = [];
    after(async () => {
      for (const one of opened.splice(0)) await one.close();
      await disposeJournalBackends();
    });
    return async ({ capacity }) => {
      const storage = await postgres.storage();
      const { journal, close } = await storage.open();
      opened.push({ close: async () => (await close(), await storage.dispose()) });
      return new JournalEventLog({ journal, clock: new InstantClock(), newEpoch, retention: { events: capacity } });
    };
  },
  redis: async () => {
    const redis = await connectTestRedis();
    if (typeof redis === 'string') return redis;
    const logs: RedisEventLog[] = [];
    afterEach(() => logs.splice(0).forEach((log) => log.close()));
    after(() => redis.close());
    return ({ capacity }) => {
      const log = new RedisEventLog({ redis: redis.commands, subscriber: redis.subscriber, keyPrefix: redis.prefix, clock: new InstantClock(), capacity, newEpoch });
      logs.push(log);
      return log;
    };
  },
};
await runSelectedContracts({ variable: 'CONFAB_TEST_LOGS', contract: 'ConversationLog contract', defaults: ['memory', 'journal', 'journal-postgres', 'redis'], implementations, run: runEventLogContract });

it('MemoryEventLog refuses a capacity below one', () => {
  assert.throws(() => new MemoryEventLog({ clock: new InstantClock(), capacity: 0, newEpoch: () => 'E' }), RangeError);
});

it('MemoryEventLog gives every open its own epoch: its history lives and dies with the open', async () => {
  const eventLog = new MemoryEventLog({ clock: new InstantClock(), capacity: 3, newEpoch });
  const [first, second] = [await eventLog.open('conv_epoch', { lastSeq: 0 }), await eventLog.open('conv_epoch', { lastSeq: 0 })];
  assert.notEqual(first.epoch, second.epoch);
});

it('MemoryEventLog grows its ring from 64 slots without losing or reordering events', async () => {
  const log = await new MemoryEventLog({ clock: new InstantClock(), capacity: 300, newEpoch: () => 'E' }).open('c', { lastSeq: 7 });
  for (let n = 1; n <= 250; n++) await log.append([{ type: 'part-end', runId: null, data: { messageId: 'm', partId: `p${n}` } }]);
  const held = await log.read(7);
  assert.deepEqual(held?.map((event) => event.seq), Array.from({ length: 250 }, (_, index) => index + 8));
});
