import assert from 'node:assert/strict';
import { it } from 'node:test';
import { MemoryRunQueue } from './memory-run-queue.ts';
import { runRunQueueContract, type RunQueueFactory } from './run-queue-contract.ts';

/** Runs the RunQueue contract over the queues named in CONFAB_TEST_QUEUES (default `memory`). */
const factories: Record<string, RunQueueFactory> = {
  memory: ({ concurrency }) => new MemoryRunQueue({ concurrency }),
};

const selected = (process.env.CONFAB_TEST_QUEUES ?? 'memory').split(',').map((name) => name.trim()).filter((name) => name !== '');
const unknown = selected.filter((name) => !Object.hasOwn(factories, name));
if (unknown.length > 0) throw new Error(`CONFAB_TEST_QUEUES names unknown queues: ${unknown.join(', ')} (known: ${Object.keys(factories).join(', ')})`);
for (const name of selected) runRunQueueContract(name, factories[name]!);

it('MemoryRunQueue refuses a concurrency below one', () => {
  assert.throws(() => new MemoryRunQueue({ concurrency: 0 }), RangeError);
});
