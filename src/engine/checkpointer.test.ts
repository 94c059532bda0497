import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Run } from '../domain/schemas.ts';
import { MemoryStore } from '../store/memory/memory-store.ts';
import { conversation, project, run } from '../store/store-test-records.ts';
import { InstantClock } from '../util/clock.ts';
import { silentLogger } from '../util/logger.ts';
import { Checkpointer } from './checkpointer.ts';
import { MemoryEventLog } from './event-log/memory-event-log.ts';
import { LiveConversation } from './live-conversation.ts';

async function setup() {
  const store = new MemoryStore();
  await store.createProject(project());
  const active = run('run_a', 'c1', { status: 'running', createdAt: 1 });
  const queued = run('run_b', 'c1', { status: 'queued', createdAt: 2 });
  await store.commit({ conversations: [conversation('c1')], runs: [active, queued] });
  const checkpointer = new Checkpointer({ store, clock: new InstantClock(), intervalMs: 250, logger: silentLogger });
  const live = new LiveConversation({
    state: { conversation: conversation('c1'), messages: [], runs: [active, queued] },
    log: await new MemoryEventLog({ clock: new InstantClock(), capacity: 100, newEpoch: () => 'E' }).open('c1', { lastSeq: 0 }),
    onDirty: (changed) => checkpointer.markDirty(changed),
    onUnsubscribe: () => {},
  });
  await live.attach();
  return { store, checkpointer, live, active, queued };
}

describe('Checkpointer', () => {
  it('writes a run that ended and was dropped from the live state by a later run end before any checkpoint', async () => {
    const { store, checkpointer, live, active, queued } = await setup();
    // A queued run is stopped and the active one completes in the same turn: folding the second
    // end drops the first from state.runs (only the latest ended run stays).
    const stopped: Run = { ...queued, status: 'stopped', finishReason: 'stopped', endedAt: 5 };
    const completed: Run = { ...active, status: 'completed', finishReason: 'stop', endedAt: 6 };
    await live.log.claim({ runId: 'run_a', attempt: 1 });
    live.emit({ type: 'run-stopped', runId: stopped.id, data: { run: stopped } });
    live.emit({ type: 'run-completed', runId: completed.id, data: { run: completed } }, { fence: { runId: 'run_a', attempt: 1 } });
    await live.flush();
    assert.deepEqual(live.state.runs.map((one) => one.id), ['run_a'], 'the stopped run is no longer in the live state');
    await checkpointer.flush();
    assert.deepEqual([(await store.getRun('run_b'))?.status, (await store.getRun('run_a'))?.status], ['stopped', 'completed']);
    assert.equal(live.prunedRuns.size, 0, 'kept only until written');
  });
});
